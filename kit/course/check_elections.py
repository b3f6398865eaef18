"""`kit course check` for the election roles: what module 2's city edition will find in the results.

:func:`check_elections` runs on the loaded city (its results and precinct shapes in
the kit's standard columns) and adds findings to the same :class:`~kit.course.check.CityCheck`:
precincts and wards, candidate columns and the races they sort into, rows the
loader left out (a TOTAL line), precincts with more ballots than registered voters,
the join of results and shapes (precincts without a shape, shapes without results)
and the teaching choice ``focus_ward``. Its sentences are in :mod:`kit.course.check_text`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kit.analysis.elections import CITYWIDE, race_columns

if TYPE_CHECKING:
    from kit.course.check import CityCheck
    from kit.course.load import CityData

__all__ = ["check_elections"]

SHOWN = 5


def _check_races(city: CityData, check: CityCheck) -> dict:
    results = city.results
    races = race_columns(results)
    wards = sorted(int(w) for w in results["WARD"].dropna().unique())
    check.add("results", "precincts", n=len(results), wards=len(wards))
    check.add("results", "candidates", n=results.shape[1] - 4, citywide=len(races[CITYWIDE]))
    contested = [w for w in wards if len(races.get(w, [])) >= 2]
    check.add("results", "ward_races", "info" if contested else "warning", n=len(contested))
    if races.get("other"):
        check.add("results", "other_columns", "warning", n=len(races["other"]), names=", ".join(races["other"][:SHOWN]))
    for note in city.notes_for("results"):
        check.add("results", "load_note", "warning", text=note.text())
    return {"wards": wards, "contested": contested}


def _check_join(city: CityData, check: CityCheck) -> None:
    from kit.analysis.elections import add_ward_prec

    keys = set(add_ward_prec(city.results)["ward_prec"])
    shapes = set(city.precincts["ward_prec"])
    check.add("precincts", "shapes", n=len(city.precincts))
    if city.precincts["ward_prec"].duplicated().any():
        repeated = city.precincts.loc[city.precincts["ward_prec"].duplicated(), "ward_prec"].iloc[0]
        check.block("precincts.columns.precinct", "repeated_precincts", example=str(repeated))
    missing, extra = sorted(keys - shapes), sorted(shapes - keys)
    share = len(keys & shapes) / len(keys) if keys else 0.0
    level = "warning" if missing or extra else "info"
    check.add("precincts", "precinct_join", level, share=f"{share:.1%}", n=len(keys & shapes), total=len(keys))
    if missing:
        check.add("precincts", "no_shape", "warning", n=len(missing), keys=", ".join(missing[:SHOWN]))
    if extra:
        check.add("precincts", "no_results", "warning", n=len(extra), keys=", ".join(extra[:SHOWN]))
    if not keys & shapes:
        check.block("precincts.columns.ward", "no_precinct_matches", example=next(iter(sorted(shapes)), "—"))


def check_elections(city: CityData, check: CityCheck) -> None:
    """Findings and problems for the ``results`` and ``precincts`` roles of a loaded city.

    Blocks when the shapes and results share no precinct, a precinct has two shapes,
    or ``teaching.focus_ward`` names a ward the results do not have.
    """
    if city.results is None:
        return
    races = _check_races(city, check)
    if city.precincts is not None:
        _check_join(city, check)
    focus = city.profile.teaching.focus_ward
    if focus is not None and focus not in races["wards"]:
        wards = ", ".join(str(w) for w in races["wards"][:20])
        check.block("teaching.focus_ward", "unknown_ward", ward=focus, wards=wards)
    elif focus is not None and focus not in races["contested"]:
        check.add("teaching", "uncontested_ward", "warning", ward=focus)
