"""The report's arithmetic on hand-made cases: gains, attendance, scores, recommendations."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kit.data.syllabus import load_syllabus
from kit.feedback.attendance import read_attendance
from kit.feedback.gains import skill_gains
from kit.feedback.mapping import SurveyError
from kit.feedback.module_scores import module_scores
from kit.feedback.recommend import recommend


def ratings(rows, skills=("maps", "joins")):
    columns = ["learner_id"] + [f"{s}_{side}" for s in skills for side in ("before", "after")]
    frame = pd.DataFrame(rows, columns=columns)
    for c in columns[1:]:
        frame[c] = frame[c].astype("Int64")
    return frame


def test_gains_pair_each_learner_and_count_only_complete_pairs():
    # five learners; one skipped "before" for maps, one skipped both for joins
    post = ratings(
        [
            ["a", 1, 4, 2, 2],
            ["b", 2, 3, 3, 5],
            ["c", None, 5, 1, 2],
            ["d", 3, 3, None, None],
            ["e", 4, 2, 2, 4],
        ]
    )
    maps, joins = skill_gains(post, ["maps", "joins"])
    # maps pairs: a (1->4), b (2->3), d (3->3), e (4->2): n=4
    assert maps.n == 4
    assert maps.before == pytest.approx((1 + 2 + 3 + 4) / 4)
    assert maps.after == pytest.approx((4 + 3 + 3 + 2) / 4)
    assert maps.gain == pytest.approx((3 + 1 + 0 - 2) / 4)
    assert maps.improved == pytest.approx(2 / 4)
    # joins pairs: a (2->2), b (3->5), c (1->2), e (2->4): n=4
    assert (joins.n, joins.gain, joins.improved) == (4, pytest.approx((0 + 2 + 1 + 2) / 4), pytest.approx(3 / 4))
    assert maps.pre_n == 0 and maps.pre is None


def test_pre_post_gain_pairs_by_learner_code_across_surveys():
    post = ratings([["a", 1, 4, 1, 1], ["b", 2, 3, 1, 1], ["c", 2, 5, 1, 1]])
    pre = pd.DataFrame({"learner_id": ["a", "b", "z"], "maps_before": pd.array([2, 2, 1], dtype="Int64")})
    maps = skill_gains(post, ["maps"], pre)[0]
    # a: pre 2 -> now 4; b: pre 2 -> now 3; z never answered the post survey, c never the pre survey
    assert (maps.pre_n, maps.pre, maps.pre_gain) == (2, 2.0, pytest.approx(1.5))


def test_a_skill_nobody_rated_has_no_numbers():
    gain = skill_gains(ratings([["a", None, 3, None, None]]), ["joins", "absent"])
    assert [(g.n, g.gain, g.improved) for g in gain] == [(0, None, None), (0, None, None)]


def test_attendance_per_session_and_bad_cells_listed(tmp_path):
    path = tmp_path / "attendance.csv"
    path.write_text(
        "Learner,Date,Present\n"
        "a,2026-09-09,yes\nb,2026-09-09,sí\nc,2026-09-09,no\n"
        "a,2026-09-16,1\nb,2026-09-16,\nc,2026-09-16,maybe\n"
        "d,16/09/2026,yes\n",
        encoding="utf-8",
    )
    got = read_attendance(path)
    assert [(s.day, s.present, s.enrolled) for s in got.sessions()] == [
        (date(2026, 9, 9), 2, 3),
        (date(2026, 9, 16), 1, 2),
    ]
    assert got.rate == pytest.approx(3 / 5)
    assert [(p.row, p.reason) for p in got.problems] == [(6, "not yes/no"), (7, "not a date (YYYY-MM-DD)")]
    assert got.regulars() == 2  # a (2 of 2) and b (1 of 2)


def test_a_portuguese_attendance_sheet(tmp_path):
    path = tmp_path / "presenca.csv"
    path.write_text(
        "Participante;Data;Presença\nAN03SA;2026-09-09;sim\nBE12PO;2026-09-09;Não\nAN03SA;2026-09-16;faltou\n",
        encoding="cp1252",
    )
    got = read_attendance(path)
    assert got.problems == [] and [(s.present, s.enrolled) for s in got.sessions()] == [(1, 2), (0, 1)]


def test_attendance_without_a_present_column_fails_with_one_line(tmp_path):
    path = tmp_path / "attendance.csv"
    path.write_text("learner,date\na,2026-09-09\n", encoding="utf-8")
    with pytest.raises(SurveyError, match=r"attendance.csv: no 'present' column"):
        read_attendance(path)


def scores_frame(rows):
    return pd.DataFrame(
        rows, columns=["learner", "assignment", "question", "kind", "score", "max_score", "needs_manual_grade"]
    )


def test_module_scores_merge_language_twins_and_skip_manual_questions():
    m3 = load_syllabus().module(3)
    rows = []
    for learner, assignment, got in [
        ("a", m3.assignment, (2, 2, 0)),
        ("b", m3.assignment + "-es", (2, 0, 0)),
        ("c", m3.assignment, (1, 0, 0)),
    ]:
        for question, score in zip(("count", "join", "rate"), got):
            rows.append((learner, assignment, question, "auto", float(score), 2.0, False))
        rows.append((learner, assignment, "reflection", "manual", 0.0, 3.0, True))
    [ms] = module_scores(scores_frame(rows), [m3])
    assert ms.learners == 3
    assert ms.shares == pytest.approx((1 / 6, 2 / 6, 4 / 6))
    assert [q.question for q in ms.questions] == ["count", "join", "rate"]
    count, _join, rate = ms.questions
    assert (count.mean, count.full_marks, count.zero) == (pytest.approx(5 / 6), pytest.approx(2 / 3), 0.0)
    assert rate.zero == 1.0 and rate.struggled and not count.struggled
    assert ms.passed == pytest.approx(1 / 3) and ms.completion(6) == 0.5


def test_recommendations_follow_the_numbers():
    syllabus = load_syllabus()
    m1, m3 = syllabus.module(1), syllabus.module(3)
    rows = [
        (learner, m3.assignment, q, "auto", float(s), 2.0, False)
        for learner, got in [("a", (2, 0)), ("b", (0, 0)), ("c", (2, 1))]
        for q, s in zip(("q1", "q2"), got)
    ]
    scores = module_scores(scores_frame(rows), [m3])
    gains = skill_gains(ratings([[x, 2, 2, 1, 4] for x in "abc"]), ["maps", "joins"])
    recs = recommend(
        modules=[m1, m3],
        languages=["en", "es", "fr"],
        scores=scores,
        gains=gains,
        attendance=None,
        theme_counts=[("pace", 3), ("maps", 1)],
        comments=6,
        gaps=["bus stops", "bus stops", "evictions"],
        satisfaction=3.2,
    )
    keys = [(r.key, r.module) for r in recs]
    assert ("more_time", 3) in keys  # 2 of 3 learners under 60%
    assert ("revisit_question", 3) in keys  # q2 averaged 1/6 of its points
    assert [r.values["skill"] for r in recs if r.key == "practice_skill"] == ["maps"]  # joins gained +3
    assert {r.module for r in recs if r.key == "translate"} == {1, 3}  # nothing is in French
    assert ("theme.pace", None) in keys and ("theme.maps", None) not in keys  # 1 of 6 is not recurring
    gaps = next(r for r in recs if r.key == "answer_gaps")
    assert gaps.values == {"requests": ["bus stops", "evictions"], "count": 2}
    assert ("low_satisfaction", None) in keys
