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
from pandas.tseries.api import guess_datetime_format

from kit.analysis.errors import AnalysisError, MissingColumnError

_WHITESPACE = re.compile(r"\s+")


def require_columns(frame: pd.DataFrame, columns: dict[str, str], table: str) -> None:
    """Raise :class:`MissingColumnError` for the first of ``columns`` (name -> parameter) not in ``frame``."""
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(f"expected the {table} table (a DataFrame), got {type(frame).__name__}")
    for column, parameter in columns.items():
        if column not in frame.columns:
            raise MissingColumnError(column, table=table, available=frame.columns, parameter=parameter)


def as_datetime(
    frame: pd.DataFrame, column: str, table: str, *, format: str | None = None, dayfirst: bool | None = None
) -> pd.Series:
    """A date column as datetimes; text dates (as in a CSV export) are parsed, never guessed wrong.

    Empty text is a missing date. ISO dates (``2025-03-05 14:30``) are read as
    they are. Other text is read in the one order its values allow: ``13/03/2025``
    can only be day first. When every value reads both ways (``05/03/2025`` is
    5 March or May 3), the column is refused rather than read month first:
    say which with ``dayfirst`` or ``format``.

    Parameters
    ----------
    frame
        The table.
    column
        The date column.
    table
        What the table is, in words, for error messages (``"service requests"``).
    format
        Given, every date must have exactly this ``strftime`` format, such as
        ``"%d/%m/%Y %H:%M"``.
    dayfirst
        True for day-first dates (``05/03/2025`` is 5 March), False for month
        first (May 3). None (the default) refuses a column that reads both ways.

    Returns
    -------
    pandas.Series
        ``datetime64`` values, same index; NaT where the text was empty.

    Raises
    ------
    AnalysisError
        If a value is not a date (naming it), does not match ``format``, or the
        day/month order is ambiguous (the hint names ``dayfirst`` and ``date_format``).

    Examples
    --------
    >>> sheet = pd.DataFrame({"when": ["05/03/2025", "13/03/2025", ""]})
    >>> as_datetime(sheet, "when", "sheet").dt.strftime("%d %b").tolist()
    ['05 Mar', '13 Mar', nan]
    >>> try:
    ...     as_datetime(sheet.head(1), "when", "sheet")
    ... except AnalysisError as error:
    ...     print(error.message)
    ...     print(error.hint)
    column 'when' of the sheet table has dates that read two ways, such as '05/03/2025' (5 Mar 2025 or 3 May 2025)
    say which: dayfirst=True (day first), dayfirst=False (month first), or a date_format such as '%d/%m/%Y'
    >>> as_datetime(sheet.head(1), "when", "sheet", dayfirst=True).dt.strftime("%d %b").tolist()
    ['05 Mar']
    """
    values = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype("string").str.strip().replace("", pd.NA)
    if format is not None:
        return _parse_exact(text, format, column, table)
    present = text.dropna()
    iso = _quiet_to_datetime(text, format="ISO8601", errors="coerce")
    if present.empty or iso.notna().sum() == len(present):
        return iso
    if dayfirst is None:
        return _parse_either_order(text, present.iloc[0], column, table)
    return _parse_in_order(text, present.iloc[0], dayfirst, column, table)


_AMBIGUOUS_HINT = (
    "say which: dayfirst=True (day first), dayfirst=False (month first), or a date_format such as '%d/%m/%Y'"
)


