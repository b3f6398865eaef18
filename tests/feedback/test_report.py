"""`kit feedback …` end to end: instruments, reports from Google and Microsoft exports in
English and Spanish, two cohorts in a row through the you-said-we-did log, and bad input."""

from __future__ import annotations

import csv
import sqlite3
from html.parser import HTMLParser

import pandas as pd
import pytest
from helpers import REPO
from typer.testing import CliRunner

from kit.cli import app
from kit.data.syllabus import load_syllabus
from kit.feedback.catalogs import bundled_catalog
from kit.feedback.cohort import CohortInputs, analyse
from kit.feedback.instruments import write_instruments
from kit.feedback.log import FeedbackLog
from kit.feedback.mapping import load_mapping
from kit.feedback.read import read_export
from kit.feedback.report import check_messages, write_report
from kit.feedback.simulated_surveys import simulate_attendance, simulate_post_survey

PLAN = REPO / "plans" / "riverton.yaml"
runner = CliRunner()
SKILLS = load_syllabus().skills_for([1, 2, 3])
LEARNERS = [f"learner{i:02d}" for i in range(24)]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def instruments(tmp_path_factory):
    directory = tmp_path_factory.mktemp("instruments")
    write_instruments("Riverton", SKILLS, ["en", "es"], directory)
    return directory


