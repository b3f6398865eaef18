"""`kit feedback …`: survey instruments, the cohort report and the open-data backlog.

Each command parses its options, calls one function of :mod:`kit.feedback.workflow`
and prints what it returned.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kit.cli.output import console, report_errors
from kit.feedback import workflow

app = typer.Typer(
    help="Feedback loops: survey instruments, cohort reports, the you-said-we-did backlog.", no_args_is_help=True
)
backlog_app = typer.Typer(
    help="The city's you-said-we-did log: list requests, change their status, export CSV.", invoke_without_command=True
)
app.add_typer(backlog_app, name="backlog")


LOG = typer.Option(None, "--log", help="The you-said-we-did log (SQLite). Default: feedback/you-said-we-did.sqlite.")
LANG = typer.Option("en", "--lang", help="Language of the report: any language the kit has (en, es, pt…).")


@app.command()
@report_errors
def survey(
    plan: Path = typer.Option(..., "--plan", help="The plan spec (YAML) whose skills the surveys ask about."),
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write the instruments into."),
) -> None:
    """Write the pre, post and session surveys (text to paste into Google or Microsoft Forms) and the
    column mappings that read their exports back, in each of the plan's languages."""
    made = workflow.write_survey_instruments(plan, output)
    console.print(
        f"[green]✓[/] {len(made.files)} files in {output} ({len(made.skills)} skills, "
        f"languages: {', '.join(made.languages)})"
    )
    for path in made.files:
        console.print(f"  {path.relative_to(output)}", highlight=False)


@app.command()
@report_errors
def report(
    cohort: str = typer.Option(..., "--cohort", help="The cohort's name, e.g. riverton-2026-fall."),
    surveys: list[Path] = typer.Option(
        ..., "--survey", help="A post-survey export (CSV). Repeat for several forms, e.g. one per language."
    ),
    mappings: list[Path] = typer.Option(
        ..., "--mapping", help="Column mapping for --survey: one for all, or one per export in the same order."
    ),
    pre: list[Path] = typer.Option([], "--pre", help="A pre-survey export (optional, repeatable)."),
    pre_mappings: list[Path] = typer.Option([], "--pre-mapping", help="Column mapping(s) for --pre."),
    attendance: Path | None = typer.Option(None, "--attendance", help="Attendance CSV: learner,date,present."),
    plan: Path | None = typer.Option(None, "--plan", help="The cohort's plan spec: city, modules, languages."),
    grades: bool = typer.Option(True, "--grades/--no-grades", help="Read exercise scores from the gradebook."),
    course: Path | None = typer.Option(None, "--course", help="The nbgrader course folder (default grader/)."),
    catalog: Path | None = typer.Option(
        None,
        "--catalog",
        help="The city's catalog export (Socrata JSON or "
        "CSV) to match dataset requests against; default: the bundled one.",
    ),
    log: Path | None = LOG,
    lang: str = LANG,
    output: Path = typer.Option(
        ..., "-o", "--output", help="Folder for report.html, report.md, backlog.csv and charts/."
    ),
) -> None:
    """Write the cohort's feedback report and record its dataset requests in the you-said-we-did log.

    Running it again for the same cohort changes nothing in the log."""
    analysis, [files] = workflow.build_report(
        cohort=cohort,
        surveys=surveys,
        mappings=mappings,
        pre=pre,
        pre_mappings=pre_mappings,
        attendance=attendance,
        plan=plan,
        grades=grades,
        course=course,
        catalog=catalog,
        log=log,
        outputs={lang: output},
    )
    console.print(
        f"[green]✓[/] report for cohort {cohort}: {analysis.respondents} responses, "
        f"{len(analysis.requests)} dataset requests, {len(analysis.recommendations)} recommendations"
    )
    for path in files.all:
        console.print(f"  {path}", highlight=False)


@backlog_app.callback()
@report_errors
def backlog(
    ctx: typer.Context,
    log: Path | None = LOG,
    status: str | None = typer.Option(None, "--status", help="Only requests with this status."),
) -> None:
    """List the requests in the log with their status (or use a subcommand to change one)."""
    ctx.obj = log
    if ctx.invoked_subcommand is not None:
        return
    items = workflow.list_backlog(log, status)
    table = Table("id", "request", "asked by", "cohorts", "match", "status", "note")
    for item in items:
        table.add_row(
            str(item.id),
            item.text,
            str(len(item.askers)),
            ", ".join(item.cohorts),
            item.dataset_title or item.dataset or "gap",
            item.status,
            item.note,
        )
    console.print(table)


@backlog_app.command("set")
@report_errors
def set_status(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="The request's id (see the list)."),
    status: str = typer.Argument(..., help="new, planned, published or declined."),
    note: str = typer.Option("", "--note", help="What was done, or why not (required to decline)."),
) -> None:
    """Change a request's status, with a note the next cohort's report shows."""
    change, item = workflow.set_request_status(request_id, status, note, log=ctx.obj)
    console.print(f"[green]✓[/] request {request_id} ({item.text!r}) is now {change.status}")


@backlog_app.command("export")
@report_errors
def export(ctx: typer.Context, path: Path = typer.Argument(..., help="The CSV to write.")) -> None:
    """Write the backlog as CSV: request, who asked, matched dataset or gap, status."""
    workflow.export_backlog(path, log=ctx.obj)
    console.print(f"[green]✓[/] wrote {path}")
