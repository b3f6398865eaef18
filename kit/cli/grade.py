"""`kit grade …`: the nbgrader course (release, collect, autograde, feedback, export)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer
from rich.table import Table

from kit.cli.output import console, err_console, progress_bar, report_errors
from kit.errors import SubmissionError

if TYPE_CHECKING:
    from kit.grading.autograde import AutogradeRun, LearnerResult
    from kit.grading.course import Course

# nbgrader and nbformat take seconds to import: each command imports the
# grading part it needs, so `kit --help` and `kit data …` stay quick.

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
    from kit.grading.course import open_course
    from kit.grading.release import release_assignment

    result = release_assignment(open_course(), assignment, due=due)
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
    from kit.grading.collect import collect
    from kit.grading.course import open_course

    results = collect(open_course(), assignment, source)
    bad = [r for r in results if r.problem]
    for r in results:
        mark = "[red]✗[/]" if r.problem else "[green]✓[/]"
        console.print(f"{mark} {r.learner}: {r.problem or ', '.join(r.notebooks)}", highlight=False)
    console.print(f"collected {len(results) - len(bad)} of {len(results)} learner(s)")
    if bad:
        raise SubmissionError(f"{len(bad)} submission(s) could not be collected: {bad[0].learner}: {bad[0].problem}")


def run_autograde(
    course: Course,
    assignment: str,
    learners: list[str] | None = None,
    *,
    workers: int | None = None,
    force: bool = False,
    engine: str = "kit",
) -> AutogradeRun:
    """Autograde with a progress bar; warn about sandbox protections that are off; report
    learners that could not be graded."""
    from kit.grading.autograde import autograde

    with progress_bar() as bar:
        task = bar.add_task(f"autograding {assignment}", total=None)

        def progress(run: AutogradeRun, result: LearnerResult | None) -> None:
            if result is None:
                _warn_protections_off(run.protections_off, bar.console)
                bar.update(task, total=run.total)
            else:
                bar.advance(task)

        run = autograde(course, assignment, learners, workers=workers, force=force, engine=engine, progress=progress)
    if run.skipped:
        console.print(
            f"{len(run.skipped)} learner(s) already graded with an unchanged submission: skipped "
            "(--force grades them again)",
            highlight=False,
        )
    for r in run.failed:
        err_console.print(f"[red]✗[/] {r.learner}: {r.problem}", highlight=False)
    return run


def _warn_protections_off(missing: list[str], out) -> None:
    if not missing:
        return
    out.print(
        "[bold yellow]warning: learners' code runs with these sandbox protections OFF on this machine:[/]",
        highlight=False,
    )
    for item in missing:
        out.print(f"  [bold red]✗ {item}[/]", highlight=False)


def results_table(run: AutogradeRun) -> Table:
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
        help="kit: sandboxed, parallel, resumable; nbgrader: plain nbgrader autograde, one learner at a time.",
    ),
) -> None:
    """Autograde submitted notebooks and record scores in nbgrader's gradebook.

    Each notebook runs in a sandbox (time, memory and output limits, no network, no access to solutions
    or other learners' work), several at once. An interrupted run resumes: learners already graded with
    an unchanged submission are skipped. Exits 1 if any learner could not be graded (the others are)."""
    from kit.grading.course import check_learner_id, open_course

    if engine not in ("kit", "nbgrader"):
        raise typer.BadParameter(f"unknown engine '{engine}' (kit or nbgrader)", param_hint="--engine")
    course = open_course()
    course.check_assignment(assignment)
    if learner:
        for one in learner:
            check_learner_id(one)
            if one not in course.submitted_learners(assignment):
                raise SubmissionError(f"no submission of {assignment} from '{one}'", learner=one)
    # naming a learner means: grade them now, even if their submission has not changed
    run = run_autograde(
        course, assignment, learner or None, workers=workers, force=force or bool(learner), engine=engine
    )
    if run.results:
        console.print(results_table(run))
    graded = [r for r in run.results if r.graded]
    console.print(
        f"graded {len(graded)} of {len(run.results)} submission(s) in {run.seconds:.1f}s"
        + (f", {len(run.skipped)} unchanged" if run.skipped else ""),
        highlight=False,
    )
    if run.failed:
        raise SubmissionError(
            f"{len(run.failed)} submission(s) could not be graded; the others were", learner=run.failed[0].learner
        )


@app.command()
@report_errors
def feedback(assignment: str = ASSIGNMENT) -> None:
    """Write HTML feedback for every autograded learner."""
    from kit.grading.course import open_course
    from kit.grading.feedback import generate_feedback

    results = generate_feedback(open_course(), assignment)
    for r in results:
        if r.problem:
            err_console.print(f"[red]✗[/] {r.learner}: {r.problem}", highlight=False)
    done = sum(1 for r in results if r.files and not r.problem)
    console.print(f"feedback written for {done} of {len(results)} learner(s)")


def export_grades(course: Course, output: Path, assignments: list[str] | None = None) -> pd.DataFrame:
    from kit.grading.grades import question_scores, write_grades_csv

    scores = question_scores(course, assignments)
    write_grades_csv(scores, output)
    scores.to_csv(output.with_name(output.stem + "-by-question.csv"), index=False)
    return scores


@app.command()
@report_errors
def export(
    output: Path = typer.Option(Path("grader/exports/grades.csv"), "-o", "--output", help="CSV file to write."),
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
    from kit.grading.canvas import write_canvas_csv
    from kit.grading.course import open_course

    course = open_course()
    scores = export_grades(course, output, assignment or None)
    console.print(
        f"[green]✓[/] wrote {output} ({scores['learner'].nunique()} learners) "
        f"and {output.with_name(output.stem + '-by-question.csv')}"
    )
    if canvas is not None:
        done = write_canvas_csv(course, sorted(scores["assignment"].unique()), canvas, roster)
        console.print(
            f"[green]✓[/] wrote {canvas} for Canvas (Grades → Import): {done.learners} learners, "
            f"{len(done.assignments)} assignments"
        )
        if done.unmatched:
            console.print(f"[yellow]![/] not in the roster, matched by SIS Login ID only: {', '.join(done.unmatched)}")


@app.command()
@report_errors
def simulate(
    assignment: str = typer.Option(..., "--assignment", "-a", help="Assignment to simulate."),
    learners: int = typer.Option(25, "--learners", "-n", min=1, max=5000, help="Cohort size."),
    seed: int = typer.Option(0, help="Random seed: the same seed gives the same cohort."),
) -> None:
    """Write a simulated cohort's submissions (perfect, partial, blank, crashing) into the course."""
    from kit.grading.course import open_course
    from kit.grading.simulated_cohort import simulate_cohort

    cohort = simulate_cohort(open_course(), assignment, learners, seed)
    kinds = pd.Series([c.archetype for c in cohort]).value_counts()
    console.print(
        f"[green]✓[/] simulated {len(cohort)} learner(s) for {assignment}: "
        + ", ".join(f"{n} {k}" for k, n in kinds.items())
    )


def print_summary(scores: pd.DataFrame) -> None:
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


@app.command()
@report_errors
def summary(assignment: list[str] = typer.Option(None, "--assignment", help="Only this assignment.")) -> None:
    """Show scores per learner and per question from the gradebook."""
    from kit.grading.course import open_course
    from kit.grading.grades import question_scores

    print_summary(question_scores(open_course(), assignment or None))
