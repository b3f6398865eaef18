"""Autograding submissions: in parallel, sandboxed, exactly as nbgrader scores them, resumable.

:func:`autograde` grades each learner with nbgrader's own ``Autograde``
converter (:class:`kit.grading.converter.SandboxedAutograde`), in-process, so
the gradebook, formgrader, manual grading and feedback work unchanged — but the
learner's notebook runs in :class:`kit.grading.sandbox.Sandbox`, a fresh,
isolated, limited process per notebook, forked from a pre-warmed server (what
it protects: see README, "The grading sandbox").

Learners are graded ``workers`` at a time. nbgrader's bookkeeping (cheap) is
done one learner at a time under a lock; the notebooks (slow) run at once.

A journal (:mod:`kit.grading.journal`) records each learner graded, with a
fingerprint of the submission. A run that is interrupted — Ctrl-C, ``kill -9`` —
loses nothing already graded: the next run skips learners done with an
unchanged submission and grades the rest (``force=True`` regrades everyone).

A submission that cannot be graded (broken JSON, no notebook, a crafted file
that makes a reader raise anything at all) gets a clear per-learner result, is
journaled so, and the run goes on; only a failure of the whole sandbox, Ctrl-C
or ``SystemExit`` stops it.

**Fail closed.** The sandbox probes which protections this machine allows as
it starts, before anyone is graded: when any is missing, :func:`autograde`
raises :class:`~kit.errors.IsolationUnavailableError` (what is missing, how to
turn it on) and grades nobody — unless the caller passes
``allow_unisolated=True`` (``kit grade autograde --allow-unisolated``); the
course config cannot turn this check off.

``engine="nbgrader"`` grades as plain ``nbgrader autograde`` does, one learner
at a time with a local kernel and no journal: the reference the kit's engine is
tested against (:mod:`kit.grading.engines` holds both engines, by name). It has
no sandbox at all, so it too needs ``allow_unisolated=True``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from nbgrader.api import MissingEntry

import kit.paths
from kit.errors import GradingError, IsolationUnavailableError
from kit.grading.converter import GradingSession, SandboxedAutograde, sandbox_settings
from kit.grading.course import Course
from kit.grading.course_datasets import course_datasets
from kit.grading.engines import AutogradeOptions, get_engine
from kit.grading.journal import Journal, fingerprint
from kit.grading.nbgrader_internals import autograde_learner, check_nbgrader_version, shared_gradebook_engines
from kit.grading.nbgrader_result import first_problem
from kit.grading.sandbox.errors import SandboxError
from kit.paths import bundled_dir, checkout_root, project_root

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

    from kit.grading.sandbox import Limits, Sandbox
    from kit.grading.sandbox.protections import Shortfall

__all__ = [
    "AutogradeRun",
    "LearnerResult",
    "autograde",
    "check_submission",
    "default_workers",
    "grade_in_sandbox",
    "grade_with_nbgrader",
    "hidden_paths",
    "kit_sources",
    "refuse_unisolated",
    "sandboxes_kept",
    "submission_score",
]

Progress = Callable[["AutogradeRun", "LearnerResult | None"], None]
NBGRADER_UNISOLATED = (
    "the nbgrader engine has no sandbox: learners' code runs with the grader's own rights, without isolation or limits"
)


@dataclass(frozen=True)
class LearnerResult:
    """The outcome of grading one learner's submission.

    Attributes
    ----------
    graded
        Whether the submission's scores are in the gradebook.
    problem
        Why it could not be graded (``graded`` is False), in one line.
    status
        How the notebook ran in the sandbox: ``"ok"``, ``"timeout"`` or
        ``"died"`` (None with ``engine="nbgrader"`` or when nothing ran).
    message
        What a trainer should know about a graded submission, e.g. ``cell
        test-x timed out`` or ``restored 1 deleted test cell (test-x)``.
    seconds
        Time spent running the learner's notebooks.
    """

    learner: str
    graded: bool
    score: float | None = None
    max_score: float | None = None
    problem: str | None = None
    status: str | None = None
    message: str | None = None
    seconds: float | None = None


@dataclass
class AutogradeRun:
    """One autograding run: a result per learner graded, and who was skipped.

    Iterating over a run gives its :attr:`results`.
    """

    assignment: str
    engine: str
    results: list[LearnerResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already graded, submission unchanged
    total: int = 0  # learners this run grades (skipped ones left out)
    protections_off: list[str] = field(default_factory=list)
    workers: int = 1
    seconds: float = 0.0
    bookkeeping_seconds: float = 0.0  # nbgrader's bookkeeping (gradebook, files), done one learner at a time

    def __iter__(self) -> Iterator[LearnerResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def failed(self) -> list[LearnerResult]:
        return [r for r in self.results if not r.graded]


def check_submission(course: Course, assignment: str, learner: str) -> str | None:
    """A one-line description of what is wrong with a submission, or None.

    Raises whatever reading a crafted file raises beyond the usual (the
    autograder turns that into this learner's problem too).
    """
    folder = course.step_dir("submitted", learner, assignment)
    odd = _odd_file(folder)
    if odd is not None:
        return odd
    expected = [p.name for p in course.source_notebooks(assignment)]
    found = sorted(p.name for p in folder.glob("*.ipynb"))
    if not found:
        return f"no notebook in the submission (expected {', '.join(expected)})"
    missing = [name for name in expected if name not in found]
    if missing:
        return f"notebook {missing[0]} is missing (found {', '.join(found)}); was it renamed?"
    for name in expected:
        problem = _notebook_problem(folder / name)
        if problem is not None:
            return problem
    return None


def _odd_file(folder: Path) -> str | None:
    """A symbolic link or special file (FIFO, device, socket) in the submission, described, or None."""
    # nbgrader copies a submission's files by following links: a link to the
    # gradebook would become a copy of it, next to the learner's notebook; and
    # reading a FIFO or a device never ends
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            return f"the submission contains a symbolic link ({name}); submit files, not links"
        if not (path.is_file() or path.is_dir()):
            return f"the submission contains a special file ({name}); submit files only"
    return None


def _notebook_problem(path: Path) -> str | None:
    name = path.name
    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        return f"{name} is not a readable notebook (broken JSON: {str(exc).splitlines()[0][:120]})"
    except UnicodeDecodeError:
        return f"{name} is not a readable notebook (not UTF-8 text)"
    except nbformat.ValidationError as exc:
        return f"{name} is not a valid notebook ({exc.message[:120]})"
    except RecursionError:
        return f"the notebook {name} could not be read: nested too deeply (RecursionError)"
    return None


def _describe(exc: BaseException) -> str:
    """``exc`` in one short line, naming its type: ``"disk full (OSError)"``."""
    lines = str(exc).strip().splitlines()
    text = lines[0][:120] if lines else ""
    return f"{text} ({type(exc).__name__})" if text else type(exc).__name__


def submission_score(course: Course, assignment: str, learner: str) -> tuple[float, float] | None:
    with course.gradebook() as gb:
        try:
            submission = gb.find_submission(assignment, learner)
        except MissingEntry:
            return None
        return submission.score, submission.max_score


def default_workers() -> int:
    """One worker per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def hidden_paths(course: Course) -> list[Path]:
    """Everything a learner's notebook must not see: the course, its sources and nbgrader's caches.

    The course folder (gradebook, release, every learner's submission and
    autograded notebooks), the source notebooks (solutions, hidden tests), the
    gradebook wherever it is, nbgrader's exchange and cache, the project's course
    and exercises (:mod:`kit.paths`: ``KIT_HOME``'s, when it is set), — when the
    kit runs from a checkout while ``KIT_HOME`` points elsewhere — the checkout's own, and
    the exercise sources a wheel carries inside the ``kit`` package (``kit/_bundled/exercises``).
    """
    from nbgrader.exchange.default.exchange import Exchange

    paths = [course.root, course.source_root]
    db_url = course.coursedir.db_url
    if db_url.startswith("sqlite:///"):
        db = Path(db_url.removeprefix("sqlite:///"))
        paths += [db, *(db.with_name(db.name + suffix) for suffix in ("-journal", "-wal", "-shm"))]
    exchange = Exchange(coursedir=course.coursedir, config=course.config)
    paths += [Path(exchange.root), Path(exchange.cache)]
    return _existing([*paths, *kit_sources()])


def kit_sources() -> list[Path]:
    """The kit's own course and exercise sources on this machine (solutions, hidden tests), wherever they are.

    ``KIT_HOME``'s course and exercises, the checkout's (when the kit runs from one), and the
    exercise sources a wheel carries inside the ``kit`` package: a grading machine hides
    them all, whichever course it grades (:mod:`kit.grading.cluster`'s workers too).
    """
    paths = []
    for root in (project_root(), checkout_root()):
        paths += [root / "grader", root / "exercises"]
    # installed from a wheel, the kit carries the exercise sources (solutions, hidden tests) inside
    # its package, which notebooks import from: cover them wherever the package is
    paths += [bundled_dir("exercises"), Path(kit.paths.__file__).resolve().parent / "_bundled" / "exercises"]
    return _existing(paths)


def _existing(paths: list[Path]) -> list[Path]:
    """``paths`` resolved, those that exist, each once, never the root."""
    unique: dict[Path, None] = {}
    for path in paths:
        path = Path(os.path.realpath(path))
        if path.exists() and path != Path("/"):
            unique[path] = None
    return list(unique)


def autograde(
    course: Course,
    assignment: str,
    learners: list[str] | None = None,
    *,
    workers: int | None = None,
    force: bool = False,
    limits: Limits | dict | None = None,
    progress: Progress | None = None,
    engine: str = "kit",
    restore_tests: bool | None = None,
    allow_unisolated: bool = False,
    scheduler: str | None = None,
) -> AutogradeRun:
    """Autograde ``assignment`` for ``learners`` (default: everyone who submitted).

    Parameters
    ----------
    course
        The open course.
    assignment
        An assignment id; it must have been released.
    learners
        Learner ids to grade (default: every learner with a submission).
    workers
        Notebooks run at once (default: ``c.SandboxExecute.workers`` in the
        course config, or one per CPU core).
    force
        Grade again learners already graded with an unchanged submission.
    limits
        A :class:`kit.grading.sandbox.Limits`, or some of its fields as a dict,
        overriding the course config (``cell_seconds`` comes from ``ExecutePreprocessor
        .timeout``, the rest from ``c.SandboxExecute.*``).
    progress
        ``progress(run, result)``: called with ``result=None`` when grading
        starts (``run.total``, ``run.skipped`` and ``run.protections_off`` are
        known then), then with each learner's result as soon as it is known
        (``run.results`` holds those so far), e.g. to drive a progress bar. An
        exception it raises (such as ``KeyboardInterrupt``) stops the run;
        learners graded so far keep their grades and journal entries.
    engine
        ``"kit"`` (sandboxed, parallel, resumable) or ``"nbgrader"`` (plain
        ``nbgrader autograde``, one learner at a time, always regrades).
    restore_tests
        Put back deleted locked and test cells (default: the course's
        ``c.SandboxedAutograde.restore_tests``, True). Only for ``engine="kit"``.
    allow_unisolated
        Grade even when the sandbox's isolation is incomplete on this machine
        (``run.protections_off`` then says what is missing), and allow
        ``engine="nbgrader"``, which has no sandbox. Without it (the default)
        either raises :class:`~kit.errors.IsolationUnavailableError` before
        anyone is graded. No course setting turns this on.
    scheduler
        The address of a dask.distributed scheduler (``tcp://host:8786``): the
        notebooks run on its workers, each in a sandbox of its own whose
        protections are checked before anyone is graded; the gradebook and the
        journal are written here (:mod:`kit.grading.cluster`). Only for
        ``engine="kit"``; ``workers`` is then the cluster's worker threads.

    Returns
    -------
    AutogradeRun
        ``results`` in the order of ``learners``, ``skipped`` learners, and the
        sandbox ``protections_off`` on this machine (empty unless ``allow_unisolated``).

    Raises
    ------
    kit.grading.engines.UnknownEngineError
        If no engine has that name.
    AssignmentError
        If the assignment is unknown or has not been released.
    kit.grading.sandbox.SandboxError
        If the sandbox cannot start (a :class:`~kit.errors.GradingError`).
    IsolationUnavailableError
        If a sandbox protection is unavailable here, or ``engine="nbgrader"``,
        and not ``allow_unisolated`` (nobody is graded; a :class:`~kit.errors.GradingError`).
    kit.grading.nbgrader_internals.UnsupportedNbgraderError
        If the installed nbgrader is not one the kit's engine supports.
    """
    grade = get_engine(engine)
    course.check_assignment(assignment)
    course.check_released(assignment)
    learners = list(learners) if learners is not None else course.submitted_learners(assignment)
    started = time.monotonic()
    run = AutogradeRun(assignment, engine)
    options = AutogradeOptions(
        workers=workers,
        force=force,
        limits=limits,
        progress=progress,
        restore_tests=restore_tests,
        allow_unisolated=allow_unisolated,
        scheduler=scheduler,
    )
    grade(course, run, learners, options)
    run.seconds = time.monotonic() - started
    return run


def grade_with_nbgrader(course: Course, run: AutogradeRun, learners: list[str], options: AutogradeOptions) -> None:
    """The ``nbgrader`` engine: nbgrader's own autograde, one learner after another, always regrading.

    It runs learners' code with the grader's rights, without any sandbox: only with
    ``options.allow_unisolated``, else :class:`~kit.errors.IsolationUnavailableError`.
    """
    if options.scheduler:
        raise GradingError(
            "the nbgrader engine grades on this machine only", hint="grade on a cluster with the kit's engine"
        )
    if not options.allow_unisolated:
        raise IsolationUnavailableError(
            "refusing to grade with the nbgrader engine: it runs learners' code with the grader's own rights, "
            "without any sandbox (no isolation, no limits); nobody was graded",
            problems=[NBGRADER_UNISOLATED],
            hint="grade with the kit's engine, or, to grade with nbgrader anyway: "
            "kit grade autograde --engine nbgrader --allow-unisolated",
        )
    assignment, progress = run.assignment, options.progress
    run.total = len(learners)
    run.protections_off = [NBGRADER_UNISOLATED]
    if progress:
        progress(run, None)
    journal = Journal.for_assignment(course.root, assignment)
    for learner in learners:
        problem, scores = _checked(course, assignment, learner), None
        if problem is None:
            journal.forget(learner)  # the kit's engine grades this learner again next time
            problem, scores = _grade_plainly(course, assignment, learner)
        if scores is not None:
            result = LearnerResult(learner, True, *scores)
        else:
            result = LearnerResult(learner, False, problem=problem)
        run.results.append(result)
        if progress:
            progress(run, result)


def _grade_plainly(course: Course, assignment: str, learner: str) -> tuple[str | None, tuple[float, float] | None]:
    """nbgrader's own autograde of one learner: ``(problem, None)`` or ``(None, (score, max_score))``."""
    try:
        outcome = course.api.autograde(assignment, learner, force=True, create=True)
        if not outcome.get("success"):
            return first_problem(outcome), None
        scores = submission_score(course, assignment, learner)
    except Exception as exc:  # this learner's problem only
        return f"grading failed: {_describe(exc)}", None
    return (None, scores) if scores is not None else ("nbgrader recorded no score", None)


def _checked(course: Course, assignment: str, learner: str) -> str | None:
    """:func:`check_submission`, with anything a crafted file makes it raise as the learner's problem."""
    try:
        return check_submission(course, assignment, learner)
    except Exception as exc:  # unreadable files, odd notebooks: this learner's problem only
        return f"the submission could not be read: {_describe(exc)}"


def grade_in_sandbox(course: Course, run: AutogradeRun, learners: list[str], options: AutogradeOptions) -> None:
    """The ``kit`` engine: nbgrader's pipeline, each notebook in the sandbox, several at once, resumable."""
    check_nbgrader_version()
    _KitRun(course, run.assignment, options).run(run, learners)


class _KitRun:
    """One run of the kit's engine: plan (journal), then grade in a pool around one sandbox."""

    def __init__(self, course: Course, assignment: str, options: AutogradeOptions):
        self.course = course
        self.assignment = assignment
        settings = sandbox_settings(course.config)
        limits = options.limits
        if limits is not None and not isinstance(limits, dict):
            limits = asdict(limits)  # a kit.grading.sandbox.Limits
        self.limits = {**settings.limits, **(limits or {})}
        self.workers = max(1, options.workers or settings.workers or default_workers())
        self.force = options.force
        self.progress = options.progress
        self.restore_tests = options.restore_tests
        self.allow_unisolated = options.allow_unisolated
        self.scheduler = options.scheduler
        self.journal = Journal.for_assignment(course.root, assignment)
        self.sources = course.source_notebooks(assignment)
        self.lock = _TimedLock()
        # the gradebook's test cells, read once per notebook for the whole run (see converter.find_tests)
        self.test_sources: dict = {}
        self.stopping = threading.Event()
        # set once the sandbox has started and its protections were accepted: no
        # learner's bookkeeping (gradebook, autograded/, journal) starts before
        self.cleared = threading.Event()

    def _restoring(self) -> bool:
        if self.restore_tests is not None:
            return self.restore_tests
        return SandboxedAutograde(config=self.course.config).restore_tests

    def run(self, run: AutogradeRun, learners: list[str]) -> None:
        """Grade ``learners`` into ``run``: those done with an unchanged submission are skipped."""
        restoring = self._restoring()
        run.workers = self.workers
        todo = self._plan(run, learners, settings=f"kit;restore_tests={restoring}")
        if not todo:
            if self.progress:
                self.progress(run, None)
            return
        run.total = len(todo)
        try:
            with shared_gradebook_engines():  # nbgrader's many gradebook opens compile their SQL once
                self._grade_all(run, todo, restoring)
        finally:
            run.bookkeeping_seconds = self.lock.held
        order = {learner: i for i, (learner, _) in enumerate(todo)}
        run.results.sort(key=lambda r: order[r.learner])

    def _plan(self, run: AutogradeRun, learners: list[str], settings: str) -> list[tuple[str, str]]:
        """``(learner, fingerprint)`` of each learner to grade; the others go to ``run.skipped``."""
        todo: list[tuple[str, str]] = []
        with self.course.gradebook() as gb:  # opened once for the plan, not once per learner
            for learner in learners:
                try:
                    folder = self.course.step_dir("submitted", learner, self.assignment)
                    fp = fingerprint(folder, self.sources, settings)
                except Exception as exc:  # an unreadable submission: checked (and refused) when graded
                    fp = f"unreadable: {type(exc).__name__}"
                if not self.force and self._still_graded(gb, learner, fp):
                    run.skipped.append(learner)
                else:
                    todo.append((learner, fp))
        return todo

    def _grade_all(self, run: AutogradeRun, todo: list[tuple[str, str]], restoring: bool) -> None:
        from kit.grading.sandbox.sandbox import grader_env

        hide = hidden_paths(self.course)
        with course_datasets(self.course.root, hide) as datasets:  # the course's own, never the kit's sample
            self._grade_in_sandbox(run, todo, restoring, hide, grader_env() | datasets)

    def _grade_in_sandbox(self, run, todo, restoring: bool, hide: list[Path], env: dict[str, str]) -> None:
        from kit.grading.sandbox import Limits, Sandbox

        # the sandbox's warm server takes seconds to start (it imports pandas,
        # geopandas…): start it alongside the first learners' bookkeeping
        starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kit-sandbox-start")
        key = (self.workers, tuple(sorted(self.limits.items())), tuple(map(str, hide)), tuple(sorted(env.items())))
        if self.scheduler:
            cluster = self._cluster_sandbox(Limits(**self.limits), hide, env)  # its workers start theirs meanwhile
            key, starting = None, starter.submit(lambda: cluster)
        else:
            start = functools.partial(Sandbox, workers=self.workers, limits=Limits(**self.limits), hide=hide, env=env)
            starting = starter.submit(_KEPT.take, key, start)
        failed = True
        # twice as many learners in progress as notebooks running: while `workers`
        # notebooks run, the next learners' bookkeeping is done and they wait,
        # ready, for a free slot (the sandbox runs at most `workers` at once)
        pool = ThreadPoolExecutor(max_workers=2 * self.workers, thread_name_prefix="kit-autograde")
        try:
            futures = [pool.submit(self._grade, starting, learner, fp, restoring) for learner, fp in todo]
            self._accept(run, starting.result())
            if self.progress:
                self.progress(run, None)
            self.cleared.set()
            for future in as_completed(futures):
                result = future.result()
                if result is not None:
                    run.results.append(result)
                    if self.progress:
                        self.progress(run, result)
            failed = False
        except BaseException:
            # stop: no new learner starts; notebooks still running are killed
            # when the sandbox closes, and their learners stay "started" in the
            # journal (graded again next run)
            self.stopping.set()
            self.cleared.set()  # learners waiting for the sandbox see the run is stopping
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            starter.shutdown(wait=True)  # a sandbox still starting is waited for, then closed (or kept)
            if starting.exception() is None:
                _KEPT.give_back(key, starting.result(), close=failed)
            pool.shutdown(wait=True)

    def _cluster_sandbox(self, limits: Limits, hide: list[Path], env: dict[str, str]):
        """The sandbox on the cluster's workers; ``self.workers`` becomes the cluster's worker threads."""
        from kit.grading.cluster import ClusterSandbox

        allow = self.allow_unisolated
        cluster = ClusterSandbox(self.scheduler, limits=limits, hide=hide, env=env, allow_unisolated=allow)
        self.workers = cluster.workers
        return cluster

    def _accept(self, run: AutogradeRun, sandbox: Sandbox) -> None:
        """Fail closed: refuse to grade anyone while a protection is missing (on any worker), unless allowed."""
        found = sandbox.shortfalls()
        run.workers = self.workers
        run.protections_off = [shortfall.line() for shortfall in found]
        if found and not self.allow_unisolated:
            raise refuse_unisolated(found)

    def _still_graded(self, gb: Gradebook, learner: str, fp: str) -> bool:
        """Done per the journal, and its grades (in ``gb``) and autograded notebooks are still there."""
        entry = self.journal.get(learner)
        if entry is None or not entry.graded or not self.journal.is_done(learner, fp):
            return False
        folder = self.course.step_dir("autograded", learner, self.assignment)
        if not all((folder / source.name).is_file() for source in self.sources):
            return False
        try:
            gb.find_submission(self.assignment, learner)
        except MissingEntry:
            return False
        return True

    def _grade(self, sandbox: Future, learner: str, fp: str, restoring: bool) -> LearnerResult | None:
        """Grade one learner (in a pool thread); None when the run is being stopped.

        Whatever goes wrong with this one learner makes them "not graded" (and
        journaled so); only a failure of the whole sandbox stops the run.
        """
        if self.stopping.is_set():
            return None
        problem = _checked(self.course, self.assignment, learner)  # reads only: while the sandbox starts
        self.cleared.wait()
        with self.lock:
            if self.stopping.is_set():
                return None
            if problem is not None:
                return self._refuse(learner, fp, problem)
            try:
                self.journal.start(learner, fp)
                session = GradingSession(
                    sandbox=sandbox, lock=self.lock, stopping=self.stopping, test_sources=self.test_sources
                )
                outcome = self._convert(session, learner, restoring)
                if self.stopping.is_set():
                    return None  # interrupted: left "started", graded again next run
                return self._record(learner, fp, session, outcome)
            except SandboxError:
                raise  # the sandbox itself failed: nobody else can be graded either
            except Exception as exc:
                if self.stopping.is_set():
                    return None
                return self._refuse(learner, fp, f"grading failed: {_describe(exc)}")

    def _refuse(self, learner: str, fp: str, problem: str) -> LearnerResult:
        """``learner`` is not graded, for ``problem``: journaled, so a rerun checks them again."""
        self.journal.finish(learner, fp, graded=False, problem=problem)
        return LearnerResult(learner, False, problem=problem)

    def _convert(self, session: GradingSession, learner: str, restoring: bool) -> dict:
        """nbgrader's autograde of one learner with :class:`SandboxedAutograde` (under the lock)."""
        config = self.course.config
        log = logging.Logger(f"kit.autograde.{learner}", logging.INFO)

        def make_converter(coursedir) -> SandboxedAutograde:
            converter = SandboxedAutograde(coursedir=coursedir, session=session, config=config, log=log)
            converter.restore_tests = restoring
            return converter

        return autograde_learner(make_converter, config, self.assignment, learner)

    def _record(self, learner: str, fp: str, session: GradingSession, outcome: dict) -> LearnerResult:
        """The learner's result from nbgrader's outcome and the sandbox's runs, written to the journal."""
        seconds = sum(r.seconds for r in session.runs) if session.runs else None
        status = _worst_status(session)
        message = _message(session, len(self.sources))
        if not outcome.get("success"):
            problem = first_problem(outcome)
            if message:
                problem = f"{problem} ({message})"
            self.journal.finish(learner, fp, graded=False, problem=problem, status=status, message=message)
            return LearnerResult(learner, False, problem=problem, status=status, message=message, seconds=seconds)
        score, max_score = submission_score(self.course, self.assignment, learner) or (None, None)
        self.journal.finish(learner, fp, graded=True, score=score, max_score=max_score, status=status, message=message)
        return LearnerResult(learner, True, score, max_score, status=status, message=message, seconds=seconds)


class _KeptSandboxes:
    """The warm sandboxes kept between runs inside :func:`sandboxes_kept` blocks, by their settings."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.sandboxes: dict = {}

    def take(self, key, start: Callable[[], Sandbox]) -> Sandbox:
        """The sandbox kept for ``key``, else a new one from ``start()``."""
        with self.lock:
            kept = self.sandboxes.pop(key, None) if self.depth else None
        return kept if kept is not None else start()

    def give_back(self, key, sandbox, *, close: bool) -> None:
        """Keep ``sandbox`` for the next run with its settings while a block is open, else close it;
        a run that stopped on an error (``close``) never leaves its sandbox to the next."""
        with self.lock:
            keep = self.depth > 0 and key is not None and not close and key not in self.sandboxes
            if keep:
                self.sandboxes[key] = sandbox
        if not keep:
            sandbox.close()

    @contextlib.contextmanager
    def kept(self) -> Iterator[None]:
        with self.lock:
            self.depth += 1
        try:
            yield
        finally:
            with self.lock:
                self.depth -= 1
                closing = list(self.sandboxes.values()) if self.depth == 0 else []
                if self.depth == 0:
                    self.sandboxes = {}
        for sandbox in closing:
            sandbox.close()


_KEPT = _KeptSandboxes()


def sandboxes_kept() -> contextlib.AbstractContextManager[None]:
    """Within this block, a run's warm sandbox is kept for the next run with the same settings (the same
    course, limits and workers), instead of each run starting its own (seconds: pandas, geopandas…);
    they are closed when the block ends. The main job grades eight assignments of one course in one."""
    return _KEPT.kept()


class _TimedLock:
    """A lock that adds up how long it was held: the run's one-writer bookkeeping time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since = 0.0
        self.held = 0.0

    def acquire(self) -> bool:
        self._lock.acquire()
        self._since = time.perf_counter()
        return True

    def release(self) -> None:
        self.held += time.perf_counter() - self._since
        self._lock.release()

    def __enter__(self) -> _TimedLock:
        self.acquire()
        return self

    def __exit__(self, *_) -> None:
        self.release()


