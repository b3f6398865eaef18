"""A data-quality profile: is a table complete, valid, free of duplicates and up to date?

Module 5 teaches it on Riverton's 311 requests; a city runs the same profile on its
own export (a CSV, or a page of SODA JSON where every value is text and a location
is a nested dict) before publishing it or building a case on it. It measures four
dimensions, each as checks that count the rows that pass and fail:

1. **completeness** -- the share of rows where a column is filled. Empty text,
   ``"N/A"``, ``"Unspecified"`` and other placeholders count as missing, and so do
   the codes a column uses for "no value" (``0`` as a community area or a ZIP code)
   when you name them.
2. **validity** -- rules a filled value must follow: a range (latitude inside the
   city's bounding box), a list of allowed values, a date that is not before
   another (closed on or after created), a pattern, or the type a dataset card
   declares (a ``number`` column whose text is not a number).
3. **duplicates** -- rows exported twice, byte for byte, and ids (keys) that repeat.
4. **timeliness** -- how old the latest record is against the date you check
   (``as_of``), records dated in the future, and gaps longer than expected.

:func:`quality_profile` returns a :class:`QualityReport`: its ``summary`` table
has one row per check (dimension, check, column, passed, failed, share, detail)
and ``to_markdown(lang)`` writes it up for a report in any language the kit has
(``"en"``, ``"es"``, ``"pt"``…; the words are in ``kit/analysis/messages/<lang>.yaml``).

Examples
--------
>>> frame = pd.DataFrame({
...     "id": ["1", "2", "2", "4"],
...     "area": [3, 0, 0, 12],
...     "status": ["Closed", "Closed", "Closed", "Closed - Dup"],
...     "created": pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-03", "2025-01-09"]),
... })
>>> report = quality_profile(
...     frame, key="id", required={"area": [0], "status": []},
...     valid={"status": OneOf(["Closed", "Open"]), "area": Range(1, 12)},
...     date_column="created", as_of="2025-01-10", expected_days=3,
... )
>>> report.summary[["dimension", "check", "column", "passed", "failed"]]
      dimension                     check   column  passed  failed
0  completeness                    filled     area       2       2
1  completeness                    filled   status       4       0
2      validity           one of 2 values   status       3       1
3      validity          between 1 and 12     area       2       0
4    duplicates             repeated rows    <row>       3       1
5    duplicates             repeated keys       id       3       1
6    timeliness      latest within 3 days  created       1       0
7    timeliness  not after the as-of date  created       4       0
8    timeliness        no gap over 3 days  created       1       1
>>> report.summary.loc[2, "detail"]
"'Closed - Dup'"
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.analysis.errors import AnalysisError, MissingColumnError
from kit.languages import REFERENCE, available_languages
from kit.pages import read_catalog

if TYPE_CHECKING:
    from kit.data.catalog import DatasetCard

__all__ = [
    "MISSING_TEXT",
    "Matches",
    "NotBefore",
    "OneOf",
    "QualityReport",
    "Range",
    "quality_profile",
]

# text that means "no value" in real exports, compared trimmed and case-insensitively
MISSING_TEXT = ("", "n/a", "na", "null", "none", "unspecified", "unknown")

_COLUMNS = ["dimension", "check", "column", "passed", "failed", "share", "detail"]
ROW = "<row>"  # the column of a check on whole rows

MESSAGES_DIR = Path(__file__).with_name("messages")  # quality.* in each language's catalog


def _words(lang: str) -> dict:
    """The report's words in ``lang`` (``quality.<key>``); ``headers`` is a list."""
    words = {
        k.removeprefix("quality."): v for k, v in read_catalog(MESSAGES_DIR, lang).items() if k.startswith("quality.")
    }
    return words | {"headers": [h.strip() for h in words["headers"].split("|")]}


def _number(text: str, words: dict) -> str:
    """A number written in English style (``1,234.5``) with the separators of ``words``' language."""
    return text.replace(",", "\0").replace(".", words["decimal"]).replace("\0", words["thousands"])


# ---------------------------------------------------------------------------
# validity rules: each says which filled values pass, and names itself


