"""Languages are data: the kit speaks whatever has a complete set of catalogs.

Some tests work on a copy of the checkout (the package and its material), run by
a fresh Python whose ``kit`` is the copy: adding a language there is adding files
and nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO
from typer.testing import CliRunner

from kit.cli import app
from kit.course.translations import check_translations
from kit.data.syllabus import load_syllabus
from kit.languages import CATALOG_FOLDERS, LanguageError, available_languages, require_language

COPIED = ("kit", "modules", "exercises", "datasets", "plans", "cities", "grader/simulation")


def copy_checkout(base: Path) -> Path:
    root = base / "checkout"
    for name in COPIED:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "_bundled"))
    return root


def run_in(root: Path, code: str) -> dict:
    """Run ``code`` with the copy's ``kit`` and return what it prints as JSON."""
    env = {k: v for k, v in os.environ.items() if k not in ("KIT_HOME", "KIT_DATASETS", "KIT_COURSE")}
    env["PYTHONPATH"] = str(root)
    prelude = f"import json, kit; assert kit.__file__.startswith({str(root)!r}), kit.__file__\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def add_language(root: Path, code: str, name: str) -> None:
    """A new language by files alone: each catalog copied from English (its own name set), and the cards."""
    for folder in CATALOG_FOLDERS:
        target = root / folder.relative_to(REPO) / f"{code}.yaml"
        text = (folder / "en.yaml").read_text(encoding="utf-8")
        target.write_text(text.replace('language.self: "English"', f'language.self: "{name}"'), encoding="utf-8")
    shutil.copy(root / "datasets" / "catalog.es.yaml", root / "datasets" / f"catalog.{code}.yaml")


def test_the_kit_speaks_english_spanish_and_portuguese():
    assert available_languages() == ("en", "es", "pt")


def test_an_unknown_language_is_refused_naming_what_the_kit_has():
    with pytest.raises(LanguageError, match=r"unknown language 'fr' \(the kit has en, es, pt\)") as info:
        require_language("fr")
    assert "check-translations" in info.value.hint


def test_a_fourth_language_by_files_alone_is_accepted_by_the_plan_spec(tmp_path):
    root = copy_checkout(tmp_path)
    spec = (REPO / "plans" / "riverton.yaml").read_text(encoding="utf-8")
    assert "languages: [en, es]" in spec
    (root / "plans" / "four.yaml").write_text(spec.replace("languages: [en, es]", "languages: [en, es, xx]"))
    before = run_in(root, "from kit.languages import available_languages as a; print(json.dumps(a()))")
    assert before == list(available_languages())
    add_language(root, "xx", "Xish")
    code = (
        "from kit.languages import available_languages as a\n"
        "from kit.plan.build import build_plan\n"
        "files = build_plan('plans/four.yaml', __import__('pathlib').Path('out'))\n"
        "print(json.dumps({'languages': a(), 'files': sorted(p.name for p in files)}))"
    )
    after = run_in(root, code)
    assert after["languages"] == [*available_languages(), "xx"]
    assert {"plan.xx.md", "plan.xx.html"} <= set(after["files"])
    plan = (root / "out" / "plan.xx.md").read_text(encoding="utf-8")
    assert "English, Spanish, and Xish" in plan  # its own name, with no edit to the others


def test_spanish_is_complete_and_portuguese_lacks_exactly_modules_2_to_8():
    assert check_translations("es").complete
    report = check_translations("pt")
    assert report.missing == {} and report.stale == {}
    expected = set()
    for module in load_syllabus().available():
        if module.number == 1:
            continue
        expected.add(f"modules/pt/{module.id}.ipynb")
        expected |= {f"exercises/{module.assignment}-pt/{module.assignment}-pt.ipynb"}
        expected |= {f"exercises/{module.assignment}-pt/checks.yaml"}
        if (REPO / "modules" / "templates" / f"{module.id}.ipynb").is_file():
            expected.add(f"modules/templates/pt/{module.id}.ipynb")
        if (REPO / "exercises" / "templates" / module.assignment).is_dir():
            expected.add(f"exercises/templates/{module.assignment}-pt/{module.assignment}-pt.ipynb")
    assert set(report.missing_files) == expected
    assert all(n > 0 for n in report.missing_files.values())


def test_a_changed_english_string_is_stale_until_the_translation_is_accepted(tmp_path):
    root = copy_checkout(tmp_path)
    plan_en = root / "kit" / "plan" / "messages" / "en.yaml"
    text = plan_en.read_text(encoding="utf-8")
    assert 'unit.minutes: "{minutes} min"' in text
    plan_en.write_text(text.replace('unit.minutes: "{minutes} min"', 'unit.minutes: "{minutes} minutes"'))
    notebook = root / "modules" / "01-intro-movement-data.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("Intro to movement data", "Movement data"))
    report = (
        "from kit.course.translations import check_translations as c\n"
        "r = c('es'); print(json.dumps({'missing': r.missing, 'stale': r.stale, 'files': list(r.missing_files)}))"
    )
    found = run_in(root, report)
    assert found["missing"] == {} and found["files"] == []
    assert found["stale"]["kit/plan/messages/es.yaml"] == ["unit.minutes"]
    assert list(found["stale"]) == ["kit/plan/messages/es.yaml", "modules/es/01-intro-movement-data.ipynb"]
    accept = "from kit.course.translations import accept_translations as a; print(json.dumps(a('es')))"
    assert run_in(root, accept) > 1000
    assert run_in(root, report) == {"missing": {}, "stale": {}, "files": []}


def test_check_translations_from_the_command_line():
    result = CliRunner().invoke(app, ["course", "check-translations"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "✓ es: complete"
    assert lines[1].startswith("! pt: ") and "0 strings missing, 0 strings stale" in lines[1]
    assert any(line.startswith("  modules/pt/02-electoral-cycle.ipynb: missing file (") for line in lines)
    result = CliRunner().invoke(app, ["course", "check-translations", "--accept"])
    assert result.exit_code == 2 and "exactly one --lang" in result.output
