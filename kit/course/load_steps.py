"""The steps every role's loader shares: notes on what loading changed, required columns, missing text.

A :class:`LoadNote` records something a loader changed or counted; ``NOTE_TEXT``
says it in English (``kit course check`` and the adapt report print it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kit.course.sources import ProfileDataError

__all__ = ["NOTE_TEXT", "LoadNote", "counts", "missing_as_na", "note", "plain_text", "require", "source_name"]

# what each note says, in English; ``{count}``, ``{column}`` and ``{example}`` are filled in
NOTE_TEXT = {
    "no_coordinates": "{count:,} requests have no coordinates (empty latitude or longitude)",
    "not_a_date": "{count:,} values of {column} are not dates and were read as missing, such as {example!r}",
    "not_a_number": "{count:,} values of {column} are not numbers and were read as missing, such as {example!r}",
    "sentinel_closed": "{count:,} closed dates are a sentinel for 'not closed', read as open, such as {example!r}",
    "negative_duration": "{count:,} closed dates fall before their created date, read as missing ({example})",
    "zero_day_closures": "{count:,} requests were closed the instant they were created (zero days to close)",
    "open_with_closed_date": "{count:,} requests with an open status have a closed date, such as {example!r}",
    "closed_without_date": "{count:,} requests with a closed status have no closed date, such as {example!r}",
    "duplicates": "{count:,} requests are marked as duplicates in {column}",
    "area_code_unmatched": "{count:,} values of {column} name no area the pattern finds, such as {example!r}",
    "excluded_areas": "{count:,} areas were left out as the profile's exclude says: {example}",
    "areas_without_id": "{count:,} areas have no id and were left out",
    "rounded": "{count:,} figures in {column} were not whole numbers and were rounded, such as {example!r}",
    "more_ballots_than_registered": "{count:,} precincts report more ballots cast than registered voters ({example})",
    "precincts_without_id": "{count:,} rows have no ward or precinct number and were left out, such as row {example}",
    "no_year": "the population has no year: give population.year or a year column",
}


@dataclass
class LoadNote:
    """Something the loader changed or counted: ``what`` is a key of :data:`NOTE_TEXT`."""

    role: str
    column: str | None
    what: str
    count: int
    example: str | None = None

    def text(self) -> str:
        """The note as an English sentence."""
        return NOTE_TEXT[self.what].format(count=self.count, column=self.column, example=self.example)


def note(notes: list[LoadNote], role: str, column: str | None, what: str, count: int, example=None) -> None:
    """Add a note when it counts something (duplicates and coordinates are always noted)."""
    if count or what in ("duplicates", "no_coordinates", "no_year"):
        notes.append(LoadNote(role, column, what, int(count), None if example is None else str(example)))


def require(raw: pd.DataFrame, wanted: list[tuple[str, str]], source: str) -> None:
    """Every column the profile names ((field, column) pairs) is in the source; else name the field."""
    for where, column in wanted:
        if column not in raw.columns:
            names = ", ".join(str(c) for c in raw.columns if c != "geometry")
            raise ProfileDataError(
                f"no column {column!r} in {source}; its columns: {names}",
                field=where,
                hint="write the column's name exactly as in the file's header",
            )


def source_name(source) -> str:
    """A source as a reader knows it: the file's name, or the portal dataset."""
    return Path(source.file).name if source.file else f"{source.domain} dataset {source.dataset}"


def missing_as_na(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty (or blank) text becomes missing, explicitly: text-read CSVs otherwise hide it."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if column != "geometry" and (pd.api.types.is_string_dtype(values) or values.dtype == object):
            text = values.astype("str")
            frame[column] = text.where(text.str.strip() != "")
    return frame


def plain_text(values: pd.Series) -> pd.Series:
    """Text in pandas' ``str`` dtype, NaN where missing (as the kit's bundled datasets load)."""
    return values.astype("str")


def counts(values: pd.Series, field_name: str, notes: list[LoadNote]) -> pd.Series:
    """Whole numbers (``12,345`` too); a value that is not a number names the profile field."""
    text = values.astype("string").str.replace(r"[,\s]", "", regex=True)
    number = pd.to_numeric(text, errors="coerce")
    bad = values.notna() & number.isna()
    if bad.any():
        raise ProfileDataError(
            f"column {values.name!r} holds {values[bad].iloc[0]!r}, not a number",
            field=field_name,
            hint="point the field at the column of figures, or fix those rows",
        )
    fraction = number.notna() & (number != number.round())
    if fraction.any():
        example = str(values[fraction].iloc[0])
        note(notes, field_name.split(".")[0], values.name, "rounded", int(fraction.sum()), example)
    return number.round().astype("Int64")