@dataclass(frozen=True)
class Range:
    """Numbers (or dates) from ``low`` to ``high``, both included; text that is not a number fails.

    Two ranges make a bounding box: ``{"latitude": Range(41.6, 42.1), "longitude": Range(-87.95, -87.5)}``.
    """

    low: object
    high: object

    def label(self) -> tuple[str, dict]:
        return "range", {"low": self.low, "high": self.high}

    def passes(self, frame: pd.DataFrame, column: str) -> pd.Series:
        values = frame[column]
        if isinstance(self.low, str | pd.Timestamp) or pd.api.types.is_datetime64_any_dtype(values):
            low, high = pd.Timestamp(self.low), pd.Timestamp(self.high)
            values = _as_dates(values)
        else:
            low, high = self.low, self.high
            values = pd.to_numeric(_plain(values), errors="coerce")
        return values.between(low, high).fillna(False).astype(bool)


@dataclass(frozen=True)
class OneOf:
    """Values from a fixed list (compared as text, trimmed: ``3`` and ``"3"`` are the same)."""

    values: Sequence[object]

    def label(self) -> tuple[str, dict]:
        return "one_of", {"n": len(self.values)}

    def passes(self, frame: pd.DataFrame, column: str) -> pd.Series:
        allowed = {_text(v) for v in self.values}
        return _plain(frame[column]).map(_text).isin(allowed)


@dataclass(frozen=True)
class NotBefore:
    """A date on or after the date in ``other`` on the same row (closed on or after created).

    A row whose ``other`` date is missing passes: there is nothing to compare.
    """

    other: str

    def label(self) -> tuple[str, dict]:
        return "not_before", {"other": self.other}

    def passes(self, frame: pd.DataFrame, column: str) -> pd.Series:
        if self.other not in frame.columns:
            raise MissingColumnError(self.other, table="profiled", available=frame.columns)
        mine, other = _as_dates(frame[column]), _as_dates(frame[self.other])
        return (mine >= other).fillna(False).astype(bool) | other.isna()


@dataclass(frozen=True)
class Matches:
    """Text matching a regular expression in full (a ZIP code: ``Matches(r"\\d{5}")``)."""

    pattern: str

    def label(self) -> tuple[str, dict]:
        return "matches", {"pattern": f"`{self.pattern}`"}

    def passes(self, frame: pd.DataFrame, column: str) -> pd.Series:
        compiled = re.compile(self.pattern)
        return _plain(frame[column]).map(lambda v: bool(compiled.fullmatch(_text(v))))


@dataclass(frozen=True)
class _IsType:
    """The type a dataset card declares: text that reads as a number, a date or a boolean."""

    kind: str

    def label(self) -> tuple[str, dict]:
        return "type", {"kind": self.kind}

    def passes(self, frame: pd.DataFrame, column: str) -> pd.Series:
        values = _plain(frame[column])
        if self.kind in ("integer", "number"):
            numbers = pd.to_numeric(values, errors="coerce")
            ok = numbers.notna()
            return ok & (numbers.round() == numbers) if self.kind == "integer" else ok
        if self.kind in ("datetime", "date"):
            return _as_dates(values).notna()
        return values.map(_text).str.lower().isin(["true", "false"])


_CARD_TYPES = ("integer", "number", "datetime", "date", "boolean")


def _is_rule(rule) -> bool:
    return hasattr(rule, "passes") and hasattr(rule, "label")


def _as_rule(rule) -> Range | OneOf | NotBefore | Matches | _IsType:
    """A rule object; a ``(low, high)`` tuple is a :class:`Range`, a list or set a :class:`OneOf`."""
    if _is_rule(rule):
        return rule
    if isinstance(rule, tuple) and len(rule) == 2:
        return Range(*rule)
    if isinstance(rule, list | set | frozenset):
        return OneOf(sorted(rule, key=str))
    raise AnalysisError(
        f"{rule!r} is not a validity rule",
        hint="use Range(low, high), OneOf([...]), NotBefore('column'), Matches(r'...'), "
        "a (low, high) tuple or a list of allowed values",
    )


# ---------------------------------------------------------------------------
# values as they come: nested SODA JSON, text numbers, placeholders


