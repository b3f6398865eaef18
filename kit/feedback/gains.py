"""Skill gains: how much each skill's self-rating rose, paired learner by learner.

Two designs, both paired (a learner counts only when they answered both sides):

* **retrospective post-then-pre** — the post survey asks "before the course" and
  "now" side by side, so both ratings use the same yardstick (no response-shift
  bias); ``gain = after - before`` per learner.
* **pre/post** — when a pre survey was run, its day-one rating is paired with the
  post survey's "now" rating of the same learner code.

Means are over the paired learners only, and ``n`` says how many there were.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["SkillGain", "skill_gains"]


@dataclass(frozen=True)
class SkillGain:
    """One skill's self-ratings, paired.

    ``n`` learners rated the skill both "before" and "now" on the post survey;
    ``improved`` is the share of them whose rating rose. ``pre_n``/``pre``/``pre_gain``
    come from a pre survey when there was one (else ``0``/``None``).
    """

    skill: str
    n: int
    before: float | None
    after: float | None
    gain: float | None
    improved: float | None
    pre_n: int = 0
    pre: float | None = None
    pre_gain: float | None = None


def _mean(values: pd.Series) -> float | None:
    return float(values.mean()) if len(values) else None


def _pairs(frame: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    if first not in frame or second not in frame:
        return pd.DataFrame({"first": [], "second": []}, dtype="float64")
    both = frame[[first, second]].dropna()
    return pd.DataFrame({"first": both[first].astype("float64"), "second": both[second].astype("float64")})


def skill_gains(post: pd.DataFrame, skills: list[str], pre: pd.DataFrame | None = None) -> list[SkillGain]:
    """Paired gains per skill.

    Parameters
    ----------
    post
        Post-survey responses (one row per learner): ``learner_id``, and
        ``<skill>_before`` / ``<skill>_after`` ratings 1–5 (missing allowed).
    skills
        Skill ids, in report order.
    pre
        Optional pre-survey responses: ``learner_id`` and ``<skill>_before``.

    Examples
    --------
    >>> post = pd.DataFrame({"learner_id": ["a", "b", "c"],
    ...                      "maps_before": [1, 2, None], "maps_after": [3, 2, 4]})
    >>> g = skill_gains(post, ["maps"])[0]
    >>> g.n, g.before, g.after, g.gain, g.improved
    (2, 1.5, 2.5, 1.0, 0.5)
    """
    paired_pre = None
    if pre is not None:
        paired_pre = pre.merge(post, on="learner_id", how="inner", suffixes=("_pre", ""))
    gains = []
    for skill in skills:
        pairs = _pairs(post, f"{skill}_before", f"{skill}_after")
        diff = pairs["second"] - pairs["first"]
        gain = SkillGain(
            skill,
            len(pairs),
            _mean(pairs["first"]),
            _mean(pairs["second"]),
            _mean(diff),
            float((diff > 0).mean()) if len(pairs) else None,
        )
        if paired_pre is not None:
            pp = _pairs(paired_pre, f"{skill}_before_pre", f"{skill}_after")
            gain = SkillGain(
                **{
                    **gain.__dict__,
                    "pre_n": len(pp),
                    "pre": _mean(pp["first"]),
                    "pre_gain": _mean(pp["second"] - pp["first"]),
                }
            )
        gains.append(gain)
    return gains
