"""Building the sample city's plan: every output, byte-identical twice."""

from __future__ import annotations

from helpers import REPO
from typer.testing import CliRunner

from kit.cli import app

EXPECTED = [
    "bundles/city-311-team.yaml",
    "bundles/neighborhood-councils.yaml",
    "bundles/tenant-orgs.yaml",
    "matrix.csv",
    "plan.en.html",
    "plan.en.md",
    "plan.es.html",
    "plan.es.md",
    "schedule.ics",
    "workplan.csv",
    "workplan.png",
]


def build(out):
    result = CliRunner().invoke(app, ["plan", "build", str(REPO / "plans" / "riverton.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_sample_plan_builds_every_output_byte_identical_twice(tmp_path):
    first, second = build(tmp_path / "a"), build(tmp_path / "b")
    assert sorted(first) == EXPECTED
    assert first == second


def test_rebuilding_replaces_the_previous_build_whole(tmp_path):
    out = tmp_path / "plan"
    build(out)
    (out / "stale.txt").write_text("from an old build")
    assert "stale.txt" not in build(out)