def _text(value) -> str:
    """One value as trimmed text; dicts and lists (nested SODA JSON) as sorted JSON."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _plain(values: pd.Series) -> pd.Series:
    """Values any pandas operation can take: nested dicts and lists become JSON text."""
    if values.dtype == object and values.map(lambda v: isinstance(v, dict | list)).any():
        return values.map(lambda v: _text(v) if isinstance(v, dict | list) else v)
    return values


def _as_dates(values: pd.Series) -> pd.Series:
    """Datetimes; text that is not a date becomes missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return pd.to_datetime(_plain(values).astype("string").str.strip(), errors="coerce", format="mixed")


def _missing(values: pd.Series, codes: Iterable[object], missing_text: Iterable[str]) -> pd.Series:
    """Where a column has no value: null, a placeholder text, an empty dict or list, or one of ``codes``."""
    empty = values.isna() | values.map(lambda v: isinstance(v, dict | list) and len(v) == 0)
    placeholders = {t.lower() for t in missing_text} | {_text(c).lower() for c in codes}
    filled = values[~empty]
    empty[~empty] = filled.map(lambda v: _text(v).lower() in placeholders)
    return empty.astype(bool)


def _examples(values: pd.Series, limit: int = 3) -> str:
    """The commonest failing values, for a user to look up."""
    common = values.map(_text).value_counts().head(limit).index
    return ", ".join(repr(v) for v in common)


# ---------------------------------------------------------------------------
# the four dimensions: each returns rows of the summary, with their label keys


@dataclass
class _Checks:
    """Summary rows and, for each, the label key and values to write it in any language."""

    rows: list[dict] = field(default_factory=list)
    labels: list[tuple[tuple[str, dict], tuple[str, dict] | str]] = field(default_factory=list)

    def add(self, dimension: str, label: tuple[str, dict], column: str, passed: int, failed: int, detail=""):
        """One check; ``detail`` is text (data values) or a ``(key, values)`` label to translate."""
        total = passed + failed
        share = passed / total if total else np.nan
        text = _render(label, REFERENCE)
        self.rows.append(
            dict(zip(_COLUMNS, [dimension, text, column, passed, failed, share, _render(detail, REFERENCE)]))
        )
        self.labels.append((label, detail))


def _render(label: tuple[str, dict] | str, lang: str) -> str:
    """A label in ``lang``; plain text (data values) as it is."""
    if isinstance(label, str):
        return label
    key, values = label
    return _words(lang)[key].format(**values)


def _completeness(checks: _Checks, frame, required: Mapping[str, Sequence], missing_text) -> dict[str, pd.Series]:
    """One row per required column; returns each column's missing mask for the validity checks."""
    masks = {}
    for column, codes in required.items():
        mask = _missing(frame[column], codes, missing_text)
        masks[column] = mask
        detail = _examples(frame[column][mask & frame[column].notna()])
        checks.add("completeness", ("filled", {}), column, int((~mask).sum()), int(mask.sum()), detail)
    return masks


def _validity(checks: _Checks, frame, rules: Mapping[str, object], masks, missing_text) -> None:
    """One row per rule; only filled values are judged (completeness counts the others)."""
    for column, given in rules.items():
        rules_here = given if isinstance(given, list) and all(map(_is_rule, given)) else [given]
        filled = ~masks.get(column, _missing(frame[column], (), missing_text))
        for rule in map(_as_rule, rules_here):
            ok = rule.passes(frame, column).reindex(frame.index, fill_value=False).astype(bool)
            judged = filled
            failing = judged & ~ok
            detail = _examples(_plain(frame[column])[failing])
            checks.add("validity", rule.label(), column, int((judged & ok).sum()), int(failing.sum()), detail)


def _duplicates(checks: _Checks, frame: pd.DataFrame, key: Sequence[str]) -> None:
    """Rows exported twice (every column equal) and keys that repeat (missing keys are not counted)."""
    plain = frame.apply(_plain)
    repeated = plain.duplicated()
    checks.add("duplicates", ("repeated_rows", {}), ROW, int((~repeated).sum()), int(repeated.sum()))
    if key:
        keys = plain[list(key)].map(lambda v: _text(v) if pd.notna(v) else v)
        keyed = keys.notna().all(axis=1)
        again = keys[keyed].duplicated()
        detail = _examples(keys[keyed][again].apply(lambda row: " / ".join(map(str, row)), axis=1))
        checks.add("duplicates", ("repeated_keys", {}), ", ".join(key), int((~again).sum()), int(again.sum()), detail)


