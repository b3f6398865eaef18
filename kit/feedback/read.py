"""Read a survey export (Google Forms, Microsoft Forms or plain CSV) into one table.

The steps, in order (each a small function below):

1. :func:`_decode` — bytes to text (:func:`kit.feedback.text_files.decode_text`):
   UTF-8 (with or without BOM), UTF-16 (BOM), then Windows-1252 (Excel's "CSV" on
   Windows); strict, the first that fits wins.
2. :func:`_split` — text to records, sniffing the delimiter (``,`` ``;`` TAB).
3. :func:`_detect_source` — Google Forms, Microsoft Forms (in any language with a survey
   catalog: :mod:`kit.feedback.form_names`) or CSV.
4. :func:`_locate_columns` — mapped questions to header positions
   (:func:`_match_columns`: exact, then ignoring case and whitespace; Google wraps
   long questions, adds trailing spaces), the submission time and its day/month order.
5. :func:`_read_rows` — rows to values: submission times (:func:`parse_timestamp`,
   python-dateutil with the zone abbreviations of :data:`ZONES`), 1-5 ratings, text.
   A row that cannot be read at all is counted and listed, never fatal; a submission
   time that cannot be read is a warning, counted and listed, and the row is kept.
   Then :func:`_last_per_learner`: the last submission per learner wins (by time; in
   file order for a learner one of whose times cannot be read).

Nothing here writes files: the result is a plain value, :class:`SurveyResponses`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from dateutil.parser import parse as parse_date

from kit.data.text import fold
from kit.feedback.form_names import FormNames, form_names
from kit.feedback.mapping import ColumnMapping, SurveyError
from kit.feedback.text_files import decode_text, header_key

__all__ = ["ZONES", "Problem", "SurveyResponses", "header_key", "parse_timestamp", "read_export", "read_records"]

Source = Literal["google", "microsoft", "csv"]

# The form tools' own columns, in every language: kit/feedback/surveys/<lang>.yaml (form.*).
CSV_SUBMITTED = ("submitted_at", "submitted at")  # and any language's Google timestamp

DELIMITERS = (",", ";", "\t")
RATING_RANGE = range(1, 6)
TEXT_COLUMNS = ("comments", "dataset_requests")  # free text; every other question is a 1-5 rating

ZONES: dict[str, float] = {
    # UTC itself
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0,
    # North America (Google Forms writes these for US and Canadian form owners)
    "HST": -10, "HDT": -9, "AKST": -9, "AKDT": -8, "PST": -8, "PDT": -7, "MST": -7, "MDT": -6,
    "CST": -6, "CDT": -5, "EST": -5, "EDT": -4, "AST": -4, "ADT": -3, "NST": -3.5, "NDT": -2.5,
    # Latin America
    "ART": -3, "BRT": -3, "BOT": -4, "CLT": -4, "CLST": -3, "COT": -5, "ECT": -5, "PET": -5,
    "PYT": -4, "PYST": -3, "UYT": -3, "VET": -4,
    # Spain (the Canary Islands keep western European time)
    "CET": 1, "CEST": 2, "WET": 0, "WEST": 1,
}  # fmt: skip
"""Zone abbreviations a form may write after a submission time -> hours from UTC.

