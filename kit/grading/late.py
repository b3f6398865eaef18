"""Late submissions: a grace period, then a percentage off per day late.

An nbgrader late-submission plugin, configured in the course
(``grader/nbgrader_config.py``), so nbgrader's own ``AssignLatePenalties`` step
applies it whichever grader runs (``kit grade autograde`` or ``nbgrader
autograde``) and formgrader shows the penalty::

    c.AssignLatePenalties.plugin_class = "kit.grading.late.GracePeriodPenalty"
    c.GracePeriodPenalty.grace_hours = 24       # no penalty within a day of the deadline
    c.GracePeriodPenalty.percent_per_day = 10   # then 10 % of the score per started day
    c.GracePeriodPenalty.max_percent = 50       # never more than half

The deadline is the assignment's due date in the gradebook (``kit grade release
ASSIGNMENT --due 2026-10-07T17:00``, or formgrader's "Manage assignments").
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

__all__ = ["GracePeriodPenalty", "late_penalty"]

DAY = 24 * 3600


def late_penalty(
    score: float, seconds_late: float, grace_hours: float, percent_per_day: float, max_percent: float = 100.0
) -> float:
    """Points taken off ``score`` for a submission ``seconds_late`` after the deadline.

    Every started day after the grace period costs ``percent_per_day`` % of the
    score, up to ``max_percent`` %.

    Examples
    --------
    >>> late_penalty(10, 3600, grace_hours=2, percent_per_day=10)       # within the grace period
    0.0
    >>> late_penalty(10, 3 * 3600, grace_hours=2, percent_per_day=10)   # 1 hour past it: one started day
    1.0
    >>> late_penalty(10, 30 * DAY, grace_hours=0, percent_per_day=10, max_percent=50)
    5.0
    """
    beyond = seconds_late - grace_hours * 3600
    if beyond <= 0 or score <= 0:
        return 0.0
    days = math.ceil(beyond / DAY)
    return round(score * min(days * percent_per_day, max_percent) / 100, 6)


class GracePeriodPenalty(LateSubmissionPlugin):
    """nbgrader plugin: no penalty within the grace period, then a percentage of the score per day late."""

    grace_hours = Float(0.0, help="Hours after the due date during which a submission is not late.").tag(config=True)
    percent_per_day = Float(
        0.0, help="Percent of the notebook's score taken off per started day late, after the grace period."
    ).tag(config=True)
    max_percent = Float(100.0, help="The most a late submission can lose, in percent of its score.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        return late_penalty(score, total_seconds_late, self.grace_hours, self.percent_per_day, self.max_percent)
