"""The program lead's workflows (kit.feedback.workflow), called directly, without the CLI."""

from __future__ import annotations

import csv

import pytest
from helpers import REPO

from kit.data.syllabus import load_syllabus
from kit.errors import KitError
from kit.feedback import workflow
from kit.feedback.instruments import write_instruments
from kit.feedback.simulated_surveys import simulate_post_survey
from kit.languages import available_languages

PLAN = REPO / "plans" / "riverton.yaml"
LEARNERS = [f"learner{i:02d}" for i in range(12)]


@pytest.fixture(scope="module")
def instruments(tmp_path_factory):
    return workflow.write_survey_instruments(PLAN, tmp_path_factory.mktemp("instruments"))


def test_instruments_follow_the_plan(instruments):
    skills = load_syllabus().skills_for([1, 2, 3])  # Riverton's audiences take modules 1-3
    assert instruments.skills == skills and instruments.languages == ["en", "es"]
    assert len(instruments.files) == 12 and all(p.is_file() for p in instruments.files)


def _survey(tmp_path, instruments):
    return simulate_post_survey(
        tmp_path / "google-en.csv", LEARNERS, "Riverton", instruments.skills, "en", "google", seed=5
    )


def test_one_analysis_gives_reports_in_every_language_and_fills_the_log(tmp_path, instruments):
    folder = instruments.files[0].parent
    analysis, files = workflow.build_report(
        cohort="spring-2027",
        surveys=[_survey(tmp_path, instruments)],
        mappings=[folder / "mapping-post.en.yaml"],
        plan=PLAN,
        grades=False,
        log=tmp_path / "log.sqlite",
        outputs={lang: tmp_path / lang for lang in available_languages()},
    )
    assert 0 < analysis.respondents <= len(LEARNERS)
    assert [f.html.parent.name for f in files] == list(available_languages())
    assert "Skill gains" in (tmp_path / "en" / "report.md").read_text(encoding="utf-8")
    assert "Avance en las habilidades" in (tmp_path / "es" / "report.md").read_text(encoding="utf-8")

    items = workflow.list_backlog(tmp_path / "log.sqlite")
    assert len(items) == len({i.id for i in items}) > 0
    # every request has its automatic first status: published when it matched a bundled dataset
    assert {i.status for i in items} == {"new", "published"}
    assert all((i.status == "published") == (i.dataset is not None) for i in items)
    change, item = workflow.set_request_status(items[0].id, "planned", "next quarter", log=tmp_path / "log.sqlite")
    assert change.status == "planned" and item.id == items[0].id
    assert [i.id for i in workflow.list_backlog(tmp_path / "log.sqlite", "planned")] == [items[0].id]
    exported = workflow.export_backlog(tmp_path / "backlog.csv", log=tmp_path / "log.sqlite")
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    assert len(rows) == len(items)


def test_a_report_in_portuguese_from_a_portuguese_export(tmp_path, instruments):
    skills = instruments.skills
    mappings = [p for p in write_instruments("Riverton", skills, ["pt"], tmp_path) if p.name == "mapping-post.pt.yaml"]
    survey = simulate_post_survey(tmp_path / "google-pt.csv", LEARNERS, "Riverton", skills, "pt", "google", seed=5)
    analysis, [files] = workflow.build_report(
        cohort="primavera-2027",
        surveys=[survey],
        mappings=mappings,
        plan=PLAN,
        grades=False,
        log=tmp_path / "log.sqlite",
        outputs={"pt": tmp_path / "report.pt"},
    )
    md = files.markdown.read_text(encoding="utf-8")
    assert files.markdown.parent.name == "report.pt" and 0 < analysis.respondents <= len(LEARNERS)
    assert "## Avanço nas habilidades (aprendizagem)" in md and "| carregar e ler uma tabela de dados |" in md
    assert "## O que dizem os comentários" in md and "Skill gains" not in md


def test_mappings_must_match_the_exports(tmp_path, instruments):
    folder = instruments.files[0].parent
    survey = _survey(tmp_path, instruments)
    with pytest.raises(KitError, match="3 post-survey exports but 2 mappings"):
        workflow.build_report(
            cohort="c",
            surveys=[survey] * 3,
            mappings=[folder / "mapping-post.en.yaml"] * 2,
            grades=False,
            log=tmp_path / "log.sqlite",
            outputs={"en": tmp_path / "out"},
        )
    assert not (tmp_path / "log.sqlite").exists() and not (tmp_path / "out").exists()


def test_an_unknown_report_language_is_refused_before_anything_is_read(tmp_path):
    with pytest.raises(KitError, match="--lang 'xx'"):
        workflow.build_report(
            cohort="c", surveys=[tmp_path / "missing.csv"], mappings=[], log=tmp_path / "l", outputs={"xx": tmp_path}
        )


def test_the_default_log_is_the_citys_own_folder(project):
    assert workflow.default_log() == project / "feedback" / "you-said-we-did.sqlite"


# -- a city's own skills ------------------------------------------------------------------

OWN_MAPPING = """\
learner_id: "Your learner code"
skills:
  read-tables:
    before: "Before the course: loading and reading a table of data"
    after: "Now: loading and reading a table of data"
  find-data:
    before: "Before the course: finding data on the portal"
    after: "Now: finding data on the portal"
  ask-the-city:
    before: "How sure were you of how to ask the city for data?"
    after: "How sure are you today?"
satisfaction: "How useful was the course?"
"""


def _own_skills_export(tmp_path):
    header = [
        "Timestamp",
        "Your learner code",
        "Before the course: loading and reading a table of data",
        "Now: loading and reading a table of data",
        "Before the course: finding data on the portal",
        "Now: finding data on the portal",
        "How sure were you of how to ask the city for data?",
        "How sure are you today?",
        "How useful was the course?",
    ]
    rows = [[f"2027/03/01 6:{10 + i}:00 PM PST", f"AB{i:02d}CD", "2", "4", "1", "3", "2", "2", "5"] for i in range(4)]
    survey = tmp_path / "city-form.csv"
    survey.write_text("\n".join(",".join(f'"{c}"' for c in row) for row in [header, *rows]) + "\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(OWN_MAPPING, encoding="utf-8")
    return survey, mapping


def test_a_citys_own_skills_are_analysed_under_their_question_text(tmp_path):
    survey, mapping = _own_skills_export(tmp_path)
    analysis, _ = workflow.build_report(
        cohort="c",
        surveys=[survey],
        mappings=[mapping],
        plan=PLAN,
        grades=False,
        log=tmp_path / "log.sqlite",
        outputs={"en": tmp_path / "en", "es": tmp_path / "es"},
    )
    # the plan's skill first (syllabus order), then the city's own, in the mapping's order
    assert [(g.skill, g.n, g.gain) for g in analysis.gains] == [
        ("read-tables", 4, 2.0),
        ("find-data", 4, 2.0),
        ("ask-the-city", 4, 0.0),
    ]
    for lang, plan_label in (("en", "loading and reading a table of data"), ("es", "cargar y leer una tabla de datos")):
        md = (tmp_path / lang / "report.md").read_text(encoding="utf-8")
        assert f"| {plan_label} | 4 | 2.0 | 4.0 | +2.0 | 100% |" in md
        assert "| finding data on the portal | 4 | 1.0 | 3.0 | +2.0 | 100% |" in md
        assert "| How sure are you today? | 4 | 2.0 | 2.0 | +0.0 | 0% |" in md
        assert "No skill ratings were found" not in md and "No se encontraron" not in md
