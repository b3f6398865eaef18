"""Randomized trials: the steps a group runs to test a message (Supplement A).

Supplement A teaches these steps on Riverton Tenants United's reminder trials
(``reminder_trial``); a group runs the same steps on its own trial. The steps, in
the order a trial needs them:

1. :func:`assign_arms` -- before the trial: each person gets an arm at random, with
   a seed, so the draw can be repeated and checked.
2. :func:`balance_table` -- did chance give the arms similar people? The share of
   each covariate's values (or its mean) arm by arm, and the largest gap.
3. :func:`difference_in_proportions` -- the effect: one arm's rate minus another's,
   with a confidence interval.
4. :func:`permutation_test` -- could a difference this big come from the random
   assignment alone? The share of reshuffled assignments with a difference as big.
5. :func:`power_by_simulation` and :func:`power_curve` -- before the next trial: how
   often a trial of a given size finds an effect of a given size.

Every function takes the names of the columns it uses as keyword arguments and
leaves its input untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
import pandas as pd

from kit.analysis.columns import require_columns
from kit.analysis.errors import AnalysisError

__all__ = [
    "Difference",
    "Permutation",
    "assign_arms",
    "balance_table",
    "difference_in_proportions",
    "permutation_test",
    "power_by_simulation",
    "power_curve",
]


class Difference(NamedTuple):
    """An effect estimate: ``estimate`` (treatment rate minus control rate) and its interval."""

    estimate: float
    low: float
    high: float
    rate_treatment: float
    rate_control: float
    n_treatment: int
    n_control: int


class Permutation(NamedTuple):
    """A permutation test: the ``observed`` difference, its two-sided ``p_value``, and the
    ``null`` differences of the reshuffled assignments (to draw)."""

    observed: float
    p_value: float
    null: np.ndarray


def assign_arms(
    frame: pd.DataFrame, arms: Sequence[str] = ("none", "SMS", "call"), seed: int = 0, *, column: str = "arm"
) -> pd.DataFrame:
    """A copy of ``frame`` with each row assigned an arm at random (complete randomization).

    The arms are dealt in turn to a shuffled list of the rows, so their sizes differ by at
    most one; the same ``seed`` always gives the same assignment.

    Parameters
    ----------
    frame
        One row per person to assign.
    arms
        The arms' names.
    seed
        The random seed: write it down before the trial, so anyone can repeat the draw.
    column
        Name of the new column.

    Examples
    --------
    >>> people = pd.DataFrame({"member_id": ["M1", "M2", "M3", "M4", "M5", "M6"]})
    >>> assign_arms(people, ["none", "SMS"], seed=1)["arm"].value_counts().tolist()
    [3, 3]
    """
    if len(arms) < 2:
        raise AnalysisError(f"a trial needs at least two arms, got {list(arms)}", hint="pass arms=['none', 'SMS']")
    order = np.random.default_rng(seed).permutation(len(frame))
    labels = np.empty(len(frame), dtype=object)
    labels[order] = [arms[i % len(arms)] for i in range(len(frame))]
    out = frame.copy()
    out[column] = labels
    return out


def balance_table(frame: pd.DataFrame, covariates: Sequence[str], *, arm: str = "arm") -> pd.DataFrame:
    """Covariates arm by arm: the share of each value of a text column, the mean of a number column.

    Parameters
    ----------
    frame
        One row per person, with the arm each got.
    covariates
        The columns to compare (known before the trial: age group, language, past attendance...).
    arm
        The column holding each person's arm.

    Returns
    -------
    DataFrame
        One row per ``(covariate, value)`` (``value`` is ``"mean"`` for a number column), one
        column per arm, and ``largest_gap``: the largest difference between two arms in that row.

    Examples
    --------
    >>> people = pd.DataFrame({"arm": ["a", "a", "b", "b"], "lang": ["en", "es", "en", "en"]})
    >>> balance_table(people, ["lang"]).loc[("lang", "es")].tolist()
    [0.5, 0.0, 0.5]
    """
    require_columns(frame, {arm: "arm", **dict.fromkeys(covariates, "covariates")}, table="trial")
    parts = []
    for covariate in covariates:
        values = frame[covariate]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            table = values.groupby(frame[arm]).mean().to_frame("mean").T
        else:
            table = pd.crosstab(values, frame[arm], normalize="columns")
        table.index = pd.MultiIndex.from_product([[covariate], table.index.astype(str)], names=["covariate", "value"])
        parts.append(table)
    out = pd.concat(parts)
    out.columns.name = None
    out["largest_gap"] = out.max(axis=1) - out.min(axis=1)
    return out


def _rates(frame: pd.DataFrame, treatment: str, control: str, arm: str, outcome: str) -> tuple[np.ndarray, np.ndarray]:
    """The outcome (0/1) of the treatment arm's rows and of the control arm's rows."""
    require_columns(frame, {arm: "arm", outcome: "outcome"}, table="trial")
    groups = []
    for name in (treatment, control):
        values = frame.loc[frame[arm] == name, outcome]
        if values.empty:
            found = sorted(map(str, frame[arm].dropna().unique()))
            raise AnalysisError(f"no rows with {arm} == {name!r}", hint=f"the arms in the table are {found}")
        groups.append(values.astype(float).to_numpy())
    return groups[0], groups[1]


def difference_in_proportions(
    frame: pd.DataFrame,
    treatment: str,
    control: str,
    *,
    arm: str = "arm",
    outcome: str = "attended",
    level: float = 0.95,
) -> Difference:
    """The treatment arm's rate minus the control arm's, with a confidence interval.

    The interval is the usual normal one: estimate ± z × standard error, where the
    standard error is ``sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0)`` and ``z`` is 1.96
    for a 95 % interval.

    Parameters
    ----------
    frame
        One row per person: their arm and whether the outcome happened (True/False or 1/0).
    treatment, control
        The two arms to compare: ``treatment`` minus ``control``.
    arm, outcome
        The columns holding each person's arm and outcome.
    level
        The interval's confidence level.

    Examples
    --------
    >>> trial = pd.DataFrame({"arm": ["a"] * 4 + ["b"] * 4, "attended": [1, 1, 1, 0, 1, 0, 0, 0]})
    >>> round(difference_in_proportions(trial, "a", "b").estimate, 2)
    0.5
    """
    treated, control_values = _rates(frame, treatment, control, arm, outcome)
    p1, p0 = treated.mean(), control_values.mean()
    se = np.sqrt(p1 * (1 - p1) / len(treated) + p0 * (1 - p0) / len(control_values))
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    estimate, margin = float(p1 - p0), float(z * se)
    return Difference(
        estimate, estimate - margin, estimate + margin, float(p1), float(p0), len(treated), len(control_values)
    )


def permutation_test(
    frame: pd.DataFrame,
    treatment: str,
    control: str,
    *,
    arm: str = "arm",
    outcome: str = "attended",
    n_permutations: int = 2000,
    seed: int = 0,
) -> Permutation:
    """How often reshuffling the two arms' labels gives a difference at least as big as the real one.

    If the message did nothing, the arm labels are just the random draw: shuffling them
    should give differences like the observed one. The p-value is two-sided: the share of
    shuffles whose difference is as far from zero as the observed one, in either direction.

    Examples
    --------
    >>> trial = pd.DataFrame({"arm": ["a"] * 50 + ["b"] * 50, "attended": [1] * 40 + [0] * 10 + [1] * 10 + [0] * 40})
    >>> permutation_test(trial, "a", "b", n_permutations=500).p_value < 0.01
    True
    """
    treated, control_values = _rates(frame, treatment, control, arm, outcome)
    pooled = np.concatenate([treated, control_values])
    rng = np.random.default_rng(seed)
    null = np.empty(n_permutations)
    for i in range(n_permutations):
        shuffled = rng.permutation(pooled)
        null[i] = shuffled[: len(treated)].mean() - shuffled[len(treated) :].mean()
    observed = float(treated.mean() - control_values.mean())
    extreme = np.sum(np.abs(null) >= abs(observed) - 1e-12)
    return Permutation(observed, float((extreme + 1) / (n_permutations + 1)), null)


def power_by_simulation(
    rate_control: float,
    rate_treatment: float,
    n_per_arm: int,
    *,
    n_sims: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> float:
    """The share of simulated trials whose confidence interval for the difference excludes zero.

    Each simulated trial draws ``n_per_arm`` people per arm with the given true rates and
    computes :func:`difference_in_proportions`' interval; power is how often that interval
    lies wholly above or below zero, that is, how often a trial this size finds the effect.

    Examples
    --------
    >>> power_by_simulation(0.30, 0.42, 300) > power_by_simulation(0.30, 0.36, 300)
    True
    """
    if not (0 <= rate_control <= 1 and 0 <= rate_treatment <= 1):
        raise AnalysisError("rates are shares between 0 and 1", hint="write 30 % as 0.30")
    rng = np.random.default_rng(seed)
    p0 = rng.binomial(n_per_arm, rate_control, n_sims) / n_per_arm
    p1 = rng.binomial(n_per_arm, rate_treatment, n_sims) / n_per_arm
    se = np.sqrt(p1 * (1 - p1) / n_per_arm + p0 * (1 - p0) / n_per_arm)
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        found = np.abs(p1 - p0) > z * se
    return float(found.mean())


def power_curve(
    rate_control: float, rate_treatment: float, sizes: Sequence[int], *, n_sims: int = 1000, seed: int = 0
) -> pd.Series:
    """:func:`power_by_simulation` for each trial size in ``sizes`` (people per arm).

    Examples
    --------
    >>> power_curve(0.30, 0.42, [100, 400]).index.tolist()
    [100, 400]
    """
    powers = [power_by_simulation(rate_control, rate_treatment, n, n_sims=n_sims, seed=seed) for n in sizes]
    return pd.Series(powers, index=pd.Index(list(sizes), name="people_per_arm"), name="power")
