"""nbgrader preprocessors the kit adds to the course.

``HideHiddenTests`` runs in ``GenerateFeedback`` (configured in
``grader/nbgrader_config.py``, so formgrader's feedback button uses it too).
nbgrader's feedback renders the *autograded* notebook, whose test cells were
restored from the source with their hidden tests; and an IPython traceback
quotes the failing line. This step removes hidden-test regions from test cells
and cuts each test cell's error output to ``ename: evalue`` — the message the
test's author wrote for the learner.

``ClearSolutionsInLanguage`` runs in ``GenerateAssignment`` in place of nbgrader's
``ClearSolutions``: the same step, but the stub a learner finds in an answer cell is in
the notebook's language (``# ESCRIBE TU CÓDIGO AQUÍ`` in a Spanish exercise), from the
language's catalog ``kit/grading/messages/<lang>.yaml`` (``stub.code``, ``stub.text``).

The steps that keep a learner's HTML from running in the trainer's (or a
learner's) browser, for formgrader and feedback alike, are in
:mod:`kit.grading.sanitize`.
"""

from __future__ import annotations

import re
from pathlib import Path

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from traitlets import Dict, default

from kit.languages import REFERENCE, available_languages
from kit.pages import read_catalog

MESSAGES_DIR = Path(__file__).with_name("messages")  # stub.* in each language's catalog


class HideHiddenTests(ClearHiddenTests):
    """Strip hidden tests and test tracebacks from notebooks shown to learners."""

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    evalue = output.get("evalue", "")
                    output["traceback"] = [
                        f"{output.get('ename', 'Error')}: {evalue}" if evalue else output.get("ename", "Error")
                    ]
        return cell, resources


class ClearSolutionsInLanguage(ClearSolutions):
    """nbgrader's ``ClearSolutions``, with the stubs in the notebook's language.

    nbgrader has one ``code_stub`` (per programming language) and one ``text_stub``
    for the whole course. This step picks them per notebook: its language is the
    notebook's ``metadata.kit.language``, else the suffix of the assignment id or
    notebook name (``03-issue-campaigns-es``), else English. A language missing from
    ``code_stubs`` / ``text_stubs`` gets nbgrader's own stubs (``ClearSolutions.code_stub``,
    ``ClearSolutions.text_stub``), English by default. Configured in
    ``nbgrader_config.py``::

        c.GenerateAssignment.preprocessors = generate_assignment_steps()
        c.ClearSolutionsInLanguage.text_stubs = {"es": "ESCRIBE TU RESPUESTA AQUÍ"}
    """

    code_stubs = Dict(
        help="Per language of the notebook: the code stubs (per programming language, as ClearSolutions.code_stub); "
        "default: each language's catalog."
    ).tag(config=True)
    text_stubs = Dict(
        help="Per language of the notebook: the text stub of written answers; default: each language's catalog."
    ).tag(config=True)

    @default("code_stubs")
    def _catalog_code_stubs(self) -> dict:
        return {lang: {"python": stub_text(lang, "code")} for lang in available_languages() if lang != REFERENCE}

    @default("text_stubs")
    def _catalog_text_stubs(self) -> dict:
        return {lang: stub_text(lang, "text") for lang in available_languages() if lang != REFERENCE}

    def preprocess(self, nb, resources):
        language = notebook_language(nb, resources)
        saved = (self.code_stub, self.text_stub)
        self.code_stub = {**self.code_stub, **self.code_stubs.get(language, {})}
        self.text_stub = self.text_stubs.get(language, self.text_stub)
        try:
            return super().preprocess(nb, resources)
        finally:
            self.code_stub, self.text_stub = saved


def stub_text(lang: str, kind: str) -> str:
    """The ``kind`` (``code`` or ``text``) answer stub in ``lang``, from its catalog."""
    return read_catalog(MESSAGES_DIR, lang)[f"stub.{kind}"]


_LANGUAGE_SUFFIX = re.compile(r"-([a-z]{2})$")


def notebook_language(nb, resources) -> str:
    """A notebook's human language: ``metadata.kit.language``, else the ``-xx`` suffix of its
    assignment or name, else English (:data:`kit.languages.REFERENCE`)."""
    declared = nb.metadata.get("kit", {}).get("language")
    if isinstance(declared, str) and declared:
        return declared
    nbgrader = resources.get("nbgrader", {})
    for name in (nbgrader.get("assignment"), nbgrader.get("notebook"), resources.get("unique_key")):
        match = _LANGUAGE_SUFFIX.search(name or "")
        if match:
            return match.group(1)
    return REFERENCE


def generate_assignment_steps(steps: list | None = None) -> list:
    """``GenerateAssignment``'s steps (nbgrader's by default) with ``ClearSolutions`` swapped for
    :class:`ClearSolutionsInLanguage`, in the same place (the order matters to nbgrader)."""
    if steps is None:
        from nbgrader.converters import GenerateAssignment

        steps = list(GenerateAssignment.class_traits()["preprocessors"].make_dynamic_default())
    return [ClearSolutionsInLanguage if pp is ClearSolutions else pp for pp in steps]
