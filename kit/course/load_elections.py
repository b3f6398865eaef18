"""Loading a city's election data through its profile: precinct results (wide) and precinct shapes.

Both come out as the sample city's ``precinct_results_2025`` and ``precincts``
do, so module 2's steps (:mod:`kit.analysis.elections`) run on them unchanged:

- results: ``WARD``, ``PRECINCT``, ``REGISTERED VOTERS``, ``BALLOTS CAST``, then
  one column per candidate, every count a whole number (``1,234`` too) and an
  empty cell missing (the candidate was not on that precinct's ballot);
- shapes: ``ward``, ``precinct``, ``ward_prec`` (the ward and precinct as text,
  ``"02007"``) and the polygons, in WGS84.

A row without a ward or precinct number (a "TOTAL" line at the end of the file)
is left out and noted; precincts reporting more ballots than registered voters
are noted, not changed.
"""

from __future__ import annotations

import pandas as pd

from kit.analysis.elections import add_ward_prec
from kit.course.load_steps import LoadNote, counts, missing_as_na, note, require, source_name
from kit.course.profile import CityProfile, PrecinctsRole, ResultsRole
from kit.course.schema import PRECINCTS, RESULTS
from kit.course.sources import ProfileDataError, read_source

__all__ = ["candidate_columns", "load_precincts", "load_results"]


def candidate_columns(raw_columns: list[str], spec: ResultsRole) -> list[str]:
    """The candidate columns: the profile's list, or every column but the four standard ones."""
    if spec.candidates:
        return list(spec.candidates)
    named = set(spec.columns.values())
    return [str(c) for c in raw_columns if c not in named and c != "geometry"]


def _numbered(frame: pd.DataFrame, ward: str, precinct: str, role: str, notes: list[LoadNote]) -> pd.DataFrame:
    """Rows with a ward and a precinct; the others (a "TOTAL" line) left out and noted with their file row."""
    lacking = frame[ward].isna() | frame[precinct].isna()
    if lacking.any():
        note(notes, role, None, "precincts_without_id", int(lacking.sum()), int(lacking.to_numpy().argmax()) + 2)
    return frame[~lacking]


def load_results(profile: CityProfile, spec: ResultsRole, notes: list[LoadNote], refresh: bool) -> pd.DataFrame:
    """The precinct results in the standard wide layout, every count a whole number (``Int64``)."""
    raw = read_source(profile, spec.source, field="results.source", refresh=refresh)
    candidates = candidate_columns(list(raw.columns), spec)
    wanted = [(f"results.columns.{role}", column) for role, column in spec.columns.items()]
    require(
        raw, wanted + [(f"results.candidates[{i}]", c) for i, c in enumerate(spec.candidates)], source_name(spec.source)
    )
    if not candidates:
        raise ProfileDataError(
            f"{source_name(spec.source)} has no candidate columns besides {', '.join(spec.columns.values())}",
            field="results.source",
            hint="point results at the wide table: one column per candidate",
        )
    text = _numbered(missing_as_na(raw), spec.columns["ward"], spec.columns["precinct"], "results", notes)
    frame = pd.DataFrame({RESULTS[role]: text[column] for role, column in spec.columns.items()})
    frame = frame[list(RESULTS.values())]
    for role, standard in RESULTS.items():
        frame[standard] = counts(frame[standard], f"results.columns.{role}", notes)
    for i, column in enumerate(candidates):
        field_name = f"results.candidates[{i}]" if spec.candidates else "results.candidates"
        frame[column] = counts(text[column], field_name, notes)
    frame = frame.reset_index(drop=True)
    over = frame["BALLOTS CAST"] > frame["REGISTERED VOTERS"]
    if over.fillna(False).any():
        first = frame[over.fillna(False)].iloc[0]
        example = (
            f"ward {first['WARD']} precinct {first['PRECINCT']}: {first['BALLOTS CAST']} > {first['REGISTERED VOTERS']}"
        )
        note(notes, "results", "BALLOTS CAST", "more_ballots_than_registered", int(over.sum()), example)
    return frame


def load_precincts(profile: CityProfile, spec: PrecinctsRole, notes: list[LoadNote], refresh: bool):
    """The precinct shapes with ``ward``, ``precinct`` and ``ward_prec``, in WGS84."""
    shapes = read_source(profile, spec.source, field="precincts.source", refresh=refresh)
    if "geometry" not in shapes.columns:
        raise ProfileDataError(
            f"{source_name(spec.source)} holds no shapes",
            field="precincts.source",
            hint="point precincts at a GeoJSON file or a zipped Shapefile of the precinct boundaries",
        )
    wanted = [(f"precincts.columns.{role}", column) for role, column in spec.columns.items()]
    require(shapes, wanted, source_name(spec.source))
    frame = _numbered(missing_as_na(shapes), spec.columns["ward"], spec.columns["precinct"], "precincts", notes)
    keep = {column: PRECINCTS[role] for role, column in spec.columns.items()}
    other = [c for c in frame.columns if c not in keep and c not in PRECINCTS.values()]
    frame = frame[list(keep) + other].rename(columns=keep)
    for role, standard in PRECINCTS.items():
        frame[standard] = counts(frame[standard], f"precincts.columns.{role}", notes)
    frame = add_ward_prec(frame, ward="ward", precinct="precinct")
    columns = ["ward", "precinct", "ward_prec"] + [
        c for c in frame.columns if c not in ("ward", "precinct", "ward_prec")
    ]
    return frame[columns].reset_index(drop=True)
