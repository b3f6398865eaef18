"""`kit grade …`: the nbgrader course (release, collect, autograde, feedback, export).

Each command parses its options, calls one function of :mod:`kit.grading.workflow`
and prints what it returned.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from kit.cli.output import autograde_progress, console, err_console, print_grades_summary, report_errors
from kit.errors import SubmissionError
from kit.grading import workflow

app = typer.Typer(
    help="Grade exercises with nbgrader: release, collect, autograde, feedback, export.", no_args_is_help=True
)

ASSIGNMENT = typer.Argument(..., help="Assignment id, a folder of exercises/ (e.g. 01-intro-movement-data).")


@app.command()
@report_errors
def release(
    assignment: str = ASSIGNMENT,
    due: datetime | None = typer.Option(
        None,
        "--due",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help="Deadline (local time), e.g. 2026-10-07T17:00; late submissions follow the course's late policy.",
    ),
) -> None:
    """Generate the learner version of an assignment (no solutions, no hidden tests)."""
    result = workflow.release(assignment, due=due)
    console.print(f"[green]✓[/] released {assignment}: {len(result.notebooks)} notebook(s) in {result.directory}")
    if result.archive:
        console.print(f"  hand out: {result.archive}")


@app.command("collect")
@report_errors
def collect_(
    assignment: str = ASSIGNMENT,
    source: Path = typer.Argument(..., help="A folder or .zip of <learner>/<notebook>.ipynb."),
) -> None:
    """Collect learners' submissions from a folder or a zip file."""
    results = workflow.collect_submissions(assignment, source)
    bad = [r for r in results if r.problem]
    for r in results:
        mark = "[red]✗[/]" if r.problem else "[green]✓[/]"
        console.print(f"{mark} {r.learner}: {r.problem or ', '.join(r.notebooks)}", highlight=False)
    console.print(f"collected {len(results) - len(bad)} of {len(results)} learner(s)")
    if bad:
        raise SubmissionError(f"{len(bad)} submission(s) could not be collected: {bad[0].learner}: {bad[0].problem}")


def _results_table(run) -> Table:
    table = Table("learner", "score", "ran", "note", title=f"Autograded {run.assignment}")
    for r in run.results:
        score = f"{r.score:g} / {r.max_score:g}" if r.graded else "[red]not graded[/]"
        ran = f"{r.status or '-'}" + (f" {r.seconds:.1f}s" if r.seconds is not None else "")
        note = r.problem if not r.graded else (r.message or "")
        table.add_row(r.learner, score, ran, note)
    return table


