"""The trainer's report shows which questions needed hints, from the hints-used.json files handed in."""

from __future__ import annotations

import json

import pytest
from helpers import ASSIGNMENT, REPO

from kit.data.hint_records import FILENAME, FORMAT, HintRecord, read_hint_record, write_hint_record
from kit.data.syllabus import load_syllabus
from kit.feedback.hints import hint_usage

PLAN = REPO / "plans" / "riverton.yaml"
M1, M3 = load_syllabus().module(1), load_syllabus().module(3)


def _record(assignment: str, **hints: int) -> HintRecord:
    return HintRecord(assignment, {k.replace("_", "-"): v for k, v in hints.items()})


def test_language_twins_count_together_and_each_learner_once():
    records = [
        ("ana", M3.assignment, _record(M3.assignment, count_heat=2, find_slowest=1)),
        ("ana", M3.assignment + "-es", _record(M3.assignment + "-es", count_heat=1)),  # the same learner, twice
        ("ben", M3.assignment + "-es", _record(M3.assignment + "-es", count_heat=1)),
        ("eva", M3.assignment, _record(M3.assignment)),  # recorded, needed none
        ("ana", M1.assignment, _record(M1.assignment, count_contacts=1)),
        ("zoe", "99-not-in-the-plan", _record("99-not-in-the-plan", anything=2)),
    ]
    m1, m3 = hint_usage(records, [M1, M3])
    assert (m1.module, m1.recording) == (M1, 1)
    assert (m3.module, m3.recording) == (M3, 3)
    assert [(q.question, q.learners, q.hints) for q in m3.questions] == [("count-heat", 2, 3), ("find-slowest", 1, 1)]
    assert m3.share(m3.questions[0]) == pytest.approx(2 / 3)


def test_no_records_no_modules():
    assert hint_usage([], [M1, M3]) == []


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"format": "something-else", "hints": {"q": 1}}),
        json.dumps({"format": FORMAT, "hints": ["q"]}),
        json.dumps([1, 2]),
    ],
)
def test_a_learners_odd_file_is_skipped_not_an_error(tmp_path, content):
    (tmp_path / FILENAME).write_text(content)
    assert read_hint_record(tmp_path / FILENAME) is None


def test_odd_counts_inside_a_record_are_dropped(tmp_path):
    data = {"format": FORMAT, "assignment": "a", "hints": {"q1": 2, "q2": "lots", "q3": True, "q4": -1, "q5": 10**9}}
    (tmp_path / FILENAME).write_text(json.dumps(data))
    assert read_hint_record(tmp_path / FILENAME).hints == {"q1": 2}


@pytest.fixture
def cohort_with_hints(released, tmp_path):
    """Module 1 released; three learners hand in (folders as the Assignment List or a zip give them),
    two of them with their hints recorded."""
    from kit.grading.collect import collect

    handed_in = tmp_path / "handed-in"
    notebook = released.step_dir("release", ".", ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"
    hints = {"ana": {"count-contacts": 2, "count-recent": 1}, "ben": {"count-contacts": 1}, "carl": None}
    for learner, used in hints.items():
        folder = handed_in / learner / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / notebook.name).write_bytes(notebook.read_bytes())
        if used is not None:
            write_hint_record(folder / FILENAME, HintRecord(ASSIGNMENT, used))
    assert all(c.problem is None for c in collect(released, ASSIGNMENT, handed_in))
    return released


def test_collect_keeps_the_hints_file_with_the_notebook(cohort_with_hints):
    submitted = cohort_with_hints.step_dir("submitted", "ana", ASSIGNMENT)
    assert read_hint_record(submitted / FILENAME).hints == {"count-contacts": 2, "count-recent": 1}
    assert not (cohort_with_hints.step_dir("submitted", "carl", ASSIGNMENT) / FILENAME).exists()


def test_the_report_shows_hints_per_question_in_english_and_spanish(cohort_with_hints, tmp_path):
    from kit.feedback import workflow
    from kit.feedback.simulated_surveys import simulate_post_survey

    skills = load_syllabus().skills_for([1])
    survey = simulate_post_survey(tmp_path / "post.csv", ["ana", "ben", "carl"], "Riverton", skills, "en", "google", 3)
    instruments = workflow.write_survey_instruments(PLAN, tmp_path / "instruments")
    analysis, _ = workflow.build_report(
        cohort="hints-2027",
        surveys=[survey],
        mappings=[instruments.files[0].parent / "mapping-post.en.yaml"],
        plan=PLAN,
        course=cohort_with_hints.root,
        log=tmp_path / "log.sqlite",
        outputs={"en": tmp_path / "en", "es": tmp_path / "es"},
    )
    [m1] = analysis.hints
    assert m1.recording == 2
    english = (tmp_path / "en" / "report.md").read_text(encoding="utf-8")
    spanish = (tmp_path / "es" / "report.md").read_text(encoding="utf-8")
    assert "## Hints used (from learners who recorded them)" in english
    assert "2 learners handed in their hints." in english
    assert "| `count-contacts` | 2 (100%) | 3 |" in english
    assert "| `count-recent` | 1 (50%) | 1 |" in english
    assert "## Pistas usadas (de quienes las registraron)" in spanish
    assert "2 personas entregaron sus pistas." in spanish and "| `count-contacts` | 2 (100%) | 3 |" in spanish
    assert "Hints used" in (tmp_path / "en" / "report.html").read_text(encoding="utf-8")


def test_without_hint_files_the_report_says_recording_is_opt_in(tmp_path):
    from kit.feedback.cohort import CohortInputs, analyse
    from kit.feedback.log import FeedbackLog
    from kit.feedback.report import check_messages, write_report

    assert check_messages() == []
    inputs = CohortInputs("c", "Riverton", [M1], [], ["en", "es"], post=[], hints=[])
    analysis = analyse(inputs)
    with FeedbackLog(tmp_path / "log.sqlite") as log:
        write_report(analysis, log, tmp_path / "es", "es")
    assert "Nadie entregó un hints-used.json (registrar las pistas es opcional)." in (
        tmp_path / "es" / "report.md"
    ).read_text(encoding="utf-8")
