"""Simulated survey exports and attendance, read back with the real reader."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from kit.data.syllabus import load_syllabus
from kit.feedback.instruments import write_instruments
from kit.feedback.mapping import SurveyError, load_mapping
from kit.feedback.read import read_export
from kit.feedback.simulated_surveys import learner_code, simulate_attendance, simulate_post_survey
from kit.languages import available_languages

CITY = "Riverton"
LEARNERS = [f"learner{n:02d}" for n in range(1, 27)]  # 26 learners: 22 answer
SKILLS = load_syllabus().skills_for([1, 2, 3, 4])
SESSIONS = [date(2026, 9, 2) + timedelta(weeks=w) for w in range(8)]


@pytest.fixture(scope="module")
def instruments(tmp_path_factory):
    directory = tmp_path_factory.mktemp("instruments")
    write_instruments(CITY, SKILLS, list(available_languages()), directory)
    return directory


def simulate(tmp_path, lang, style, seed=11, learners=LEARNERS):
    return simulate_post_survey(tmp_path / f"{style}.{lang}.csv", learners, CITY, SKILLS, lang, style, seed)


def rows_of(path, encoding):
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


@pytest.mark.parametrize("style", ["google", "microsoft"])
@pytest.mark.parametrize("lang", available_languages())
def test_a_simulated_export_reads_back_cleanly(tmp_path, instruments, lang, style):
    path = simulate(tmp_path, lang, style)
    got = read_export(path, load_mapping(instruments / f"mapping-post.{lang}.yaml"))
    assert got.source == style
    assert got.encoding == ("utf-8" if style == "google" else "utf-8-sig")
    assert len(got.responses) == round(0.85 * len(LEARNERS))
    assert set(got.responses["learner_id"]) <= {learner_code(learner) for learner in LEARNERS}
    assert got.duplicates_replaced == (1 if style == "google" else 0)
    assert len(got.problems) == got.duplicates_replaced
    assert (got.unknown_columns, got.missing_columns, got.out_of_range, got.unreadable_rows) == ([], [], 0, 0)
    assert got.responses["submitted_at"].notna().all()


def test_google_headers_and_times(tmp_path):
    en = rows_of(simulate(tmp_path, "en", "google"), "utf-8")
    es = rows_of(simulate(tmp_path, "es", "google"), "utf-8")
    assert en[0][:3] == ["Timestamp", "Your learner code", "Before the course: loading and reading a table of data"]
    assert es[0][:3] == [
        "Marca temporal",
        "Tu código de participante",
        "Antes del curso: cargar y leer una tabla de datos",
    ]
    assert all(re.fullmatch(r"2026/1[01]/\d\d \d{1,2}:\d\d:\d\d [AP]M GMT-5", r[0]) for r in en[1:])
    assert all(re.fullmatch(r"\d\d/1[01]/2026 \d{1,2}:\d\d:\d\d", r[0]) for r in es[1:])


def test_portuguese_google_headers_and_day_first_times(tmp_path):
    pt = rows_of(simulate(tmp_path, "pt", "google"), "utf-8")
    assert pt[0][:3] == [
        "Carimbo de data/hora",
        "Seu código de participante",
        "Antes do curso: carregar e ler uma tabela de dados",
    ]
    assert all(re.fullmatch(r"\d\d/1[01]/2026 \d{1,2}:\d\d:\d\d", r[0]) for r in pt[1:])


def test_portuguese_microsoft_headers(tmp_path):
    rows = rows_of(simulate(tmp_path, "pt", "microsoft"), "utf-8-sig")
    assert rows[0][:6] == ["ID", "Hora de início", "Hora de conclusão", "Email", "Nome", "Seu código de participante"]
    assert {r[3] for r in rows[1:]} == {"anônimo"}
    assert all(re.fullmatch(r"\d\d/1[01]/26 \d\d:\d\d:\d\d", r[2]) for r in rows[1:])


def test_a_language_without_simulated_answers_is_refused(tmp_path):
    with pytest.raises(SurveyError, match="the simulator writes answers in en, es, pt, not 'xx'"):
        simulate(tmp_path, "xx", "google")


def test_microsoft_headers_bom_and_anonymous_email(tmp_path):
    path = simulate(tmp_path, "es", "microsoft")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = rows_of(path, "utf-8-sig")
    assert rows[0][:6] == [
        "Id.",
        "Hora de inicio",
        "Hora de finalización",
        "Correo electrónico",
        "Nombre",
        "Tu código de participante",
    ]
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, len(rows))]
    assert {r[3] for r in rows[1:]} == {"anónimo"} and {r[4] for r in rows[1:]} == {""}
    assert all(re.fullmatch(r"\d\d/1[01]/26 \d\d:\d\d:\d\d", r[2]) for r in rows[1:])
    en = rows_of(simulate(tmp_path, "en", "microsoft"), "utf-8-sig")
    assert en[0][:5] == ["ID", "Start time", "Completion time", "Email", "Name"]
    assert {r[3] for r in en[1:]} == {"anonymous"}


def test_the_later_submission_wins(tmp_path, instruments):
    path = simulate(tmp_path, "en", "google")
    rows = rows_of(path, "utf-8")[1:]
    codes = [r[1] for r in rows]
    twice = next(c for c in codes if codes.count(c) == 2)
    last = [r for r in rows if r[1] == twice][-1]
    got = read_export(path, load_mapping(instruments / "mapping-post.en.yaml"))
    kept = got.responses.set_index("learner_id").loc[twice]
    assert kept["comments"] == (last[-2] or None)
    assert "replaced by a later submission" in got.problems[0].reason


def test_answers_look_like_a_real_cohort(tmp_path, instruments):
    got = read_export(
        simulate(tmp_path, "en", "google", learners=[f"p{n}" for n in range(60)]),
        load_mapping(instruments / "mapping-post.en.yaml"),
    ).responses
    for skill in SKILLS:
        before, after = got[f"{skill.id}_before"], got[f"{skill.id}_after"]
        assert before.between(1, 4).all() and (after >= before).all() and after.max() <= 5
    assert (got["satisfaction"] >= 4).mean() > 0.6
    comments = got["comments"].dropna()
    assert 0 < got["comments"].isna().sum() < len(got) / 2 and comments.nunique() > 10
    requests = got["dataset_requests"].dropna()
    assert requests.str.contains(r"[;\n]").any() and got["dataset_requests"].isna().any()
    text = " ".join(requests).lower()
    assert "311" in text and any(gap in text for gap in ("bus stop", "eviction", "rent", "permit", "lead", "tree"))


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    first = simulate(tmp_path / "a", "es", "microsoft", seed=3).read_bytes()
    assert simulate(tmp_path / "b", "es", "microsoft", seed=3).read_bytes() == first
    assert simulate(tmp_path / "c", "es", "microsoft", seed=4).read_bytes() != first


def test_learner_codes():
    code = learner_code("learner01")
    assert re.fullmatch(r"[A-Z]{2}(0[1-9]|[12]\d|3[01])[A-Z]{2}", code)
    assert learner_code("learner01") == code and learner_code(" learner01 ") == code
    assert len({learner_code(learner) for learner in LEARNERS}) == len(LEARNERS)
    with pytest.raises(SurveyError):
        learner_code(" ")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"style": "typeform"}, "unknown form style"),
        ({"lang": "fr"}, "not 'fr'"),
        ({"learners": []}, "no learners"),
        ({"learners": ["ana", "ana"]}, "listed once"),
    ],
)
def test_bad_simulation_input(tmp_path, kwargs, message):
    args = {"learners": LEARNERS, "lang": "en", "style": "google"} | kwargs
    with pytest.raises(SurveyError, match=message):
        simulate_post_survey(tmp_path / "x.csv", args["learners"], CITY, SKILLS, args["lang"], args["style"], 1)


def test_attendance(tmp_path):
    learners = [f"p{n:02d}" for n in range(30)]
    path = simulate_attendance(tmp_path / "attendance.csv", learners, list(reversed(SESSIONS)), seed=5)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    assert path.read_text(encoding="utf-8").splitlines()[0] == "learner,date,present"
    assert len(rows) == len(learners) * len(SESSIONS)
    assert {r["present"] for r in rows} == {"yes", "no"}
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates) and set(dates) == {d.isoformat() for d in SESSIONS}
    assert {r["learner"] for r in rows} == set(learners)
    rate = [sum(r["present"] == "yes" for r in rows if r["date"] == d.isoformat()) / len(learners) for d in SESSIONS]
    assert 0.7 <= sum(rate) / len(rate) <= 0.9
    assert sum(rate[:4]) > sum(rate[4:])
    again = simulate_attendance(tmp_path / "again.csv", learners, SESSIONS, seed=5)
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    "learners, sessions", [([], SESSIONS), (["a"], []), (["a", "a"], SESSIONS), (["a"], [SESSIONS[0], SESSIONS[0]])]
)
def test_bad_attendance_input(tmp_path, learners, sessions):
    with pytest.raises(SurveyError):
        simulate_attendance(tmp_path / "x.csv", learners, sessions, seed=1)