The Americas' (``CST`` is North American Central, ``AST`` Atlantic: Puerto Rico) and
Spain's. A zone not listed makes the time unreadable rather than wrong by hours.
"""


@dataclass(frozen=True)
class Problem:
    """One cell or row that could not be used as written.

    ``row`` is the data row number as in the file: 1 is the first row under the
    header (the spreadsheet's row 2).
    """

    row: int
    column: str | None
    value: str | None
    reason: str


@dataclass
class SurveyResponses:
    """One survey export, read: one row per learner (their last submission)."""

    responses: pd.DataFrame
    source: Source
    encoding: str
    problems: list[Problem] = field(default_factory=list)
    unreadable_rows: int = 0
    out_of_range: int = 0
    duplicates_replaced: int = 0
    unreadable_times: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    path: Path | None = None
    skill_labels: dict[str, str] = field(default_factory=dict)  # skill id -> its label from the mapping's questions

    @property
    def skills(self) -> list[str]:
        """The skill ids this export rates (from its ``<skill>_before`` columns)."""
        return [c.removesuffix("_before") for c in self.responses.columns if c.endswith("_before")]


# -- 1. bytes to text ---------------------------------------------------------


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Return ``(text, encoding)``; raise :class:`SurveyError` if it is not text."""
    if not raw.strip():
        raise SurveyError(f"{path}: the file is empty", path=str(path))
    decoded = decode_text(raw)
    if decoded is None:
        raise SurveyError(
            f"{path}: not a text file (tried UTF-8, UTF-16 and Windows-1252); export the survey as CSV", path=str(path)
        )
    return decoded


def read_records(path: Path) -> tuple[list[list[str]], str]:
    """A CSV file's records (any common encoding and delimiter) and the encoding it was in.

    Raises
    ------
    SurveyError
        The file cannot be read, is empty, or is not text.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SurveyError(f"{path}: cannot be read ({exc.strerror or exc})", path=str(path)) from None
    text, encoding = _decode(raw, path)
    return _split(text, path), encoding


# -- 2. text to records -------------------------------------------------------


def _split(text: str, path: Path) -> list[list[str]]:
    """Parse with the delimiter that gives the most consistent, widest rows."""
    best: tuple[tuple[float, int], list[list[str]]] | None = None
    for delimiter in DELIMITERS:
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise SurveyError(f"{path}: not a readable CSV file ({exc})", path=str(path)) from None
        rows = [r for r in records if r]
        if not rows:
            continue
        width = len(rows[0])
        sample = rows[1:51]
        consistent = sum(len(r) == width for r in sample) / len(sample) if sample else 1.0
        score = (consistent if width > 1 else 0.0, width)
        if best is None or score > best[0]:
            best = (score, records)
    if best is None:
        raise SurveyError(f"{path}: the file is empty", path=str(path))
    return best[1]


# -- 3. which form wrote it ---------------------------------------------------


def _detect_source(header: list[str], forms: FormNames) -> Source:
    names = [header_key(h) for h in header]
    if names[0] in forms.google_timestamp:
        return "google"
    if names[0] in forms.microsoft_id and any(n in forms.microsoft_submitted for n in names):
        return "microsoft"
    return "csv"


def _metadata(source: Source, forms: FormNames) -> frozenset[str]:
    if source == "google":
        return forms.google_metadata
    if source == "microsoft":
        return forms.microsoft_metadata
    return frozenset(CSV_SUBMITTED) | forms.google_timestamp


def _submitted_column(header: list[str], source: Source, forms: FormNames) -> int | None:
    names = [header_key(h) for h in header]
    if source == "google":
        return 0
    wanted = forms.microsoft_submitted if source == "microsoft" else _metadata("csv", forms)
    return next((i for i, n in enumerate(names) if n in wanted), None)


# -- 4. mapped questions to header positions ----------------------------------


def _match_columns(header: list[str], mapping: ColumnMapping) -> dict[str, int | None]:
    """Output column -> header position (None when the question is not in the header)."""
    loose: dict[str, int] = {}
    for i, h in enumerate(header):
        loose.setdefault(header_key(h), i)
    found: dict[str, int | None] = {}
    for out, question in mapping.columns().items():
        found[out] = header.index(question) if question in header else loose.get(header_key(question))
    return found


@dataclass(frozen=True)
class _Layout:
    """Where one export keeps what its mapping names (see :func:`_locate_columns`)."""

    header: list[str]
    source: Source
    learner: int  # the learner_id column
    questions: dict[str, int | None]  # output column -> position; None when not in the header
    submitted: int | None  # the submission time's column, when there is one
    dayfirst: bool  # ``dd/mm`` (not ``mm/dd``) in the submission times
    missing: list[str]  # mapped questions not in the header
    unknown: list[str]  # header columns neither mapped nor form metadata
    anonymous: frozenset[str]  # what a form writes for a respondent it did not identify (folded)


def _shown(header: list[str]) -> str:
    return ", ".join(repr(" ".join(h.split())) for h in header)


def _split_header(records: list[list[str]], path: Path) -> tuple[list[str], list[list[str]]]:
    """The header (the first non-empty record, without BOM) and the records under it."""
    start = next(i for i, r in enumerate(records) if r)
    header, body = [h.replace("\ufeff", "") for h in records[start]], records[start + 1 :]
    if len(header) < 2:
        raise SurveyError(
            f"{path}: not a CSV export (the first line has a single column: {_shown(header)})", path=str(path)
        )
    return header, body


def _require_columns(positions: dict[str, int | None], header: list[str], mapping: ColumnMapping, path: Path) -> None:
    """Fail when no mapped question, or not the learner_id column, is in the header."""
    if all(v is None for k, v in positions.items() if k != "learner_id"):
        raise SurveyError(
            f"{path}: none of the mapped columns were found; the header has: {_shown(header)}",
            path=str(path),
            hint="check the questions in the column mapping",
        )
    if positions["learner_id"] is None:
        raise SurveyError(
            f"{path}: the learner_id column {mapping.learner_id!r} was not found; the header has: {_shown(header)}",
            path=str(path),
            field="learner_id",
        )


def _locate_columns(header: list[str], body: list[list[str]], mapping: ColumnMapping, path: Path) -> _Layout:
    """The mapped questions, the learner and the submission time in the header, and what else it has."""
    forms = form_names()
    source = _detect_source(header, forms)
    positions = _match_columns(header, mapping)
    _require_columns(positions, header, mapping, path)
    questions = {k: v for k, v in positions.items() if k != "learner_id"}
    submitted = _submitted_column(header, source, forms)
    used = {v for v in positions.values() if v is not None} | {submitted}
    metadata = _metadata(source, forms)
    names = {header_key(h) for h in header}
    stamps = [r[submitted] for r in body if submitted is not None and len(r) > submitted]
    return _Layout(
        header=header,
        source=source,
        learner=positions["learner_id"],
        questions=questions,
        submitted=submitted,
        dayfirst=_guess_dayfirst(stamps, dayfirst_language=bool(names & forms.dayfirst_markers)),
        missing=[mapping.columns()[k] for k, v in questions.items() if v is None],
        unknown=[h for i, h in enumerate(header) if i not in used and header_key(h) not in metadata and h.strip()],
        anonymous=forms.anonymous,
    )


# -- 5. cells to values -------------------------------------------------------

_UTC_THEN_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*(?=[+-]\d)", re.I)
_YEAR_FIRST = re.compile(r"\d{4}\D")
_DAY_MONTH = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}\b")
_NO_DATE, _OTHER_NO_DATE = datetime(1, 1, 1), datetime(4, 2, 2)  # defaults that show a missing year, month or day


class _UnknownZone(ValueError):
    """A zone abbreviation that is not in :data:`ZONES`."""


def _zone(name: str | None, offset: int | None) -> int | None:
    """dateutil's ``tzinfos``: seconds east of UTC for a zone name or a numeric offset."""
    if name is None:
        return offset
    hours = ZONES.get(name.upper())
    if hours is None:
        raise _UnknownZone(name)
    return round(hours * 3600)


def parse_timestamp(value: str, dayfirst: bool = False) -> datetime | None:
    """A form's submission time as a datetime (aware when it names a zone or an offset), or None.

    python-dateutil reads the date and time; zone abbreviations come from :data:`ZONES`;
    ``GMT-8`` means eight hours behind UTC (dateutil alone would read it the POSIX way,
    ahead). ``dayfirst`` decides ``1/3/2027`` (1 March, not January 3); a year written
    first is always year, month, day. Without a year, month and day it is None.

    Examples
    --------
    >>> str(parse_timestamp("2027/03/01 6:10:00 PM PST"))
    '2027-03-01 18:10:00-08:00'
    >>> str(parse_timestamp("2027/03/01 6:10:00 p. m. GMT-8"))
    '2027-03-01 18:10:00-08:00'
    >>> str(parse_timestamp("1/3/2027 18:10:00", dayfirst=True)), str(parse_timestamp("3/1/27 6:10:05 PM"))
    ('2027-03-01 18:10:00', '2027-03-01 18:10:05')
    >>> parse_timestamp("2027/03/01 6:10:00 PM XST"), parse_timestamp("last Tuesday"), parse_timestamp("2027")
    (None, None, None)
    """
    text = _UTC_THEN_OFFSET.sub("", " ".join(value.split()))
    if not text:
        return None
    dayfirst = dayfirst and not _YEAR_FIRST.match(text)
    try:
        stamp = parse_date(text, dayfirst=dayfirst, default=_NO_DATE, tzinfos=_zone)
        # a 1 is written, or dateutil's default for what is missing: ask again with other defaults
        again = stamp
        if 1 in (stamp.year, stamp.month, stamp.day):
            again = parse_date(text, dayfirst=dayfirst, default=_OTHER_NO_DATE, tzinfos=_zone)
    except (ValueError, OverflowError):
        return None
    return stamp if again.date() == stamp.date() else None


def _guess_dayfirst(values: list[str], dayfirst_language: bool) -> bool:
    """Day/month order of ``dd/mm/yyyy``-style stamps: from the data, else the form's language
    (``dayfirst_language``: its header has a column only a day-first language names so)."""
    pairs = [(int(m[1]), int(m[2])) for v in values if (m := _DAY_MONTH.match(v.strip()))]
    if any(a > 12 for a, _ in pairs):
        return True
    if any(b > 12 for _, b in pairs):
        return False
    return dayfirst_language


_RATING = re.compile(r"(\d+)(?:[.,]0+)?(?:\s*(?:[-\u2013\u2014:.)]\s*)?(?=[^\d\s.,])\S.*)?", re.S)


def _learner_key(value: str) -> str:
    """Emails compare without case; self-chosen codes without case or spaces (``ro 07 li`` is ``RO07LI``)."""
    if "@" in value:
        return value.casefold()
    return "".join(value.split()).upper()


def _parse_rating(value: str) -> int | None:
    """'4', '4.0', ' 4 ', '4 - Agree' -> 4; anything else (or outside 1-5) -> None."""
    m = _RATING.fullmatch(value.strip())
    if m and int(m[1]) in RATING_RANGE:
        return int(m[1])
    return None


def _text(value: str) -> str | None:
    value = value.strip()
    return value or None


def read_export(path: str | Path, mapping: ColumnMapping) -> SurveyResponses:
    """Read one survey export as the form wrote it.

    Parameters
    ----------
    path
        A CSV (or Excel "Unicode text") export from Google Forms, Microsoft Forms
        or any spreadsheet.
    mapping
        Which question holds what (see :func:`kit.feedback.mapping.load_mapping`).

    Returns
    -------
    SurveyResponses
        ``responses`` has ``learner_id``, ``submitted_at``, ``<skill>_before``,
        ``<skill>_after`` (Int64), then ``satisfaction`` (Int64), ``comments`` and
        ``dataset_requests`` when mapped. Bad cells and rows are counted and listed
        in ``problems``; every good row is kept.

    Raises
    ------
    SurveyError
        When the file cannot be read at all (not text, not CSV, empty, or none of
        the mapped questions is in its header): one line naming the file.
    """
    path = Path(path)
    records, encoding = read_records(path)
    header, body = _split_header(records, path)
    layout = _locate_columns(header, body, mapping, path)
    read = _read_rows(body, layout, mapping.learner_id)
    frame, replaced = _last_per_learner(read.rows, list(layout.questions), read.problems)
    return SurveyResponses(
        responses=frame,
        source=layout.source,
        encoding=encoding,
        problems=read.problems,
        unreadable_rows=read.unreadable,
        out_of_range=read.out_of_range,
        duplicates_replaced=replaced,
        unreadable_times=read.unreadable_times,
        unknown_columns=layout.unknown,
        missing_columns=layout.missing,
        path=path,
        skill_labels={skill: columns.label for skill, columns in mapping.skills.items()},
    )


@dataclass
class _Rows:
    """The data rows read: one dict of values per usable row, and what could not be used."""

    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: int = 0  # rows left out
    out_of_range: int = 0  # ratings left blank
    unreadable_times: int = 0  # rows kept without a submission time


def _read_rows(body: list[list[str]], layout: _Layout, learner_column: str) -> _Rows:
    """Every data row to values, in file order; a row or cell that cannot be used is counted and listed."""
    read = _Rows()
    for number, record in enumerate(body, start=1):
        if not record or not any(cell.strip() for cell in record):
            continue  # a blank line
        while len(record) > len(layout.header) and not record[-1].strip():
            record = record[:-1]  # trailing delimiters some spreadsheets add
        learner = _identify_sender(number, record, layout, learner_column)
        if isinstance(learner, Problem):
            read.problems.append(learner)
            read.unreadable += 1
            continue
        stamp = _submission_time(number, record, layout)
        if isinstance(stamp, Problem):
            read.problems.append(stamp)
            read.unreadable_times += 1
            stamp = None
        answers, bad = _read_answers(number, record, layout)
        read.rows.append({"learner_id": _learner_key(learner), "submitted_at": stamp, "_order": number, **answers})
        read.problems += bad
        read.out_of_range += len(bad)
    return read


def _identify_sender(number: int, record: list[str], layout: _Layout, learner_column: str) -> str | Problem:
    """Who sent a row, or the problem that leaves the row out."""
    header = layout.header
    if len(record) != len(header):
        return Problem(number, None, None, f"has {len(record)} fields, the header has {len(header)}")
    learner = record[layout.learner].strip()
    if not learner or fold(learner) in layout.anonymous:
        why = "anonymous response (map learner_id to a self-chosen code column)" if learner else "no learner id"
        return Problem(number, learner_column, learner or None, why)
    return learner


def _submission_time(number: int, record: list[str], layout: _Layout) -> datetime | Problem | None:
    """When a row was sent (None when the export has no such column), or the warning that it cannot be read.

    The analysis does not need the time: it only orders a learner's duplicate submissions,
    so the row is kept either way.
    """
    if layout.submitted is None:
        return None
    value = record[layout.submitted]
    stamp = parse_timestamp(value, layout.dayfirst)
    if stamp is None:
        why = "the submission time cannot be read; the row is kept (its learner's submissions keep the file's order)"
        return Problem(number, layout.header[layout.submitted], value.strip() or None, why)
    return stamp


def _read_answers(number: int, record: list[str], layout: _Layout) -> tuple[dict, list[Problem]]:
    """One row's answers (text as written, 1-5 ratings) and the ratings that cannot be read (left blank)."""
    answers: dict = {}
    problems: list[Problem] = []
    for out, pos in layout.questions.items():
        cell = record[pos] if pos is not None else ""
        if out in TEXT_COLUMNS:
            answers[out] = _text(cell)
            continue
        rating = _parse_rating(cell) if cell.strip() else None
        if cell.strip() and rating is None:
            problems.append(Problem(number, layout.header[pos], cell, "not a whole number from 1 to 5"))
        answers[out] = rating
    return answers, problems


def _submitted_series(stamps: list[datetime | None]) -> pd.Series:
    known = [s for s in stamps if s is not None]
    if known and all(s.tzinfo is not None for s in known):
        return pd.Series(pd.to_datetime(stamps, utc=True), dtype="datetime64[ns, UTC]")
    naive = [s.replace(tzinfo=None) if s is not None else None for s in stamps]
    return pd.Series(pd.to_datetime(naive), dtype="datetime64[ns]")


def _last_per_learner(rows: list[dict], questions: list[str], problems: list[Problem]) -> tuple[pd.DataFrame, int]:
    """Keep each learner's last submission (by time, then file order); count the others.

    A learner one of whose submission times cannot be read has their submissions in
    file order (forms export in the order they received them).
    """
    columns = ["learner_id", "submitted_at", *questions]
    if not rows:
        empty = pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in columns})
        return empty, 0
    frame = pd.DataFrame(rows)
    frame["submitted_at"] = _submitted_series(list(frame["submitted_at"]))
    untimed = frame["submitted_at"].isna().groupby(frame["learner_id"]).transform("any")
    frame["_when"] = frame["submitted_at"].where(~untimed)
    ordered = frame.sort_values(["_when", "_order"], kind="stable", na_position="first")
    kept = ordered.drop_duplicates("learner_id", keep="last")
    winner = dict(zip(kept["learner_id"], kept["_order"]))
    dropped = ordered.index.difference(kept.index)
    for _, row in frame.loc[dropped].iterrows():
        problems.append(
            Problem(
                int(row["_order"]),
                "learner_id",
                row["learner_id"],
                f"replaced by a later submission (row {winner[row['learner_id']]})",
            )
        )
    kept = kept.sort_values("_order").reset_index(drop=True)
    out = pd.DataFrame({"learner_id": kept["learner_id"].astype(object), "submitted_at": kept["submitted_at"]})
    for name in questions:
        if name in TEXT_COLUMNS:
            out[name] = kept[name].astype(object).where(kept[name].notna(), None)
        else:
            out[name] = pd.array(list(kept[name]), dtype="Int64")
    return out, len(dropped)


def _dtype(column: str) -> str:
    if column == "submitted_at":
        return "datetime64[ns]"
    if column in ("learner_id", *TEXT_COLUMNS):
        return "object"
    return "Int64"