def _timeliness(checks: _Checks, frame: pd.DataFrame, column: str, as_of: pd.Timestamp, days: int) -> None:
    """The latest record's age, records after ``as_of``, and gaps between records longer than ``days``."""
    dates = _as_dates(frame[column]).dropna()
    if dates.empty:
        checks.add("timeliness", ("latest", {"days": days}), column, 0, 1, ("no_dates", {}))
        return
    latest = dates.max()
    age = (as_of - latest.normalize()).days
    detail = ("latest_detail", {"latest": f"{latest:%Y-%m-%d}", "age": age, "as_of": f"{as_of:%Y-%m-%d}"})
    checks.add("timeliness", ("latest", {"days": days}), column, int(age <= days), int(age > days), detail)
    future = dates > as_of + pd.Timedelta(days=1)
    later = _examples(dates[future].dt.strftime("%Y-%m-%d"))
    checks.add("timeliness", ("future", {}), column, int((~future).sum()), int(future.sum()), later)
    days_seen = pd.Series(sorted(dates.dt.normalize().unique()))
    gaps = days_seen.diff().dropna().dt.days
    longest = ("gap_detail", {"days": int(gaps.max())}) if len(gaps) else ""
    checks.add(
        "timeliness", ("gaps", {"days": days}), column, int((gaps <= days).sum()), int((gaps > days).sum()), longest
    )


# ---------------------------------------------------------------------------
# the report


@dataclass(frozen=True)
class QualityReport:
    """What :func:`quality_profile` found.

    Attributes
    ----------
    summary
        One row per check: ``dimension`` (completeness, validity, duplicates,
        timeliness), ``check`` (what was checked, in English), ``column``
        (``"<row>"`` for whole rows), ``passed`` and ``failed`` (rows, or for
        timeliness records, days and gaps), ``share`` (passed out of the two) and
        ``detail`` (the commonest failing values, or dates).
    rows
        How many rows the profiled table has.
    """

    summary: pd.DataFrame
    rows: int
    labels: tuple = ()  # per row: the check's and the detail's label, to write them in any language

    def failed(self, dimension: str | None = None) -> pd.DataFrame:
        """The checks with at least one failure (of one dimension, if given)."""
        rows = self.summary[self.summary["failed"] > 0]
        return rows if dimension is None else rows[rows["dimension"] == dimension]

    def to_markdown(self, lang: str = "en") -> str:
        """The report as a Markdown table, in ``lang`` (any language the kit has)."""
        if lang not in available_languages():
            raise AnalysisError(
                f"no quality report in language {lang!r}", hint=f"use one of {', '.join(available_languages())}"
            )
        w = _words(lang)
        lines = [f"### {w['title']} ({_number(f'{self.rows:,}', w)} {w['rows']})", ""]
        lines += ["| " + " | ".join(w["headers"]) + " |", "|" + "---|" * len(w["headers"])]
        for (_, row), (label, detail) in zip(self.summary.iterrows(), self.labels):
            column = w["row"] if row["column"] == ROW else f"`{row['column']}`"
            share = "" if pd.isna(row["share"]) else _number(f"{row['share']:.1%}", w)
            counts = [_number(f"{row[name]:,}", w) for name in ("passed", "failed")]
            cells = [w[row["dimension"]], _render(label, lang), column, *counts]
            lines.append("| " + " | ".join([*cells, share, _render(detail, lang).replace("|", "\\|")]) + " |")
        failing = self.failed()
        if failing.empty:
            lines += ["", w["none"]]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:  # shown by Jupyter
        return self.to_markdown()


def _required_columns(frame: pd.DataFrame, required) -> dict[str, list]:
    """``required`` as column -> codes meaning "no value"; every column when it is None."""
    if required is None:
        required = list(frame.columns)
    if isinstance(required, str):
        required = [required]
    if not isinstance(required, Mapping):
        required = {column: [] for column in required}
    return {column: list(codes) for column, codes in required.items()}


def _card_rules(card: DatasetCard | None, frame: pd.DataFrame) -> dict[str, list]:
    """A type check for every card column of a type text can fail (number, date, boolean...)."""
    if card is None:
        return {}
    return {c.name: [_IsType(c.type)] for c in card.columns if c.type in _CARD_TYPES and c.name in frame.columns}