def refuse_unisolated(found: list[Shortfall]) -> IsolationUnavailableError:
    """The error that stops a run before anyone is graded: what is missing, the fixes, the override."""
    names = ", ".join(shortfall.name for shortfall in found if shortfall.fix)
    fixes = "; ".join(dict.fromkeys(shortfall.fix for shortfall in found if shortfall.fix))
    return IsolationUnavailableError(
        f"refusing to grade: the sandbox is incomplete on this machine (missing: {names}); nobody was graded",
        problems=[shortfall.line() for shortfall in found],
        hint=f"to fix it: {fixes}; or, to grade anyway without it: kit grade autograde --allow-unisolated",
    )


_SEVERITY = {"ok": 0, "timeout": 1, "died": 2}


def _worst_status(session: GradingSession) -> str | None:
    if not session.runs:
        return None
    return max((r.status for r in session.runs), key=lambda s: _SEVERITY.get(s, 3))


def _message(session: GradingSession, notebooks: int) -> str | None:
    parts = []
    for run in session.runs:
        if run.status != "ok" or run.message:
            text = run.message or ("ran out of time" if run.status == "timeout" else "its process died")
            parts.append(f"{run.notebook}: {text}" if notebooks > 1 else text)
    for notebook, note in session.notes:
        parts.append(f"{notebook}: {note}" if notebooks > 1 else note)
    for notebook, cells in session.restored.items():
        noun = "test cell" if len(cells) == 1 else "test cells"
        text = f"restored {len(cells)} deleted {noun} ({', '.join(cells)})"
        parts.append(f"{notebook}: {text}" if notebooks > 1 else text)
    return "; ".join(parts) or None
