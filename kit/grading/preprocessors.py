"""nbgrader preprocessors the kit adds to the course.

``HideHiddenTests`` runs in ``GenerateFeedback`` (configured in
``grader/nbgrader_config.py``, so formgrader's feedback button uses it too).
nbgrader's feedback renders the *autograded* notebook, whose test cells were
restored from the source with their hidden tests; and an IPython traceback
quotes the failing line. This step removes hidden-test regions from test cells
and cuts each test cell's error output to ``ename: evalue`` — the message the
test's author wrote for the learner.

The steps that keep a learner's HTML from running in the trainer's (or a
learner's) browser, for formgrader and feedback alike, are in
:mod:`kit.grading.sanitize`.
"""

from __future__ import annotations

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests


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
