"""A plan in English, Spanish and Portuguese with a Portuguese-only audience: the plan is written in
all three, and the audience's bundle holds the modules that exist in Portuguese (module 1 and its
exercise, with Portuguese stubs), while the plan and the bundle say plainly what is not translated yet."""

from __future__ import annotations

import shutil

import nbformat
import pytest
import yaml
from helpers import REPO

from kit.course.bundle import build_workspace
from kit.data.syllabus import load_syllabus
from kit.pages import read_catalog
from kit.plan.build import build_plan
from kit.plan.validate import load_spec, plan_warnings

AUDIENCE = """\
  - id: moradores
    name: Associação de Moradores do Centro
    kind: community organization
    issue_areas: [housing]
    skill_level: beginner
    language: pt
    size: 12
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    text = (REPO / "plans" / "riverton.yaml").read_text(encoding="utf-8")
    text = text.replace("languages: [en, es]", "languages: [en, es, pt]").replace(
        "topics:\n", AUDIENCE + "topics:\n", 1
    )
    path = tmp_path_factory.mktemp("plan") / "three.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "grader" / "nbgrader_config.py", course)
    marker = {"course_id": "pt-test", "city": "riverton", "languages": ["en", "es", "pt"]}
    marker |= {key: str(REPO / key) for key in ("exercises", "modules", "datasets")}
    (course / "kit-course.yaml").write_text(yaml.safe_dump(marker), encoding="utf-8")
    return course


def test_the_plan_is_written_in_three_languages_and_warns_of_what_is_not_translated(spec, tmp_path):
    warnings = plan_warnings(load_spec(spec))
    assert warnings == [
        "audiences[3] (moradores): module 3 (03-issue-campaigns) not translated into 'pt' yet: "
        "the audience's bundle leaves it out and the plan says so"
    ]
    names = {p.name for p in build_plan(spec, tmp_path / "plan")}
    assert {"plan.pt.md", "plan.pt.html", "plan.es.md", "plan.en.md"} <= names
    plan = (tmp_path / "plan" / "plan.pt.md").read_text(encoding="utf-8")
    label = read_catalog(REPO / "kit" / "plan" / "messages", "pt")["audience.label.untranslated"]
    [line] = [x for x in plan.splitlines() if label in x]
    assert load_syllabus().module(3).title_in("pt") in line
    bundle = yaml.safe_load((tmp_path / "plan" / "bundles" / "moradores.yaml").read_text(encoding="utf-8"))
    assert [m["id"] for m in bundle["modules"]] == ["01-intro-movement-data"]
    assert bundle["modules"][0]["assignment"] == "01-intro-movement-data-pt"
    assert [m["id"] for m in bundle["not_translated"]] == ["03-issue-campaigns"]


def test_the_portuguese_bundle_holds_module_1_and_its_exercise_in_portuguese(spec, course, tmp_path):
    folder = tmp_path / "moradores"
    build_workspace("moradores", folder, course=course, plan=spec)
    assert sorted(p.name for p in (folder / "modules").iterdir()) == ["01-intro-movement-data.ipynb"]
    module = nbformat.read(folder / "modules" / "01-intro-movement-data.ipynb", as_version=4)
    source = nbformat.read(REPO / "modules" / "pt" / "01-intro-movement-data.ipynb", as_version=4)
    assert [c.source for c in module.cells] == [c.source for c in source.cells]
    exercise = nbformat.read(folder / "01-intro-movement-data-pt" / "01-intro-movement-data-pt.ipynb", as_version=4)
    answers = [c for c in exercise.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers and all("ESCREVA" in c.source for c in answers)
    assert (folder / "datasets" / "catalog.pt.yaml").is_file()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert readme.index("Assignment List") > 0 and "03-issue-campaigns" in readme
    assert not list(folder.glob("03-*"))
