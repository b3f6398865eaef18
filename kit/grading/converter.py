"""nbgrader's ``Autograde`` converter, with learners' code run in the kit's sandbox.

:class:`SandboxedAutograde` *is* nbgrader's ``Autograde``: the same
``init_assignment`` (student, submission timestamp, files copied from the
source, zero for a missing notebook), the same sanitize steps (``OverwriteCells``
puts edited test cells back), the same ``LimitOutput``, ``SaveAutoGrades`` and
``AssignLatePenalties``, writing ``autograded/`` as nbgrader does — so the
gradebook, formgrader, manual grading and feedback work unchanged. Two steps
differ:

- ``Execute`` (a local kernel that can read the whole disk) is replaced by
  :class:`SandboxExecute`, which sends the sanitized notebook and the files the
  learner was given to :class:`kit.grading.sandbox.Sandbox` and copies back
  outputs and execution counts;
- :class:`RestoreDeletedCells`, after ``OverwriteCells``, puts back locked and
  test cells that a learner deleted (nbgrader alone would give such a test
  neither a run nor points). It is on by default; ``c.SandboxedAutograde
  .restore_tests = False`` turns it off.

Several learners are graded at once, one converter per learner and thread
(:class:`kit.grading.nbgrader_internals.ThreadSafeAutograde` holds what that
takes of nbgrader's internals). nbgrader's bookkeeping (gradebook, files) is not
thread-safe, so a :class:`GradingSession` holds a lock for the whole conversion
except while its notebook runs in the sandbox: bookkeeping is sequential,
execution overlaps.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells
from traitlets import Bool, Integer, Unicode
from traitlets.config import Config

from kit.grading.nbgrader_internals import ThreadSafeAutograde

__all__ = [
    "GradingSession",
    "NotebookRun",
    "RestoreDeletedCells",
    "SandboxExecute",
    "SandboxSettings",
    "SandboxedAutograde",
    "StopGrading",
    "sandbox_settings",
]


class StopGrading(Exception):
    """The run is being stopped (Ctrl-C, a signal): abandon this learner, record nothing."""


@dataclass
class NotebookRun:
    """How one notebook of a submission ran in the sandbox."""

    notebook: str
    status: str  # "ok" | "timeout" | "died"
    message: str | None
    seconds: float


@dataclass
class GradingSession:
    """What the grading of one learner shares with its preprocessors.

    Parameters
    ----------
    sandbox
        A :class:`~concurrent.futures.Future` of the run's
        :class:`kit.grading.sandbox.Sandbox` (it may still be starting).
    lock
        The run's bookkeeping lock, held by the caller while it converts; released
        while the notebook runs in the sandbox.
    stopping
        Set when the run is being stopped: a notebook that comes back from the
        sandbox after that is not graded.
    """

    sandbox: Future
    lock: threading.Lock
    stopping: threading.Event
    runs: list[NotebookRun] = field(default_factory=list)
    restored: dict[str, list[str]] = field(default_factory=dict)  # notebook -> grade ids put back
    notes: list[tuple[str, str]] = field(default_factory=list)  # (notebook, "test-x timed out")
    # (assignment, notebook) -> the gradebook's test cells' sources by grade id, shared by a run's learners
    test_sources: dict = field(default_factory=dict)

    def execute(self, nb: NotebookNode, folder: Path, name: str, tests: set[int] = frozenset()):
        """Run ``nb`` in the sandbox with a copy of ``folder``'s files (never its notebooks).

        ``tests``: indices of the test cells, run apart from the learner's code.
        """
        if self.stopping.is_set():
            raise StopGrading(name)
        self.lock.release()
        try:
            execution = self.sandbox.result().execute(nb, files=folder, leave_out=SANITIZED_NOTEBOOKS, tests=tests)
        finally:
            self.lock.acquire()
        if self.stopping.is_set():
            raise StopGrading(name)
        self.runs.append(NotebookRun(name, execution.status, execution.message, execution.seconds))
        return execution


# autograded/<learner>/<assignment>/ holds the learner's own files, the
# assignment's data files and — not for the learner's eyes — the sanitized
# notebooks, whose test cells carry the hidden tests. nbgrader never copies
# a notebook into this folder (it skips *.ipynb), so every notebook here is
# one of those: the sandbox leaves them all out.
SANITIZED_NOTEBOOKS = ("*.ipynb",)


LIMIT_ERRORS = {
    "CellTimeoutError": "timed out",
    "OutputLimitError": "printed more than the output limit",
    "MemoryError": "ran out of memory",
}


class SandboxExecute(NbGraderPreprocessor):
    """Run the notebook in the kit's sandbox; copy back outputs and execution counts.

    The sandbox limits (besides ``ExecutePreprocessor.timeout``, the time limit
    per cell, which nbgrader's own ``Execute`` uses too) are configured here, in
    ``nbgrader_config.py``: ``c.SandboxExecute.notebook_seconds = 300`` and so on.

    When a notebook's process dies or runs out of time, the sandbox keeps the
    outputs of the cells that finished and gives the cell that was running, and
    every later one, an error saying why (nbgrader would fail the whole
    submission instead): each test cell scores what it earned, or zero.

    Test cells never run in the learner's process: the sandbox's judge runs them
    (:mod:`kit.grading.sandbox.judge`). A test cell is one the gradebook knows
    as an autograder test of this notebook (a locked grade cell that is not a
    solution cell) whose source is the gradebook's (``OverwriteCells`` put it
    back; :class:`RestoreDeletedCells` may have added a first comment line):
    whatever metadata a learner gives a cell of their own, it runs as theirs.
    """

    notebook_seconds = Integer(300, help="Time limit for a whole notebook (seconds).").tag(config=True)
    memory_mb = Integer(3072, help="Memory limit of a notebook's process (MiB).").tag(config=True)
    output_bytes = Integer(1_000_000, help="Most output a notebook may print or display (bytes).").tag(config=True)
    processes = Integer(32, help="Most processes a notebook may run at once.").tag(config=True)
    file_mb = Integer(100, help="Largest file a notebook may write (MiB).").tag(config=True)
    tmp_files = Integer(10_000, help="Most files and folders a notebook's private /tmp may hold.").tag(config=True)
    workers = Integer(0, help="Notebooks run at once (0: one per CPU core).").tag(config=True)

    session: GradingSession | None = None  # set by SandboxedAutograde for each learner

    def preprocess(self, nb, resources):
        if self.session is None:
            raise RuntimeError("SandboxExecute runs only inside SandboxedAutograde")
        folder = Path(resources["metadata"]["path"])
        name = resources["nbgrader"]["notebook"]
        execution = self.session.execute(nb, folder, name, find_tests(nb, resources, self.session.test_sources))
        ran = execution.notebook
        if len(ran.cells) != len(nb.cells):
            raise RuntimeError(f"the sandbox returned {len(ran.cells)} cells for a notebook of {len(nb.cells)}")
        for index, (cell, done) in enumerate(zip(nb.cells, ran.cells)):
            if cell.cell_type == "code":
                cell.outputs = done.get("outputs", [])
                cell.execution_count = done.get("execution_count")
                self._note_limits(cell, index, name)
        return nb, resources

    def _note_limits(self, cell, index: int, notebook: str) -> None:
        # a cell stopped by a limit is worth a line in the learner's result
        enames = [str(o.get("ename")) for o in cell.outputs if o.get("output_type") == "error"]
        for ename, what in LIMIT_ERRORS.items():
            if any(e == ename or e.endswith("_" + ename) for e in enames):  # numpy's _ArrayMemoryError too
                label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"
                self.session.notes.append((notebook, f"{label} {what}"))


def _test_sources(db_url: str, assignment: str, notebook: str) -> dict[str, str]:
    """The gradebook's autograder tests of ``notebook``: grade id -> source."""
    with Gradebook(db_url) as gb:
        try:
            source_nb = gb.find_notebook(notebook, assignment)
        except MissingEntry:
            return {}
        solutions = {c.name for c in source_nb.solution_cells}
        graded = {c.name for c in source_nb.grade_cells} - solutions
        return {c.name: c.source for c in source_nb.source_cells if c.name in graded and c.locked}


