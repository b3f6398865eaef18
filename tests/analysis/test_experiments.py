"""Randomized-trial steps, checked against hand computations on small tables and on the bundled trials."""

from __future__ import annotations

import math
from itertools import combinations
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import kit
from kit.analysis.errors import AnalysisError, MissingColumnError
from kit.analysis.experiments import (
    assign_arms,
    balance_table,
    difference_in_proportions,
    permutation_test,
    power_by_simulation,
    power_curve,
)


def _trial(a_yes: int, a_n: int, b_yes: int, b_n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "arm": ["a"] * a_n + ["b"] * b_n,
            "attended": [True] * a_yes + [False] * (a_n - a_yes) + [True] * b_yes + [False] * (b_n - b_yes),
        }
    )


def test_assign_arms_is_repeatable_balanced_and_leaves_the_input_alone():
    people = pd.DataFrame({"member_id": [f"M{i}" for i in range(10)]})
    first = assign_arms(people, ["none", "SMS", "call"], seed=5)
    assert "arm" not in people.columns
    assert first["arm"].tolist() == assign_arms(people, ["none", "SMS", "call"], seed=5)["arm"].tolist()
    assert sorted(first["arm"].value_counts().tolist()) == [3, 3, 4]
    others = {tuple(assign_arms(people, ["none", "SMS", "call"], seed=s)["arm"]) for s in range(20)}
    assert len(others) > 15  # another seed, another draw
    with pytest.raises(AnalysisError, match="at least two arms"):
        assign_arms(people, ["only"])


def test_balance_table_gives_shares_means_and_the_largest_gap():
    people = pd.DataFrame(
        {
            "arm": ["x", "x", "x", "x", "y", "y"],
            "lang": ["en", "en", "es", "en", "es", "es"],
            "past": [0, 2, 4, 2, 1, 1],
        }
    )
    table = balance_table(people, ["lang", "past"])
    assert table.loc[("lang", "en"), "x"] == 0.75 and table.loc[("lang", "en"), "y"] == 0.0
    assert table.loc[("past", "mean"), "x"] == 2.0 and table.loc[("past", "mean"), "y"] == 1.0
    assert table["largest_gap"].tolist() == [0.75, 0.75, 1.0]
    with pytest.raises(MissingColumnError, match="age"):
        balance_table(people, ["age"])


def test_difference_in_proportions_matches_the_textbook_interval():
    # 60 of 200 versus 40 of 200: 0.30 - 0.20, standard error by hand
    result = difference_in_proportions(_trial(60, 200, 40, 200), "a", "b")
    se = math.sqrt(0.3 * 0.7 / 200 + 0.2 * 0.8 / 200)
    assert result.estimate == pytest.approx(0.10)
    assert (result.low, result.high) == pytest.approx((0.10 - 1.959964 * se, 0.10 + 1.959964 * se), abs=1e-6)
    assert (result.rate_treatment, result.rate_control, result.n_treatment, result.n_control) == (0.3, 0.2, 200, 200)
    z90 = NormalDist().inv_cdf(0.95)
    narrow = difference_in_proportions(_trial(60, 200, 40, 200), "a", "b", level=0.90)
    assert narrow.high - narrow.low == pytest.approx(2 * z90 * se)
    with pytest.raises(AnalysisError, match=r"no rows with arm == 'c'.*\['a', 'b'\]"):
        difference_in_proportions(_trial(1, 2, 1, 2), "c", "b")


def test_the_permutation_p_value_agrees_with_the_exact_one_on_a_tiny_trial():
    frame = _trial(4, 5, 1, 5)  # 0.8 - 0.2: every way of choosing 5 of the 10 as arm a
    outcomes = frame["attended"].astype(float).to_numpy()
    diffs = [outcomes[list(c)].mean() - np.delete(outcomes, list(c)).mean() for c in combinations(range(10), 5)]
    exact = np.mean(np.abs(diffs) >= 0.6 - 1e-12)
    found = permutation_test(frame, "a", "b", n_permutations=20000, seed=1)
    assert found.observed == pytest.approx(0.6)
    assert found.p_value == pytest.approx(exact, abs=0.01)
    assert len(found.null) == 20000


def test_the_permutation_p_value_is_close_to_the_normal_test_on_a_large_trial():
    frame = _trial(150, 500, 120, 500)
    p1, p0, pooled = 0.30, 0.24, 0.27
    z = (p1 - p0) / math.sqrt(pooled * (1 - pooled) * (2 / 500))
    normal = 2 * (1 - NormalDist().cdf(z))
    assert permutation_test(frame, "a", "b", n_permutations=4000).p_value == pytest.approx(normal, abs=0.02)


def test_power_by_simulation_is_close_to_the_normal_formula():
    for control, treatment, n in [(0.30, 0.42, 300), (0.20, 0.23, 500), (0.20, 0.25, 1250)]:
        se = math.sqrt(control * (1 - control) / n + treatment * (1 - treatment) / n)
        formula = 1 - NormalDist().cdf(1.959964 - (treatment - control) / se)
        assert power_by_simulation(control, treatment, n, n_sims=5000) == pytest.approx(formula, abs=0.03)
    assert power_by_simulation(0.3, 0.3, 400, n_sims=5000) == pytest.approx(0.05, abs=0.015)  # no effect: 5 %
    with pytest.raises(AnalysisError, match="between 0 and 1"):
        power_by_simulation(30, 36, 100)


def test_power_curve_rises_with_the_trial_size():
    curve = power_curve(0.30, 0.36, [100, 300, 900], n_sims=2000)
    assert curve.index.name == "people_per_arm" and curve.is_monotonic_increasing


def test_the_bundled_trials_cover_their_true_effects():
    """The card's true effects: each estimate's 95 % interval holds it, in both trials."""
    from kit.data.synth.reminder_trial import TRIALS, true_rates

    trials = kit.load_dataset("reminder_trial")
    assert set(trials["trial"]) == set(TRIALS)
    assert true_rates("assembly-2025") == {"none": 0.30, "SMS": 0.36, "call": 0.42}
    for name in TRIALS:
        one = trials[trials["trial"] == name]
        assert one["arm"].value_counts().nunique() == 1  # equal arms
        truth = true_rates(name)
        for arm in ("SMS", "call"):
            found = difference_in_proportions(one, arm, "none")
            assert found.low < truth[arm] - truth["none"] < found.high, (name, arm)
