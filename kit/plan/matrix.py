"""Who takes what: the audience × module matrix and each audience's learner bundle.

Both read :mod:`kit.plan.curriculum`: an audience takes the modules of its
topics ("topic") and the prerequisites those need ("prerequisite"). A bundle
spec lists what one audience's learners get: the modules in their language,
with the notebook to open and the nbgrader assignment to fetch, and the
datasets.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from kit.data.syllabus import Module, Syllabus
from kit.plan.curriculum import datasets_for, modules_for, untranslated_for
from kit.plan.spec import PlanSpec

TOPIC, PREREQUISITE = "topic", "prerequisite"


def audience_matrix(spec: PlanSpec, syllabus: Syllabus) -> pd.DataFrame:
    """Rows: audience ids (spec order); columns: the module ids anyone takes (syllabus order).

    A cell is ``"topic"`` when one of the audience's topics asks for the module,
    ``"prerequisite"`` when it is only pulled in by another module, else ``""``.
    """
    cells = {
        a.id: {x.module.id: (PREREQUISITE if x.pulled_in else TOPIC) for x in modules_for(spec, a, syllabus)}
        for a in spec.audiences
    }
    taken = {module_id for row in cells.values() for module_id in row}
    columns = [m.id for m in syllabus.modules if m.id in taken]
    matrix = pd.DataFrame(
        [[cells[a.id].get(c, "") for c in columns] for a in spec.audiences],
        index=pd.Index([a.id for a in spec.audiences], name="audience"),
        columns=pd.Index(columns, name="module"),
        dtype=object,
    )
    return matrix


def write_matrix_csv(matrix: pd.DataFrame, path: Path) -> Path:
    """Write the matrix as CSV: an ``audience`` column, then one column per module id."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = matrix.to_csv(index=True, index_label="audience", lineterminator="\n")
    path.write_text(text, encoding="utf-8", newline="")
    return path


def notebook_path(module: Module, language: str) -> str:
    """The teaching notebook a learner opens: ``modules/<id>.ipynb``, or ``modules/<lang>/<id>.ipynb``."""
    return f"modules/{module.id}.ipynb" if language == "en" else f"modules/{language}/{module.id}.ipynb"


def _bundle_module(module: Module, lang: str, pulled_in: bool) -> dict:
    return {
        "number": module.number,
        "id": module.id,
        "title": module.title_in(lang),
        "notebook": notebook_path(module, lang),
        "assignment": module.assignment_for(lang),
        "pulled_in": pulled_in,
    }


def bundle_specs(spec: PlanSpec, syllabus: Syllabus) -> dict[str, dict]:
    """Each audience's learner bundle, by audience id: its modules in its language, the modules not
    translated into it yet (left out, by number, id and English title) and its datasets."""
    bundles: dict[str, dict] = {}
    for audience in spec.audiences:
        lang = audience.language
        untranslated = untranslated_for(spec, audience, syllabus)
        assigned = [x for x in modules_for(spec, audience, syllabus) if x.module not in untranslated]
        bundles[audience.id] = {
            "audience": audience.id,
            "name": audience.name,
            "language": lang,
            "size": audience.size,
            "modules": [_bundle_module(x.module, lang, x.pulled_in) for x in assigned],
            "datasets": datasets_for(spec, audience, syllabus),
        }
        if untranslated:
            bundles[audience.id]["not_translated"] = [
                {"number": m.number, "id": m.id, "title": m.title["en"]} for m in untranslated
            ]
    return bundles


def write_bundle_specs(bundles: dict[str, dict], directory: Path) -> list[Path]:
    """Write ``<directory>/bundles/<audience-id>.yaml`` for every bundle; return the paths, in order."""
    folder = Path(directory) / "bundles"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for audience_id, bundle in bundles.items():
        path = folder / f"{audience_id}.yaml"
        text = yaml.safe_dump(bundle, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
        path.write_text(text, encoding="utf-8", newline="")
        paths.append(path)
    return paths