def find_tests(nb: NotebookNode, resources, cache: dict | None = None) -> set[int]:
    """Indices of ``nb``'s test cells, as the gradebook knows them (see :class:`SandboxExecute`).

    ``cache`` keeps the gradebook's tests per notebook for a run (they do not change while it grades).
    """
    key = (resources["nbgrader"]["db_url"], resources["nbgrader"]["assignment"], resources["nbgrader"]["notebook"])
    cache = {} if cache is None else cache
    if key not in cache:
        cache[key] = _test_sources(*key)
    sources = cache[key]
    found = set()
    for index, cell in enumerate(nb.cells):
        source = sources.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if cell.cell_type != "code" or source is None:
            continue
        first, _, rest = cell.source.partition("\n")
        if cell.source == source or (first.startswith("#") and rest == source):
            found.add(index)
    return found


class RestoreDeletedCells(NbGraderPreprocessor):
    """Put back the locked and test cells a learner deleted, each where it stood in the source.

    nbgrader's ``OverwriteCells`` restores *edited* locked cells; a *deleted* test
    cell is simply not run, so its grade keeps whatever it had. This step
    inserts each missing cell (from the gradebook, as ``OverwriteCells`` would
    restore it, hidden tests included) right after the nearest cell before it
    in the source notebook that the submission still has, with a first line
    telling the learner what happened — the same convention as nbgrader's own
    ``OverwriteCells.add_missing_cells``. Deleted answer cells are not put back.
    """

    notification = Unicode(
        "This cell ({cell_id}) was missing from your submission; the autograder put it back.",
        help="First line of each restored cell (a comment in code cells).",
    ).tag(config=True)

    session: GradingSession | None = None
    source_dir: Path | None = None  # the assignment's source folder (set by SandboxedAutograde)

    def preprocess(self, nb, resources):
        notebook_id = resources["nbgrader"]["notebook"]
        assignment_id = resources["nbgrader"]["assignment"]
        with Gradebook(resources["nbgrader"]["db_url"]) as gb:
            try:
                source_nb = gb.find_notebook(notebook_id, assignment_id)
            except MissingEntry:
                return nb, resources
            points = {c.name: c.max_score for c in source_nb.grade_cells}
            solutions = {c.name for c in source_nb.solution_cells}
            cells = {c.name: (c.cell_type, c.source, c.locked, c.checksum) for c in source_nb.source_cells}
        order = self._source_order(notebook_id) or list(cells)
        present = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
        present_set = {p for p in present if p}
        restored = []
        for index, grade_id in enumerate(order):
            if grade_id in present_set or grade_id not in cells or grade_id in solutions:
                continue
            cell_type, source, locked, checksum = cells[grade_id]
            if not (locked or grade_id in points):
                continue
            cell = self._make_cell(grade_id, cell_type, source, locked, checksum, points.get(grade_id))
            before = next((p for p in reversed(order[:index]) if p in present_set), None)
            position = present.index(before) + 1 if before is not None else 0
            if nb.nbformat_minor < 5:
                cell.pop("id", None)
            nb.cells.insert(position, cell)
            present.insert(position, grade_id)
            present_set.add(grade_id)
            if grade_id in points:
                restored.append(grade_id)
        if restored and self.session is not None:
            self.session.restored.setdefault(notebook_id, []).extend(restored)
        return nb, resources

    def _source_order(self, notebook_id: str) -> list[str]:
        # the source notebook's order; the gradebook's, if the source is gone
        path = self.source_dir / f"{notebook_id}.ipynb" if self.source_dir is not None else None
        if path is None or not path.is_file():
            return []
        source = nbformat.read(path, as_version=4)
        return [
            c.metadata["nbgrader"]["grade_id"] for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id")
        ]

    def _make_cell(self, grade_id, cell_type, source, locked, checksum, points) -> NotebookNode:
        note = self.notification.format(cell_id=grade_id)
        meta = {
            "grade": points is not None,
            "grade_id": grade_id,
            "locked": locked,
            "solution": False,
            "checksum": checksum,
            "schema_version": 3,
        }
        if points is not None:
            meta["points"] = points
        if cell_type == "code":
            cell = nbformat.v4.new_code_cell(f"# {note}\n{source}")
        else:
            cell = nbformat.v4.new_markdown_cell(f"*{note}*\n\n{source}")
        cell.metadata.update({"deletable": False, "editable": False, "nbgrader": meta})
        cell["id"] = grade_id[:64]  # valid and stable (nbformat 4.5 cell ids); dropped again for older notebooks
        return MetadataValidator().upgrade_cell_metadata(cell)


