"""Checking and reading the columns an analysis step needs, shared by every step.

A city's export rarely arrives as the kit's bundled data does: a column may be
missing or spelled differently, dates may be text. These helpers say so in
words a user can act on.
"""

from __future__ import annotations

import warnings

import pandas as pd

from kit.analysis.errors import AnalysisError, MissingColumnError


def require_columns(frame: pd.DataFrame, columns: dict[str, str], table: str) -> None:
    """Raise :class:`MissingColumnError` for the first of ``columns`` (name -> parameter) not in ``frame``."""
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(f"expected the {table} table (a DataFrame), got {type(frame).__name__}")
    for column, parameter in columns.items():
        if column not in frame.columns:
            raise MissingColumnError(column, table=table, available=frame.columns, parameter=parameter)


def as_datetime(frame: pd.DataFrame, column: str, table: str) -> pd.Series:
    """A date column as datetimes; text dates (as in a CSV export) are parsed.

    ISO dates are tried first, then pandas' own guess (e.g. ``"01/05/2024 01:22:10 PM"``).
    Empty text is a missing date. A value that is not a date is an error naming it.
    """
    values = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype("string").str.strip().replace("", pd.NA)
    with warnings.catch_warnings():
        # pandas warns when it has to guess the format row by row
        warnings.simplefilter("ignore", UserWarning)
        for fmt in ("ISO8601", None, "mixed"):
            try:
                return pd.to_datetime(text, format=fmt)
            except (ValueError, TypeError):
                continue
        bad = text[pd.to_datetime(text, errors="coerce", format="mixed").isna() & text.notna()]
    example = bad.iloc[0] if len(bad) else text.dropna().iloc[0]
    raise AnalysisError(
        f"column '{column}' of the {table} table holds values that are not dates, such as {example!r}",
        hint="fix or remove those rows, or pass the right column name",
    )
