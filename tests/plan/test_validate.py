"""Plan spec validation: every rule, each reported with its field path and line, all at once."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from helpers import REPO

from kit.data.syllabus import load_syllabus
from kit.errors import SpecError
from kit.plan.documents import render_plan
from kit.plan.matrix import bundle_specs
from kit.plan.pacing import plan_modules
from kit.plan.validate import check_spec, plan_warnings

SAMPLE = (REPO / "plans" / "riverton.yaml").read_text()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        check_spec(text, "spec.yaml")
    return info.value.problems


def test_the_sample_spec_is_valid():
    spec = check_spec(SAMPLE)
    assert spec.city == "Riverton" and len(spec.audiences) == 3


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("modules: [1, 3]", "modules: [1, 9]", "topics[0].modules[1]", "unknown module 9"),
        ("weeks: 7", "weeks: 4", "sprint.weeks", "the sessions cannot hold the plan's modules"),
        (
            "datasets: [service_requests]",
            "datasets: [service_request]",
            "topics[2].datasets[0]",
            "unknown dataset 'service_request'",
        ),
        (
            "issue_areas: [service delivery]",
            "issue_areas: [transit]",
            "audiences[2].issue_areas",
            "no topic covers ['transit']",
        ),
        ("skip: [2026-09-30]", "skip: [2026-09-29]", "sprint.skip[0]", "2026-09-29 is not a session day"),
        ("skip: [2026-09-30]", "skip: [2027-01-06]", "sprint.skip[0]", "2027-01-06 is not a session day"),
        (
            "start: 2026-09-09",
            "start: 2026-09-10",
            "sprint.start",
            "2026-09-10 is a thursday, but sessions are on wednesdays",
        ),
        ("pre_call: 2026-08-26", "pre_call: 2026-09-16", "sprint.pre_call", "must come before the first session"),
        (
            "pre_call: 2026-08-26",
            "pre_call: 2026-08-26\n  skip_typo: 1",
            "sprint.skip_typo",
            "Extra inputs are not permitted",
        ),
        ("post_call: 2026-10-28", "post_call: 2026-10-21", "sprint.post_call", "must not come before the last session"),
        ("role: program lead", "role: coordinator", "team", "no program lead"),
        ("timezone: America/Chicago", "timezone: America/Riverton", "timezone", "unknown time zone 'America/Riverton'"),
        ("weekday: wednesday", "weekday: wednsday", "sprint.session.weekday", "Input should be 'monday'"),
        ('time: "15:00"', 'time: "3pm"', "sprint.session.time", 'write the time as "HH:MM"'),
        ("size: 20", "size: -3", "audiences[0].size", "greater than 0"),
        ("kind: civic group", "kind: church", "audiences[1].kind", "Input should be 'community organization'"),
        ("languages: [en, es]", "languages: [en, fr]", "languages[1]", "unknown language 'fr' (the kit has en, "),
    ],
)
def test_each_rule_names_the_field_and_its_line(old, new, field, message):
    text = SAMPLE.replace(old, new, 1)
    assert text != SAMPLE
    [problem] = problems(text)
    line = line_of(
        text,
        new.splitlines()[-1].split(":")[0].strip() if field.startswith("sprint.skip_") else new.splitlines()[0].strip(),
    )
    if field == "team":
        line = line_of(text, "team:")
    assert problem.startswith(f"spec.yaml:{line}: {field}: "), problem
    assert message in problem


def test_a_module_not_in_an_audiences_language_is_a_warning_and_left_out_of_its_bundle(project):
    syllabus = yaml.safe_load((REPO / "modules" / "syllabus.yaml").read_text())
    for module in syllabus["modules"]:
        if module["number"] == 3:
            module["languages"] = ["en"]
    (project / "modules").unlink()
    (project / "modules").mkdir()
    (project / "modules" / "syllabus.yaml").write_text(yaml.safe_dump(syllabus, allow_unicode=True))
    spec = check_spec(SAMPLE, "spec.yaml")  # valid: the plan can go ahead
    audience = spec.audiences[0]
    assert audience.language == "es"
    assert plan_warnings(spec) == [
        f"audiences[0] ({audience.id}): module 3 (03-issue-campaigns) not translated into 'es' yet: "
        "the audience's bundle leaves it out and the plan says so"
    ]
    bundle = bundle_specs(spec, load_syllabus())[audience.id]
    assert "03-issue-campaigns" not in [m["id"] for m in bundle["modules"]]
    assert all(m["notebook"].startswith("modules/es/") for m in bundle["modules"])
    assert bundle["not_translated"] == [
        {"number": 3, "id": "03-issue-campaigns", "title": "Data for issue organizing campaigns"}
    ]
    plan = render_plan(spec, load_syllabus(), "es")
    [line] = [x for x in plan.splitlines() if "Aún sin traducir" in x]
    assert "aún no está en español" in line and "3" in line
    assert "Not translated yet" in render_plan(spec, load_syllabus(), "en")


def test_a_planned_module_is_refused(project):
    syllabus = yaml.safe_load((REPO / "modules" / "syllabus.yaml").read_text())
    for module in syllabus["modules"]:
        if module["number"] == 6:
            module["status"] = "planned"
    (project / "modules").unlink()
    (project / "modules").mkdir()
    (project / "modules" / "syllabus.yaml").write_text(yaml.safe_dump(syllabus, allow_unicode=True))
    [problem] = problems(SAMPLE.replace("modules: [2]", "modules: [6]", 1))
    assert "topics[1].modules[0]: module 6 (06-next-top-model) is planned but not written yet" in problem


def test_modules_that_do_not_fit_the_sessions_are_named_never_cut_short():
    more = SAMPLE.replace("modules: [2]", "modules: [2, 6, 7, 8]", 1)
    [problem] = problems(more)
    assert f"spec.yaml:{line_of(more, 'weeks: 7')}: sprint.weeks: " in problem
    # 7 sessions of 2 hours hold 775 minutes after the orientation and the showcase; modules 1, 2, 3,
    # 6, 7 and 8 need 885: the last 110, in syllabus order, are named
    assert "110 minutes of class time are left over" in problem
    assert "(module 7 (supplement-a-experiments): 5 min, module 8 (supplement-b-digital-safety): 105 min)" in problem
    spec = check_spec(more.replace("weeks: 7", "weeks: 8", 1).replace("post_call: 2026-10-28", "post_call: 2026-11-04"))
    assert [m.number for m in plan_modules(spec, load_syllabus())] == [1, 2, 3, 6, 7, 8]


def test_every_mistake_is_reported_at_once_in_line_order():
    text = (
        SAMPLE.replace("timezone: America/Chicago", "timezone: Mars/Base")
        .replace("modules: [1, 3]", "modules: [1, 42]")
        .replace("weekday: wednesday", "weekday: someday")
        .replace("pre_call: 2026-08-26", "pre_call: 2026-12-01")
    )
    found = problems(text)
    fields = [re.match(r"spec\.yaml:(\d+): (\S+):", p).group(2) for p in found]
    assert fields == ["timezone", "topics[0].modules[1]", "sprint.session.weekday", "sprint.pre_call"]
    lines = [int(re.match(r"spec\.yaml:(\d+):", p).group(1)) for p in found]
    assert lines == sorted(lines)


def test_not_yaml_and_not_a_mapping():
    assert problems("city: [unclosed")[0].startswith("spec.yaml:1: not valid YAML")
    assert "must be a mapping" in problems("- just\n- a list\n")[0]


def test_the_cli_exits_non_zero_and_writes_nothing(tmp_path):
    from typer.testing import CliRunner

    from kit.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text(SAMPLE.replace("modules: [1, 3]", "modules: [1, 9]"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["plan", "build", str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert "topics[0].modules[1]: unknown module 9" in result.output
    assert not out.exists()
    result = CliRunner().invoke(app, ["plan", "validate", str(bad)])
    assert result.exit_code == 1 and f"{bad}:" in result.output


def test_init_writes_a_starter_that_validates_and_never_overwrites(tmp_path):
    from typer.testing import CliRunner

    from kit.cli import app

    target = tmp_path / "plan.yaml"
    assert CliRunner().invoke(app, ["plan", "init", str(target)]).exit_code == 0
    assert "# " in target.read_text() and check_spec(target.read_text()).city == "Your City"
    again = CliRunner().invoke(app, ["plan", "init", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output
    shutil.copy(target, tmp_path / "copy.yaml")