def exports(directory, learners, seed):
    """A cohort's inputs: English Google Forms, Spanish Microsoft Forms, attendance."""
    english, spanish = learners[: len(learners) * 2 // 3], learners[len(learners) * 2 // 3 :]
    google = simulate_post_survey(directory / "google-en.csv", english, "Riverton", SKILLS, "en", "google", seed)
    microsoft = simulate_post_survey(
        directory / "microsoft-es.csv", spanish, "Riverton", SKILLS, "es", "microsoft", seed
    )
    sessions = [pd.Timestamp("2026-09-09").date() + pd.Timedelta(days=7 * i) for i in range(5)]
    attendance = simulate_attendance(directory / "attendance.csv", learners, sessions, seed)
    return google, microsoft, attendance


def report(tmp_path, instruments, cohort, files, log, lang="en", out="report"):
    google, microsoft, attendance = files
    return run(
        "feedback",
        "report",
        "--cohort",
        cohort,
        "--survey",
        google,
        "--survey",
        microsoft,
        "--mapping",
        instruments / "mapping-post.en.yaml",
        "--mapping",
        instruments / "mapping-post.es.yaml",
        "--attendance",
        attendance,
        "--plan",
        PLAN,
        "--no-grades",
        "--log",
        log,
        "--lang",
        lang,
        "-o",
        tmp_path / out,
    )


class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


def test_messages_are_complete_in_both_languages():
    assert check_messages() == []


def test_survey_command_writes_the_plans_instruments(tmp_path):
    result = run("feedback", "survey", "--plan", PLAN, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        f"{kind}.{lang}.{ext}" if ext == "md" else f"mapping-{kind}.{lang}.yaml"
        for kind in ("pre", "post", "session")
        for lang in ("en", "es")
        for ext in ("md", "yaml")
    )
    post = load_mapping(tmp_path / "mapping-post.es.yaml")
    # Riverton's audiences take modules 1, 2 and 3: two skills each
    assert list(post.skills) == [s.id for s in SKILLS]


@pytest.mark.parametrize(
    "lang, heading",
    [
        ("en", "## Skill gains (learning)"),
        ("es", "## Avance en las habilidades (aprendizaje)"),
        ("pt", "## Avanço nas habilidades (aprendizagem)"),
    ],
)
def test_report_from_google_and_microsoft_exports_in_every_language(tmp_path, instruments, lang, heading):
    files = exports(tmp_path, LEARNERS, seed=7)
    result = report(tmp_path, instruments, "fall-2026", files, tmp_path / "log.sqlite", lang)
    assert result.exit_code == 0, result.output
    out = tmp_path / "report"
    md = (out / "report.md").read_text(encoding="utf-8")
    assert heading in md
    google = read_export(files[0], load_mapping(instruments / "mapping-post.en.yaml"))
    microsoft = read_export(files[1], load_mapping(instruments / "mapping-post.es.yaml"))
    assert google.source == "google" and microsoft.source == "microsoft"
    respondents = len(google.responses) + len(microsoft.responses)
    assert md.count(f"| {respondents} / {len(LEARNERS)} |") == 1
    # every chart the Markdown links exists; the HTML carries the same charts inline
    linked = sorted(p.split("](")[1].rstrip(")") for p in md.splitlines() if p.startswith("!["))
    assert linked == sorted(f"charts/{p.name}" for p in (out / "charts").iterdir())
    assert len(linked) == 3  # gains, attendance, satisfaction (no grades asked for)
    images = Images()
    images.feed((out / "report.html").read_text(encoding="utf-8"))
    assert len(images.sources) == 3 and all(s.startswith("data:image/png;base64,") for s in images.sources)
    # the duplicate Google submission is reported, not silently dropped
    duplicates = {"en": "1 duplicate submissions", "es": "1 envíos duplicados", "pt": "1 envios duplicados"}
    assert duplicates[lang] in md
    backlog = list(csv.DictReader((out / "backlog.csv").open(encoding="utf-8")))
    assert backlog and {r["match"] for r in backlog} == {"published", "gap"}
    assert all(r["cohorts"] == "fall-2026" for r in backlog)


def test_report_with_gradebook_scores_names_the_questions_the_cohort_struggled_with(tmp_path, instruments):
    m1 = load_syllabus().module(1)
    rows = [
        (f"l{i}", m1.assignment, q, "auto", float(s), 1.0, False)
        for i in range(10)
        for q, s in (("count-contacts", i < 2), ("sum-donations", i < 9))
    ]
    scores = pd.DataFrame(
        rows, columns=["learner", "assignment", "question", "kind", "score", "max_score", "needs_manual_grade"]
    )
    google, _, _ = exports(tmp_path, LEARNERS[:10], seed=3)
    post = [read_export(google, load_mapping(instruments / "mapping-post.en.yaml"))]
    inputs = CohortInputs(
        cohort="c",
        city="Riverton",
        modules=[m1],
        skills=SKILLS[:2],
        languages=["en", "es", "fr"],
        post=post,
        scores=scores,
        catalog=bundled_catalog(),
    )
    with FeedbackLog(tmp_path / "log.sqlite") as log:
        files = write_report(analyse(inputs), log, tmp_path / "out")
    md = files.markdown.read_text(encoding="utf-8")
    assert "| `count-contacts` | 20% | 20% | 80% | ⚠ struggled |" in md
    assert "| `sum-donations` | 90% | 90% | 10% |  |" in md
    assert "Revisit question `count-contacts` of Module 1" in md
    assert "Module 1: Intro to movement data is not yet available in fr, a language this plan offers" in md
    assert (tmp_path / "out" / "charts" / "questions.png").is_file()


def dump(path):
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def test_two_cohorts_in_a_row_show_what_the_city_did_and_reruns_change_nothing(tmp_path, instruments):
    log = tmp_path / "log.sqlite"
    (tmp_path / "a").mkdir()
    first = exports(tmp_path / "a", LEARNERS[:12], seed=11)
    assert report(tmp_path, instruments, "spring-2026", first, log, out="spring").exit_code == 0
    spring = list(csv.DictReader((tmp_path / "spring" / "backlog.csv").open(encoding="utf-8")))
    gap = next(r for r in spring if r["match"] == "gap")
    assert (
        run(
            "feedback", "backlog", "--log", log, "set", gap["id"], "planned", "--note", "on the data team's list for Q1"
        ).exit_code
        == 0
    )
    assert (
        run(
            "feedback", "backlog", "--log", log, "set", gap["id"], "published", "--note", "published on the portal"
        ).exit_code
        == 0
    )

    (tmp_path / "b").mkdir()
    second = exports(tmp_path / "b", LEARNERS[12:], seed=12)
    assert report(tmp_path, instruments, "fall-2026", second, log, out="fall").exit_code == 0
    md = (tmp_path / "fall" / "report.md").read_text(encoding="utf-8")
    assert "What the city did since cohort spring-2026 reported:" in md
    assert f"| {gap['request']} | planned | on the data team's list for Q1 |" in md
    assert f"| {gap['request']} | published | published on the portal |" in md
    assert "### Requests from earlier cohorts" in md
    earlier = md.split("### Requests from earlier cohorts")[1]
    assert f"| {gap['request']} | spring-2026" in earlier
    fall = list(csv.DictReader((tmp_path / "fall" / "backlog.csv").open(encoding="utf-8")))
    assert len(fall) >= len(spring) and {r["id"] for r in spring} <= {r["id"] for r in fall}

    before, fall_md = dump(log), md
    for cohort, files, out in (("spring-2026", first, "spring"), ("fall-2026", second, "fall")):
        assert report(tmp_path, instruments, cohort, files, log, out=out).exit_code == 0
    assert dump(log) == before
    assert (tmp_path / "fall" / "report.md").read_text(encoding="utf-8") == fall_md

    listing = run("feedback", "backlog", "--log", log, "--status", "declined")
    assert listing.exit_code == 0 and gap["request"] not in listing.output
    with FeedbackLog(log) as book:
        assert [item.status for item in book.requests() if item.id == int(gap["id"])] == ["published"]


def test_bad_rows_are_counted_and_listed_while_good_rows_are_kept(tmp_path, instruments):
    google, microsoft, attendance = exports(tmp_path, LEARNERS, seed=5)
    records = list(csv.reader(google.open(encoding="utf-8", newline="")))
    header, good = records[0], len(records) - 1
    broken = list(records[1])
    broken[0] = "2026/10/29 9:00:00 AM GMT-5"
    broken[1] = "ZZ99ZZ"
    broken[2] = "9"  # a rating out of range
    with google.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(broken)
        writer.writerow(["just", "three", "fields"])
    result = report(tmp_path, instruments, "c", (google, microsoft, attendance), tmp_path / "log.sqlite")
    assert result.exit_code == 0, result.output
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "1 unreadable rows" in md and "1 ratings out of range" in md
    row = good + 1  # the appended row, numbered as in the file (1 = first row under the header)
    assert f"| `google-en.csv` | {row} | {' '.join(header[2].split())} | 9 | not a whole number from 1 to 5 |" in md
    assert f"| `google-en.csv` | {row + 1} |  |  | has 3 fields, the header has {len(header)} |" in md
    kept = read_export(google, load_mapping(instruments / "mapping-post.en.yaml"))
    assert len(kept.responses) == good - 1 + 1  # one duplicate replaced, ZZ99ZZ kept with its good cells


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda d: d.joinpath("s.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary"), "s.csv"),
        (lambda d: d.joinpath("s.csv").write_text("only one column\nx\n"), "not a CSV export"),
        (lambda d: d.joinpath("s.csv").write_text("a,b\n1,2\n"), "none of the mapped columns were found"),
    ],
)
def test_an_unreadable_export_fails_with_one_line_and_writes_nothing(tmp_path, instruments, make, expected):
    make(tmp_path)
    result = run(
        "feedback",
        "report",
        "--cohort",
        "c",
        "--survey",
        tmp_path / "s.csv",
        "--mapping",
        instruments / "mapping-post.en.yaml",
        "--no-grades",
        "--log",
        tmp_path / "log.sqlite",
        "-o",
        tmp_path / "out",
    )
    assert result.exit_code == 1
    assert expected in result.output and result.output.count("error:") == 1
    assert not (tmp_path / "out").exists() and not (tmp_path / "log.sqlite").exists()


