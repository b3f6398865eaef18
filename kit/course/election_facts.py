"""The facts module 2's city edition states about a city's election, computed from its own results.

:func:`module2_facts` runs the steps of the notebook's template
(``modules/templates/02-electoral-cycle.ipynb``) with :mod:`kit.analysis.elections`,
in the same order, and returns every number and name its prose states plus the
notebook's parameters. Numbers stay numbers: the template formats them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from kit.analysis.elections import CITYWIDE, precinct_winners, race_columns, tidy_results, turnout_by_precinct
from kit.course.facts import plain_value, prose_name
from kit.errors import CourseError
from kit.languages import REFERENCE

if TYPE_CHECKING:
    from kit.course.load import CityData

__all__ = ["module2_facts"]

LOW_TURNOUT = 0.25  # the notebook counts precincts below this share


def _params(city: CityData, turnout_by_ward: pd.DataFrame, races: dict, lang: str) -> dict:
    """City, election, the ward looked at closely (the profile's, else the lowest turnout with a contest)."""
    profile = city.profile
    election = profile.results.election
    contested = [w for w in turnout_by_ward.index if len(races.get(int(w), [])) >= 2]
    focus = profile.teaching.focus_ward
    if focus is None and contested:
        focus = int(turnout_by_ward.loc[contested, "turnout"].idxmin())
    elif focus is None:
        focus = int(turnout_by_ward["turnout"].idxmin())
    if focus not in turnout_by_ward.index:
        wards = ", ".join(str(w) for w in turnout_by_ward.index)
        raise CourseError(
            f"teaching.focus_ward: the results have no ward {focus}; wards: {wards}",
            hint="set teaching.focus_ward to one of the wards, or leave it out (the lowest turnout is chosen)",
        )
    return {
        "city": profile.name.get(lang) or next(iter(profile.name.values())),
        "election_date": election.date.isoformat(),
        "election": election.name.get(lang) or election.name.get(REFERENCE) or next(iter(election.name.values())),
        "focus_ward": int(focus),
    }


def _turnout_facts(turnout: pd.DataFrame, by_ward: pd.DataFrame) -> dict:
    order = by_ward.sort_values("turnout", kind="stable")
    return {
        "low_turnout": int((turnout["turnout"] < LOW_TURNOUT).sum()),
        "mean_of_precincts": float(turnout["turnout"].mean()),
        "citywide": float(turnout["ballots_cast"].sum() / turnout["registered"].sum()),
        "ballots": int(turnout["ballots_cast"].sum()),
        "registered": int(turnout["registered"].sum()),
        "highest_ward": {"ward": int(order.index[-1]), "turnout": float(order["turnout"].iloc[-1])},
        "lowest_ward": {"ward": int(order.index[0]), "turnout": float(order["turnout"].iloc[0])},
    }


def _map_facts(precincts, turnout: pd.DataFrame) -> dict:
    """The join of shapes and results: rows kept, and the precincts either side lacks."""
    shapes, counted = set(precincts["ward_prec"]), set(turnout["ward_prec"])
    return {
        "shapes": len(precincts),
        "mapped": len(precincts.merge(turnout, on="ward_prec")),
        "no_shape": sorted(counted - shapes)[:3],
        "no_shape_count": len(counted - shapes),
        "no_results_count": len(shapes - counted),
    }


def _race_facts(results: pd.DataFrame, candidates: list[str]) -> dict:
    """The citywide race: who won overall, with what share, and who came first in the most precincts."""
    long = tidy_results(results, candidates)
    overall = precinct_winners(long, by=None).iloc[0]
    precincts = precinct_winners(long)["winner"].value_counts()
    return {
        "candidates": len(candidates),
        "winner": prose_name(overall["winner"]),
        "winner_votes": int(overall["winner_votes"]),
        "runner_up": prose_name(overall["runner_up"]),
        "share": float(overall["share"]),
        "most_precincts": {"name": prose_name(precincts.index[0]), "precincts": int(precincts.iloc[0])},
        "first_in": len(precincts),
    }


def _ward_race_facts(results: pd.DataFrame, candidates: list[str]) -> dict | None:
    """The focus ward's own race (None when it has fewer than two candidates): result and closest precinct."""
    if len(candidates) < 2:
        return None
    long = tidy_results(results, candidates)
    ward = precinct_winners(long, by="ward").iloc[0]
    closest = precinct_winners(long).sort_values("margin", kind="stable").iloc[0]
    return {
        "candidates": candidates,
        "winner": prose_name(ward["winner"]),
        "margin": int(ward["margin"]),
        "total": int(ward["total_votes"]),
        "closest": {"ward_prec": str(closest["ward_prec"]), "margin": int(closest["margin"])},
    }


def module2_facts(city: CityData, lang: str = "en") -> dict:
    """Every number and name module 2's city edition states about ``city``, and its parameters.

    Parameters
    ----------
    city
        The loaded city, with ``results`` and ``precincts``.
    lang
        The language of the city's and the election's names.

    Returns
    -------
    dict
        ``{"params": {...}, "facts": {...}}``; ``facts["ward_race"]`` is None when
        the focus ward has no contested race of its own, ``facts["quoted"]`` when
        no candidate's name holds a double quote.
    """
    if city.results is None or city.precincts is None:
        raise CourseError("module 2 needs the roles results and precincts in the city profile")
    results = city.results
    turnout = turnout_by_precinct(results)
    by_ward = turnout.groupby("ward")[["ballots_cast", "registered"]].sum()
    by_ward["turnout"] = by_ward["ballots_cast"] / by_ward["registered"]
    races = race_columns(results)
    params = _params(city, by_ward, races, lang)
    candidates = list(results.columns[4:])
    quoted = next((c for c in candidates if '"' in c), None)
    facts = {
        "precincts": len(results),
        "wards": int(results["WARD"].nunique()),
        "columns": results.shape[1],
        "candidate_columns": len(candidates),
        "quoted": None if quoted is None else {"name": quoted, "votes": int(results[quoted].sum())},
        "plain_name": next(c for c in candidates if '"' not in c and "'" not in c),
        "ward_races": sum(1 for k, v in races.items() if isinstance(k, int) and v),
        "other_columns": len(races.get("other", [])),
    }
    facts |= _turnout_facts(turnout, by_ward)
    facts |= _map_facts(city.precincts, turnout)
    facts["race"] = _race_facts(results, races[CITYWIDE]) if races[CITYWIDE] else None
    facts["ward_race"] = _ward_race_facts(results, races.get(params["focus_ward"], []))
    contested = [w for w, names in races.items() if isinstance(w, int) and len(names) >= 2]
    facts["contested_ward"] = contested[0] if contested else None
    facts["focus_turnout"] = float(by_ward.loc[params["focus_ward"], "turnout"])
    return {"params": params, "facts": {k: plain_value(v) for k, v in facts.items()}}