def _quiet_to_datetime(text: pd.Series, **options) -> pd.Series:
    """``pandas.to_datetime`` without its warnings about guessing a format row by row."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pd.to_datetime(text, **options)


def _not_dates(text: pd.Series, parsed: pd.Series | None, column: str, table: str, why: str = "") -> AnalysisError:
    """The error for a column with values that are not dates, naming the first one."""
    if parsed is None:
        parsed = _quiet_to_datetime(text, format="mixed", errors="coerce")
    bad = text[parsed.isna() & text.notna()]
    example = bad.iloc[0] if len(bad) else text.dropna().iloc[0]
    return AnalysisError(
        f"column '{column}' of the {table} table holds values that are not dates{why}, such as {example!r}",
        hint="fix or remove those rows, or pass the right column name (or date_format / dayfirst)",
    )


def _parse_exact(text: pd.Series, fmt: str, column: str, table: str) -> pd.Series:
    """Every date in exactly the format ``fmt``."""
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError as exc:  # not a format at all
        raise AnalysisError(
            f"{fmt!r} is not a date format ({exc})", hint="use strftime codes, such as '%d/%m/%Y'"
        ) from None
    if (parsed.isna() & text.notna()).any():
        raise _not_dates(text, parsed, column, table, f" in the format {fmt!r}")
    return parsed


def _guessed_format(sample: str, dayfirst: bool) -> str | None:
    """The ``strftime`` format of one date (pandas' guess, which also knows a trailing AM/PM)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fmt = guess_datetime_format(sample, dayfirst=dayfirst)
        if fmt is None and sample[-2:].upper() in ("AM", "PM"):
            base = guess_datetime_format(sample[:-2].strip(), dayfirst=dayfirst)
            fmt = base.replace("%H", "%I") + " %p" if base and "%H" in base else None
    return fmt


def _read_all(text: pd.Series, fmt: str | None) -> pd.Series | None:
    """The column read with ``fmt``, or None when a value does not fit it."""
    if fmt is None:
        return None
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    return None if (parsed.isna() & text.notna()).any() else parsed


def _ambiguous(text: pd.Series, one: pd.Series, other: pd.Series, column: str, table: str) -> AnalysisError:
    where = (one != other).to_numpy().nonzero()[0][0]
    first, second = one.iloc[where], other.iloc[where]
    readings = f"{first.day} {first:%b %Y} or {second.day} {second:%b %Y}"
    return AnalysisError(
        f"column '{column}' of the {table} table has dates that read two ways, "
        f"such as {text.iloc[where]!r} ({readings})",
        hint=_AMBIGUOUS_HINT,
    )


def _parse_either_order(text: pd.Series, sample: str, column: str, table: str) -> pd.Series:
    """Text dates in the one day/month order every value allows; refused when both orders fit."""
    formats = dict.fromkeys(_guessed_format(sample, first) for first in (True, False))
    readings = [r for r in (_read_all(text, f) for f in formats) if r is not None]
    if not readings:  # no single format fits every value: read each one (dateutil), in both orders
        readings = []
        for first in (True, False):
            try:
                readings.append(_quiet_to_datetime(text, format="mixed", dayfirst=first))
            except (ValueError, TypeError, OverflowError):
                raise _not_dates(text, None, column, table) from None
    for other in readings[1:]:
        if not other.equals(readings[0]):
            raise _ambiguous(text, readings[0], other, column, table)
    return readings[0]


def _parse_in_order(text: pd.Series, sample: str, dayfirst: bool, column: str, table: str) -> pd.Series:
    """Text dates read day first (``dayfirst=True``) or month first; a date fitting only the other order is refused."""
    fmt = _guessed_format(sample, dayfirst)
    other = _guessed_format(sample, not dayfirst)
    wrong = pd.Series(False, index=text.index)
    if fmt and "%d" in fmt and "%m" in fmt and (fmt.index("%d") < fmt.index("%m")) != dayfirst:
        wrong = text == sample
    elif fmt and other and other != fmt:
        mine = pd.to_datetime(text, format=fmt, errors="coerce")
        wrong = (mine.isna() & pd.to_datetime(text, format=other, errors="coerce").notna()).fillna(False)
    if wrong.any():
        order = "day-first" if dayfirst else "month-first"
        raise AnalysisError(
            f"column '{column}' of the {table} table has {text[wrong].iloc[0]!r}, which cannot be a {order} date",
            hint=f"check the order: pass dayfirst={not dayfirst}, or the exact date_format",
        )
    parsed = _read_all(text, fmt)
    if parsed is not None:
        return parsed
    try:
        return _quiet_to_datetime(text, format="mixed", dayfirst=dayfirst)
    except (ValueError, TypeError, OverflowError):
        raise _not_dates(text, None, column, table) from None


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
