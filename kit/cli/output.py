"""Console output shared by the CLI commands, and the one place errors become exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from kit.errors import KitError

if TYPE_CHECKING:
    import pandas as pd

    from kit.grading.autograde import AutogradeRun, LearnerResult

console = Console()
err_console = Console(stderr=True)


def report_errors(func: Callable) -> Callable:
    """Turn a :class:`KitError` into one red line on stderr and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KitError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def progress_bar() -> Progress:
    """A progress bar with a count and an ETA, for long runs over learners."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


@contextmanager
def autograde_progress(assignment: str) -> Iterator[Callable]:
    """A progress callback for :func:`kit.grading.autograde.autograde`: a bar with an ETA, and a warning
    in red, before anyone is graded, about sandbox protections that are off on this machine (grading
    runs so only with ``--allow-unisolated``). The bar appears when grading starts: a run refused
    before that prints nothing but its error."""
    bar = progress_bar()
    task = None

    def progress(run: AutogradeRun, result: LearnerResult | None) -> None:
        nonlocal task
        if task is None:
            _warn_protections_off(run.protections_off, bar.console)
            bar.start()
            task = bar.add_task(f"autograding {assignment}", total=run.total)
        if result is not None:
            bar.advance(task)

    try:
        yield progress
    finally:
        if task is not None:
            bar.stop()


def _warn_protections_off(missing: list[str], out: Console) -> None:
    if not missing:
        return
    out.print(
        "[bold yellow]warning (--allow-unisolated): learners' code runs with these sandbox protections OFF "
        "on this machine:[/]",
        highlight=False,
        soft_wrap=True,
    )
    for item in missing:
        out.print(f"  [bold red]✗ {item}[/]", highlight=False, soft_wrap=True)


def print_grades_summary(scores: pd.DataFrame) -> None:
    """Per learner (a column per assignment) and per question, as two tables."""
    from kit.grading.grades import learner_totals, question_summary

    if scores.empty:
        console.print("no grades in the gradebook yet")
        return
    totals = learner_totals(scores)
    assignments = sorted({t.assignment for t in totals})
    by_learner: dict[str, dict[str, str]] = {}
    for t in totals:
        pending = " *" if t.pending_manual else ""
        by_learner.setdefault(t.learner, {})[t.assignment] = f"{t.auto_score:g}/{t.auto_max:g}{pending}"
    learners = Table("learner", *assignments, title="Per learner (autograded points; * reflection to grade)")
    for learner in sorted(by_learner):
        learners.add_row(learner, *(by_learner[learner].get(a, "-") for a in assignments))
    console.print(learners)
    questions = Table("assignment", "question", "mean", "full marks", "zero", title="Per question")
    for row in question_summary(scores).itertuples():
        questions.add_row(
            row.assignment,
            row.question,
            f"{row.mean_score:.2f} / {row.max_score:g}",
            f"{row.full_marks:.0%}",
            f"{row.zero:.0%}",
        )
    console.print(questions)