class SandboxedAutograde(ThreadSafeAutograde):
    """nbgrader's ``Autograde`` with :class:`SandboxExecute` in place of ``Execute``.

    Parameters
    ----------
    coursedir
        A :class:`~nbgrader.coursedir.CourseDirectory` of its own (nbgrader sets
        the assignment and learner on it).
    session
        The learner's :class:`GradingSession`.
    """

    restore_tests = Bool(
        True, help="Put back locked and test cells a learner deleted (see kit.grading.converter.RestoreDeletedCells)."
    ).tag(config=True)

    def __init__(self, coursedir=None, session: GradingSession | None = None, **kwargs):
        super().__init__(coursedir=coursedir, **kwargs)
        self.session = session

    def choose_preprocessors(self, steps: list[type], *, sanitizing: bool) -> list[type]:
        if sanitizing:
            if self.restore_tests:
                # after OverwriteCells, which would otherwise "restore" the
                # learner's note out of the cell it was added to
                at = next((i + 1 for i, pp in enumerate(steps) if issubclass(pp, OverwriteCells)), len(steps))
                steps.insert(at, RestoreDeletedCells)
            return steps
        # any executing step a course configured is swapped too: no learner
        # code ever runs outside the sandbox
        return [SandboxExecute if _is_execute(pp) else pp for pp in steps]

    def connect_preprocessor(self, preprocessor) -> None:
        if isinstance(preprocessor, (SandboxExecute, RestoreDeletedCells)):
            preprocessor.session = self.session
        if isinstance(preprocessor, RestoreDeletedCells):
            cd = self.coursedir
            preprocessor.source_dir = Path(cd.format_path(cd.source_directory, ".", cd.assignment_id))


