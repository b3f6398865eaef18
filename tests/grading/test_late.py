"""Late submissions: the course's grace period and percentage per day, applied by nbgrader's own step."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest
from helpers import ASSIGNMENT, exercise_source, submit

from kit.grading.late import DAY, GracePeriodPenalty, late_penalty


@pytest.mark.parametrize(
    "seconds_late, expected",
    [
        (0, 0.0),
        (23 * 3600, 0.0),  # inside the 24-hour grace period
        (24 * 3600 + 1, 1.2),  # one second past it: a started day, 10 % of 12
        (2 * DAY, 1.2),  # exactly one day past the grace period
        (2 * DAY + 60, 2.4),  # a second day started
        (30 * DAY, 6.0),  # capped at 50 %
    ],
)
def test_grace_period_then_a_percentage_per_started_day(seconds_late, expected):
    assert late_penalty(12, seconds_late, grace_hours=24, percent_per_day=10, max_percent=50) == pytest.approx(expected)


def test_the_plugin_reads_its_settings_from_the_course_config(course):
    plugin = GracePeriodPenalty(config=course.config)
    assert (plugin.grace_hours, plugin.percent_per_day, plugin.max_percent) == (24, 10, 50)
    assert plugin.late_submission_penalty("ana", 12.0, 3 * DAY) == pytest.approx(2.4)


@pytest.mark.grading
def test_a_late_submission_loses_points_in_the_gradebook(released, tmp_path):
    from kit.grading.release import set_due_date

    set_due_date(released, ASSIGNMENT, datetime.fromisoformat("2026-02-27T17:00:00+00:00"))
    name = f"{ASSIGNMENT}.ipynb"
    submit(released, "late", {name: exercise_source().read_text()})  # 2026-03-02 17:00 UTC: 3 days late
    submit(released, "ontime", {name: exercise_source().read_text()})
    (released.step_dir("submitted", "ontime", ASSIGNMENT) / "timestamp.txt").write_text(
        "2026-02-28 09:00:00.000000 UTC"
    )  # within the grace period
    for learner in ("late", "ontime"):
        assert released.api.autograde(ASSIGNMENT, learner, force=True, create=True)["success"]
    with released.gradebook() as gb:
        late = gb.find_submission(ASSIGNMENT, "late")
        ontime = gb.find_submission(ASSIGNMENT, "ontime")
        assert late.total_seconds_late == 3 * DAY and ontime.total_seconds_late == 16 * 3600
        auto_max = sum(g.max_score for nb in late.notebooks for g in nb.grades if g.cell_type == "code")
        # two started days past the 24-hour grace period: 20 % of the autograded score
        assert late.late_submission_penalty == pytest.approx(0.2 * auto_max)
        assert ontime.late_submission_penalty == 0
    # the exports take it off: the grades CSV shows it, Canvas gets the score minus the penalty
    from kit.grading.canvas import write_canvas_csv
    from kit.grading.grades import question_scores, write_grades_csv

    rows = {
        r["learner"]: r
        for r in csv.DictReader(write_grades_csv(question_scores(released, [ASSIGNMENT]), tmp_path / "g.csv").open())
    }
    assert float(rows["late"]["late_penalty"]) == pytest.approx(0.2 * auto_max)
    assert float(rows["ontime"]["late_penalty"]) == 0
    write_canvas_csv(released, [ASSIGNMENT], tmp_path / "canvas.csv")
    canvas = {r[3]: r for r in csv.reader((tmp_path / "canvas.csv").open())}
    assert float(canvas["late"][5]) == pytest.approx(0.8 * auto_max)
    assert float(canvas["ontime"][5]) == pytest.approx(auto_max)