@app.command("autograde")
@report_errors
def autograde_(
    assignment: str = ASSIGNMENT,
    learner: list[str] = typer.Option(None, "--learner", help="Grade (again) only this learner (repeatable)."),
    workers: int = typer.Option(
        None, "--workers", min=1, help="Notebooks run at once (default: the course config, or one per CPU core)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Grade again learners already graded with an unchanged submission."
    ),
    engine: str = typer.Option(
        "kit",
        "--engine",
        help="kit: sandboxed, parallel, resumable; nbgrader: plain nbgrader autograde, one learner at a time, "
        "no sandbox (needs --allow-unisolated).",
    ),
    allow_unisolated: bool = typer.Option(
        False,
        "--allow-unisolated",
        help="Grade even where the sandbox's isolation is incomplete on this machine (or with --engine nbgrader): "
        "learners' code may then reach what the grader can. Without it, nobody is graded then.",
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Run the notebooks on a dask.distributed cluster (its scheduler's address, e.g. tcp://10.0.0.5:8786): "
        "each worker grades in the same sandbox, checked before anyone is graded; the gradebook stays here.",
    ),
) -> None:
    """Autograde submitted notebooks and record scores in nbgrader's gradebook.

    Each notebook runs in a sandbox (time, memory and output limits, no network, no access to solutions
    or other learners' work), several at once. An interrupted run resumes: learners already graded with
    an unchanged submission are skipped. Exits 1 if any learner could not be graded (the others are).

    Fails closed: where a protection is unavailable on this machine, nobody is graded and the command
    exits 1 naming what is missing, unless --allow-unisolated is given."""
    from kit.grading.engines import engine_names

    if engine not in engine_names():
        raise typer.BadParameter(f"unknown engine '{engine}' ({' or '.join(engine_names())})", param_hint="--engine")
    with autograde_progress(assignment) as progress:
        run = workflow.autograde_submissions(
            assignment,
            learner or None,
            workers=workers,
            force=force,
            engine=engine,
            progress=progress,
            allow_unisolated=allow_unisolated,
            scheduler=scheduler,
        )
    _print_run(run)
    if run.failed:
        raise SubmissionError(
            f"{len(run.failed)} submission(s) could not be graded; the others were", learner=run.failed[0].learner
        )


def _print_run(run) -> None:
    """Who was skipped, who could not be graded, the results table and the totals."""
    if run.skipped:
        console.print(
            f"{len(run.skipped)} learner(s) already graded with an unchanged submission: skipped "
            "(--force grades them again)",
            highlight=False,
        )
    for r in run.failed:
        err_console.print(f"[red]✗[/] {r.learner}: {r.problem}", highlight=False)
    if run.results:
        console.print(_results_table(run))
    graded = [r for r in run.results if r.graded]
    console.print(
        f"graded {len(graded)} of {len(run.results)} submission(s) in {run.seconds:.1f}s"
        + (f", {len(run.skipped)} unchanged" if run.skipped else ""),
        highlight=False,
    )


@app.command()
@report_errors
def feedback(assignment: str = ASSIGNMENT) -> None:
    """Write HTML feedback for every autograded learner."""
    results = workflow.write_feedback(assignment)
    for r in results:
        if r.problem:
            err_console.print(f"[red]✗[/] {r.learner}: {r.problem}", highlight=False)
    done = sum(1 for r in results if r.files and not r.problem)
    console.print(f"feedback written for {done} of {len(results)} learner(s)")


@app.command()
@report_errors
def export(
    output: Path | None = typer.Option(
        None, "-o", "--output", help="CSV file to write (default: exports/grades.csv in the course folder)."
    ),
    assignment: list[str] = typer.Option(None, "--assignment", help="Only this assignment (repeatable)."),
    canvas: Path | None = typer.Option(None, "--canvas", help="Also write a CSV for Canvas's gradebook import."),
    roster: Path | None = typer.Option(
        None,
        "--roster",
        help="The course's Canvas gradebook export, to fill in each learner's Canvas ID, name and section.",
    ),
) -> None:
    """Export grades from the gradebook: one row per learner, a column per question (and, with --canvas,
    a file Canvas imports)."""
    done = workflow.export_grades(output, assignment or None, canvas=canvas, roster=roster)
    console.print(
        f"[green]✓[/] wrote {done.grades} ({done.scores['learner'].nunique()} learners) and {done.by_question}"
    )
    if done.canvas is not None:
        console.print(
            f"[green]✓[/] wrote {done.canvas.path} for Canvas (Grades → Import): {done.canvas.learners} learners, "
            f"{len(done.canvas.assignments)} assignments"
        )
        if done.canvas.unmatched:
            console.print(
                f"[yellow]![/] not in the roster, matched by SIS Login ID only: {', '.join(done.canvas.unmatched)}"
            )


@app.command()
@report_errors
def simulate(
    assignment: str = typer.Option(..., "--assignment", "-a", help="Assignment to simulate."),
    learners: int = typer.Option(25, "--learners", "-n", min=1, max=5000, help="Cohort size."),
    seed: int = typer.Option(0, help="Random seed: the same seed gives the same cohort."),
) -> None:
    """Write a simulated cohort's submissions (perfect, partial, blank, crashing) into the course."""
    cohort = workflow.simulate(assignment, learners, seed)
    kinds = pd.Series([c.archetype for c in cohort]).value_counts()
    console.print(
        f"[green]✓[/] simulated {len(cohort)} learner(s) for {assignment}: "
        + ", ".join(f"{n} {k}" for k, n in kinds.items())
    )


@app.command()
@report_errors
def summary(assignment: list[str] = typer.Option(None, "--assignment", help="Only this assignment.")) -> None:
    """Show scores per learner and per question from the gradebook."""
    print_grades_summary(workflow.gradebook_scores(assignment or None))
