"""Checking and reading the columns an analysis step needs, shared by every step.

A city's export rarely arrives as the kit's bundled data does: a column may be
missing or spelled differently, dates or numbers may be text, a join key may
be ``35`` in one table and ``"035"`` in the other. These helpers read such
columns one way for every step, and say what is wrong in words a user can act on.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd

from kit.analysis.errors import AnalysisError, MissingColumnError

_WHITESPACE = re.compile(r"\s+")


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


def one_column(values, step: str) -> pd.Series:
    """``values`` as a Series; a whole table is the commonest slip, so say how to pick a column."""
    if isinstance(values, pd.DataFrame):
        raise AnalysisError(
            f"{step} cleans one column, not a whole table",
            hint=f'pick the column with square brackets, such as {step}(sheets["email"])',
        )
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    return values


def as_text(values: pd.Series) -> pd.Series:
    """Text, trimmed, one space between words; empty text becomes missing.

    Whole numbers (a phone or ZIP column a spreadsheet turned into numbers) lose
    their ``.0``.

    Examples
    --------
    >>> as_text(pd.Series(["  Ana   Ruiz ", "", None])).tolist()
    ['Ana Ruiz', nan, nan]
    >>> as_text(pd.Series([3095550123.0, None])).tolist()
    ['3095550123', nan]
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        values = pd.Series(
            [str(int(v)) if pd.notna(v) and float(v).is_integer() else v for v in values],
            index=values.index,
            dtype="object",
        )
    text = values.astype("str").str.strip().str.replace(_WHITESPACE, " ", regex=True)
    return text.where(text != "")


def as_key(values: pd.Series, *, width: int | None = None) -> pd.Series:
    """Join keys as text, so that two tables that write the same key differently still join.

    ``1``, ``1.0``, ``"1"`` and ``" 01"`` all become ``"1"``; other text is kept
    (trimmed). Empty text is a missing key, as in CSV exports that write nothing
    for "no value".

    Parameters
    ----------
    values
        A key column.
    width
        Given, keys that are whole numbers of at least 0 are zero-padded to this
        many digits: a key that lost its leading zeros in a spreadsheet
        (``2005`` for the precinct ``'02005'``) gets them back.

    Returns
    -------
    pandas.Series
        The keys as pandas text (``string`` dtype), same index.

    Examples
    --------
    >>> as_key(pd.Series([1, 1.0, "1", " 01", "N-1", ""])).tolist()
    ['1', '1', '1', '1', 'N-1', <NA>]
    >>> as_key(pd.Series(["02005", 2005, "2005"]), width=5).tolist()
    ['02005', '02005', '02005']
    """
    text = values.astype("string").str.strip().replace("", pd.NA)
    number = pd.to_numeric(text, errors="coerce")
    whole = number.notna() & (number == number.round())
    if width is not None:
        whole &= number >= 0  # -1 would pad to '-0001'
    digits = number.where(whole).round().astype("Int64").astype("string")
    if width is not None:
        digits = digits.str.zfill(width)
    return text.where(~whole, digits)