def _check_columns(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(f"quality_profile profiles a table (a DataFrame), not {type(frame).__name__}")
    for column in columns:
        if column not in frame.columns:
            raise MissingColumnError(column, table="profiled", available=frame.columns)


def quality_profile(
    frame: pd.DataFrame,
    *,
    key: str | Sequence[str] | None = None,
    required: Sequence[str] | Mapping[str, Sequence[object]] | None = None,
    valid: Mapping[str, object] | None = None,
    date_column: str | None = None,
    as_of=None,
    expected_days: int | None = None,
    card: DatasetCard | None = None,
    missing_text: Iterable[str] = MISSING_TEXT,
) -> QualityReport:
    """Profile a table's quality: completeness, validity, duplicates and timeliness.

    Parameters
    ----------
    frame
        The table, as loaded or fetched: typed, or all text as SODA sends it; nested
        dicts and lists (a SODA ``location``) are compared as JSON text.
    key
        The column (or columns) that should identify a row, such as ``"unique_key"``.
    required
        The columns whose completeness to measure (default: every column). A dict
        also names, per column, the codes that mean "no value" there, such as
        ``{"community_area": [0], "zip_code": [0, "00000"]}``.
    valid
        Rules per column: :class:`Range`, :class:`OneOf`, :class:`NotBefore`,
        :class:`Matches`, a ``(low, high)`` tuple, a list of allowed values, or a
        list of such rules. Only filled values are judged.
    date_column
        The date that says when a record happened (``"created_date"``): with it,
        timeliness is measured.
    as_of
        The date you check the data on (default: today).
    expected_days
        How often new records should arrive, in days (default 7): the latest record
        may be this old, and no gap between records may be longer.
    card
        A dataset card (:func:`kit.describe_dataset`, or one made from a portal's
        metadata): every number, integer, date or boolean column is checked to read as one.
    missing_text
        Text that counts as missing in every column, trimmed and case-insensitive
        (default :data:`MISSING_TEXT`: empty, "N/A", "null", "Unspecified"...).

    Returns
    -------
    QualityReport
        ``report.summary`` (one row per check) and ``report.to_markdown(lang)``.

    Examples
    --------
    >>> import kit
    >>> requests = kit.load_dataset("service_requests")
    >>> report = quality_profile(requests, key="unique_key", required=["latitude", "closed_date"],
    ...                          valid={"closed_date": NotBefore("created_date")},
    ...                          date_column="created_date", as_of="2026-01-05", expected_days=7)
    >>> report.summary[["dimension", "column", "failed"]]
          dimension       column  failed
    0  completeness     latitude     280
    1  completeness  closed_date      98
    2      validity  closed_date       0
    3    duplicates        <row>      12
    4    duplicates   unique_key      12
    5    timeliness created_date       0
    6    timeliness created_date       0
    7    timeliness created_date       0
    >>> report.summary.loc[5, "detail"]
    'latest 2025-12-31, 5 days before 2026-01-05'
    >>> print(report.to_markdown("es").splitlines()[0])
    ### Perfil de calidad de los datos (4,695 filas)
    """
    keys = [key] if isinstance(key, str) else list(key or [])
    required_codes = _required_columns(frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(), required)
    rules = {**_card_rules(card, frame), **dict(valid or {})}
    rule_columns = [
        r.other for rs in rules.values() for r in (rs if isinstance(rs, list) else [rs]) if isinstance(r, NotBefore)
    ]
    _check_columns(frame, [*keys, *required_codes, *rules, *rule_columns, *([date_column] if date_column else [])])
    missing_text = tuple(missing_text)
    checks = _Checks()
    masks = _completeness(checks, frame, required_codes, missing_text)
    _validity(checks, frame, rules, masks, missing_text)
    _duplicates(checks, frame, keys)
    if date_column:
        when = pd.Timestamp(as_of if as_of is not None else pd.Timestamp.now()).normalize()
        _timeliness(checks, frame, date_column, when, 7 if expected_days is None else int(expected_days))
    summary = pd.DataFrame(checks.rows, columns=_COLUMNS)
    return QualityReport(summary=summary, rows=len(frame), labels=tuple(checks.labels))
