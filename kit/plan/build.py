"""Building a plan folder from a spec: every output, or nothing.

The spec is validated first; the files are then written into a temporary folder
next to the output and moved into place, so a failure never leaves a half-built
plan behind, and rebuilding replaces the previous build whole.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from kit.data.syllabus import load_syllabus
from kit.plan.calendar_file import write_calendar
from kit.plan.documents import write_documents
from kit.plan.gantt import write_gantt_png
from kit.plan.matrix import audience_matrix, bundle_specs, write_bundle_specs, write_matrix_csv
from kit.plan.validate import load_spec
from kit.plan.workplan import workplan_tasks, write_workplan_csv


def build_plan(spec_path: Path, output: Path) -> list[Path]:
    """Validate ``spec_path`` and write the whole plan into ``output``; return the files written."""
    spec = load_spec(spec_path)
    syllabus = load_syllabus()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".plan-", dir=output.parent) as tmp:
        work = Path(tmp) / "plan"
        work.mkdir()
        write_documents(spec, syllabus, work)
        write_calendar(spec, work / "schedule.ics")
        tasks = workplan_tasks(spec, syllabus)
        write_workplan_csv(tasks, work / "workplan.csv")
        write_gantt_png(tasks, work / "workplan.png", f"{spec.city} open-data training: workplan")
        write_matrix_csv(audience_matrix(spec, syllabus), work / "matrix.csv")
        write_bundle_specs(bundle_specs(spec, syllabus), work)
        if output.exists():
            shutil.rmtree(output)
        shutil.move(str(work), output)
    return sorted(p for p in output.rglob("*") if p.is_file())
