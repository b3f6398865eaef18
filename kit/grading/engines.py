"""The autograding engines, by name: one registry.

Modelled on papermill's engine registry (``papermill.engines``:
``PapermillEngines.register(name, engine)``, ``get_engine(name)``). An engine
grades a list of learners into an :class:`~kit.grading.autograde.AutogradeRun`;
:func:`kit.grading.autograde.autograde` picks one by name, and the CLI checks
``--engine`` against :func:`engine_names`.

- ``kit``: nbgrader's pipeline with each notebook in the sandbox, several at
  once, resumable (:func:`kit.grading.autograde.grade_in_sandbox`);
- ``nbgrader``: plain ``nbgrader autograde``, one learner at a time, always
  regrading (:func:`kit.grading.autograde.grade_with_nbgrader`), the reference
  the kit's engine is tested against.

Looking names up imports nothing heavy: the engines import nbgrader and the
sandbox only when they grade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kit.errors import KitError

if TYPE_CHECKING:
    from kit.grading.autograde import AutogradeRun, Progress
    from kit.grading.course import Course
    from kit.grading.sandbox import Limits

__all__ = [
    "ENGINES",
    "AutogradeOptions",
    "Engine",
    "GradingEngines",
    "UnknownEngineError",
    "engine_names",
    "get_engine",
]


@dataclass(frozen=True)
class AutogradeOptions:
    """What the caller of :func:`kit.grading.autograde.autograde` asked for (an engine
    uses what applies to it; see there)."""

    workers: int | None = None
    force: bool = False
    limits: Limits | dict | None = None
    progress: Progress | None = None
    restore_tests: bool | None = None
    allow_unisolated: bool = False
    scheduler: str | None = None


# grades `learners` of `run.assignment` into `run` (results, skipped, total…)
Engine = Callable[["Course", "AutogradeRun", list[str], AutogradeOptions], None]


class UnknownEngineError(KitError, ValueError):
    """No grading engine has this name."""

    def __init__(self, engine: str, names: list[str]):
        self.engine = engine
        self.names = names
        super().__init__(f"unknown grading engine '{engine}'", hint=f"use one of: {', '.join(names)}")


class GradingEngines:
    """The registry of grading engines, by name, in the order they were registered."""

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}

    def register(self, name: str, engine: Engine) -> None:
        """Make ``engine`` available as ``name`` (replacing an engine of that name)."""
        self._engines[name] = engine

    def get_engine(self, name: str) -> Engine:
        """The engine called ``name``; :class:`UnknownEngineError` (listing the names) if there is none."""
        try:
            return self._engines[name]
        except KeyError:
            raise UnknownEngineError(name, self.names()) from None

    def names(self) -> list[str]:
        return list(self._engines)


def _kit_engine(course: Course, run: AutogradeRun, learners: list[str], options: AutogradeOptions) -> None:
    from kit.grading.autograde import grade_in_sandbox

    grade_in_sandbox(course, run, learners, options)


def _nbgrader_engine(course: Course, run: AutogradeRun, learners: list[str], options: AutogradeOptions) -> None:
    from kit.grading.autograde import grade_with_nbgrader

    grade_with_nbgrader(course, run, learners, options)


ENGINES = GradingEngines()
ENGINES.register("kit", _kit_engine)
ENGINES.register("nbgrader", _nbgrader_engine)


def engine_names() -> list[str]:
    """The names of the grading engines: ``["kit", "nbgrader"]``."""
    return ENGINES.names()


def get_engine(name: str) -> Engine:
    """The grading engine called ``name`` (see :meth:`GradingEngines.get_engine`)."""
    return ENGINES.get_engine(name)
