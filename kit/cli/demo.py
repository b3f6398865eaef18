"""`kit demo`: the main job (:mod:`kit.main_job`), printed as it goes."""

from __future__ import annotations

from pathlib import Path

import typer

from kit.cli.output import autograde_progress, console, print_grades_summary, report_errors
from kit.main_job import MainJobEvents, run_main_job


class _Printed(MainJobEvents):
    """The main job's steps as lines on the console."""

    def section(self, title: str) -> None:
        console.rule(f"[bold]{title}")

    def done(self, what: str, where: Path | str | None = None) -> None:
        console.print(f"[green]✓[/] {what}" + (f" → {where}" if where is not None else ""))

    def autograding(self, assignment: str):
        return autograde_progress(assignment)

    def grades(self, scores, path: Path) -> None:
        print_grades_summary(scores)
        console.print(f"[green]✓[/] grades: {path}")


@report_errors
def demo(
    learners: int = typer.Option(25, "--learners", "-n", min=1, help="Simulated cohort size."),
    seed: int = typer.Option(2026, help="Seed of the simulated cohort."),
) -> None:
    """Run the main job on the sample city: build its plan, then release, simulate a cohort, autograde,
    give feedback and export grades for every available module; then the cohort's feedback loop."""
    result = run_main_job(learners, seed, _Printed())
    analysis = result.analysis
    console.print(
        f"  {analysis.respondents} responses, {len(analysis.requests)} dataset requests, "
        f"{len(analysis.recommendations)} recommendations; backlog: {next(iter(result.reports.values())).backlog}"
    )