def _is_execute(pp) -> bool:
    return isinstance(pp, type) and issubclass(pp, ExecutePreprocessor)


@dataclass(frozen=True)
class SandboxSettings:
    """The sandbox's settings in a course's config.

    Attributes
    ----------
    limits
        Keyword arguments of :class:`kit.grading.sandbox.Limits`.
    workers
        Notebooks run at once (0: one per CPU core).
    """

    limits: dict[str, float]
    workers: int


def sandbox_settings(config: Config) -> SandboxSettings:
    """The sandbox limits a course configures, and its ``workers``.

    ``cell_seconds`` is nbgrader's own per-cell timeout (``ExecutePreprocessor.timeout``
    or ``Execute.timeout``), read exactly as nbgrader's ``Execute`` reads it.
    """
    execute = SandboxExecute(config=config)
    cell = Execute(config=config).timeout
    limits = {
        "cell_seconds": cell if cell and cell > 0 else execute.notebook_seconds,
        "notebook_seconds": execute.notebook_seconds,
        "memory_mb": execute.memory_mb,
        "output_bytes": execute.output_bytes,
        "processes": execute.processes,
        "file_mb": execute.file_mb,
        "tmp_files": execute.tmp_files,
    }
    return SandboxSettings(limits=limits, workers=execute.workers)