def test_bad_mapping_attendance_language_and_status_fail_with_one_line(tmp_path, instruments):
    google, _, _attendance = exports(tmp_path, LEARNERS, seed=5)
    bad = tmp_path / "bad.yaml"
    bad.write_text("learner_id: Code\nskils: {}\n", encoding="utf-8")
    common = ["--no-grades", "--log", tmp_path / "log.sqlite", "-o", tmp_path / "out"]
    result = run("feedback", "report", "--cohort", "c", "--survey", google, "--mapping", bad, *common)
    assert result.exit_code == 1 and "skils" in result.output
    mapping = instruments / "mapping-post.en.yaml"
    result = run(
        "feedback",
        "report",
        "--cohort",
        "c",
        "--survey",
        google,
        "--survey",
        google,
        "--mapping",
        mapping,
        "--mapping",
        mapping,
        "--mapping",
        mapping,
        *common,
    )
    assert result.exit_code == 1 and "2 post-survey exports but 3 mappings" in result.output
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("learner,day\nx,2026-09-09\n", encoding="utf-8")
    result = run(
        "feedback", "report", "--cohort", "c", "--survey", google, "--mapping", mapping, "--attendance", sheet, *common
    )
    assert result.exit_code == 1 and "no 'date' column" in result.output
    result = run(
        "feedback", "report", "--cohort", "c", "--survey", google, "--mapping", mapping, "--lang", "fr", *common
    )
    assert result.exit_code == 1 and "--lang 'fr'" in result.output
    assert not (tmp_path / "out").exists()
    assert report(tmp_path, instruments, "c", exports(tmp_path, LEARNERS, 5), tmp_path / "log.sqlite").exit_code == 0
    result = run("feedback", "backlog", "--log", tmp_path / "log.sqlite", "set", "1", "done")
    assert result.exit_code == 1 and "unknown status 'done'" in result.output
