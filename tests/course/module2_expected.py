"""Module 2's city figures computed with plain pandas from a raw results table, and the checks on an adaptation.

:func:`expected_module2` takes the results with numeric columns ``WARD``, ``PRECINCT``,
``REGISTERED``, ``BALLOTS`` and one column per candidate (empty where not on the
ballot), and the precinct shapes with integer ``ward`` and ``precinct``; it uses
none of the kit's code.
"""

from __future__ import annotations

import pandas as pd
import pytest

ID = ["WARD", "PRECINCT", "REGISTERED", "BALLOTS"]


def _race(results: pd.DataFrame, ward: int | None) -> list[str]:
    """Candidates on every ballot (ward None) or only on ``ward``'s ballots."""
    found = []
    for column in (c for c in results.columns if c not in ID):
        wards = set(results.loc[results[column].notna(), "WARD"])
        if (ward is None and results[column].notna().all()) or (ward is not None and wards == {ward}):
            found.append(column)
    return found


def _focus_ward(results: pd.DataFrame, by_ward: pd.Series) -> int:
    contested = [w for w in by_ward.index if len(_race(results, w)) >= 2]
    return int(by_ward[contested].idxmin())


def expected_module2(results: pd.DataFrame, shapes: pd.DataFrame) -> dict:
    """Turnout (city, wards), the map join, the citywide winner and the focus ward's race, by plain pandas."""
    sums = results.groupby("WARD")[["BALLOTS", "REGISTERED"]].sum()
    by_ward = sums["BALLOTS"] / sums["REGISTERED"]
    mayor = results[_race(results, None)].sum().sort_values(ascending=False)
    focus = _focus_ward(results, by_ward)
    rows = results[results["WARD"] == focus]
    council = rows[_race(results, focus)].sum().sort_values(ascending=False)
    keys = set(zip(results["WARD"], results["PRECINCT"], strict=True))
    shaped = set(zip(shapes["ward"], shapes["precinct"], strict=True))
    return {
        "citywide": results["BALLOTS"].sum() / results["REGISTERED"].sum(),
        "highest_ward": int(by_ward.idxmax()),
        "lowest_ward": int(by_ward.idxmin()),
        "winner": mayor.index[0],
        "winner_votes": int(mayor.iloc[0]),
        "share": mayor.iloc[0] / mayor.sum(),
        "focus_ward": focus,
        "ward_winner": council.index[0],
        "ward_margin": int(council.iloc[0] - council.iloc[1]),
        "mapped": len(keys & shaped),
        "no_shape_count": len(keys - shaped),
    }


def check_module2(result, expected: dict, languages: list[str]) -> None:
    """The adapted module 2 states, and its executed cells print, what plain pandas found."""
    facts = result.facts[f"02-electoral-cycle/{languages[0]}"]["facts"]
    params = result.facts[f"02-electoral-cycle/{languages[0]}"]["params"]
    assert facts["citywide"] == pytest.approx(expected["citywide"])
    assert (facts["highest_ward"]["ward"], facts["lowest_ward"]["ward"]) == (
        expected["highest_ward"],
        expected["lowest_ward"],
    )
    assert facts["race"]["winner"].upper() == expected["winner"]
    assert facts["race"]["winner_votes"] == expected["winner_votes"]
    assert facts["race"]["share"] == pytest.approx(expected["share"])
    assert params["focus_ward"] == expected["focus_ward"]
    assert facts["ward_race"]["winner"].upper() == expected["ward_winner"]
    assert facts["ward_race"]["margin"] == expected["ward_margin"]
    assert (facts["mapped"], facts["no_shape_count"]) == (expected["mapped"], expected["no_shape_count"])
    en = result.notebooks["02-electoral-cycle/en"].read_text(encoding="utf-8")
    assert f"**{100 * expected['citywide']:.1f}%**" in en
    assert f"came first with {expected['winner_votes']:,} votes" in en
    assert f"by **{expected['ward_margin']:,} votes**" in en
    for lang in languages:
        executed = result.executed[f"02-electoral-cycle/{lang}"]
        cell = next(c for c in executed.cells if c.cell_type == "code" and c.source.startswith("citywide = "))
        printed = float(cell.outputs[0]["data"]["text/plain"].replace("np.float64(", "").rstrip(")"))
        assert printed == pytest.approx(expected["citywide"])
        join = next(c for c in executed.cells if c.cell_type == "code" and c.source.startswith("turnout_map = "))
        assert join.outputs[0]["data"]["text/plain"] == str(expected["mapped"])
        images = [
            o for c in executed.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})
        ]
        assert len(images) >= 4  # the ward bars, two turnout maps, the winners' map
