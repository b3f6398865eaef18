"""`kit feedback …`: survey instruments, the cohort report and the open-data backlog."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kit.cli.output import console, report_errors
from kit.errors import KitError
from kit.paths import project_root

app = typer.Typer(
    help="Feedback loops: survey instruments, cohort reports, the you-said-we-did backlog.", no_args_is_help=True
)
backlog_app = typer.Typer(
    help="The city's you-said-we-did log: list requests, change their status, export CSV.", invoke_without_command=True
)
app.add_typer(backlog_app, name="backlog")


def default_log() -> Path:
    """Where a city keeps its you-said-we-did log unless told otherwise."""
    return project_root() / "feedback" / "you-said-we-did.sqlite"


LOG = typer.Option(None, "--log", help="The you-said-we-did log (SQLite). Default: feedback/you-said-we-did.sqlite.")
LANG = typer.Option("en", "--lang", help="Language of the report: en or es.")


def _load_plan(spec: Path):
    from kit.data.syllabus import load_syllabus
    from kit.plan.curriculum import plan_modules
    from kit.plan.validate import load_spec

    plan = load_spec(spec)
    return plan, plan_modules(plan, load_syllabus())


@app.command()
@report_errors
def survey(
    plan: Path = typer.Option(..., "--plan", help="The plan spec (YAML) whose skills the surveys ask about."),
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write the instruments into."),
) -> None:
    """Write the pre, post and session surveys (text to paste into Google or Microsoft Forms) and the
    column mappings that read their exports back, in each of the plan's languages."""
    from kit.data.syllabus import load_syllabus
    from kit.feedback.instruments import write_instruments

    spec, modules = _load_plan(plan)
    skills = load_syllabus().skills_for([m.number for m in modules])
    files = write_instruments(spec.city, skills, list(spec.languages), output)
    console.print(
        f"[green]✓[/] {len(files)} files in {output} ({len(skills)} skills, languages: {', '.join(spec.languages)})"
    )
    for path in files:
        console.print(f"  {path.relative_to(output)}", highlight=False)


def _read_exports(files: list[Path], mappings: list[Path], what: str):
    from kit.feedback.mapping import load_mapping
    from kit.feedback.read import read_export

    if not files:
        return []
    if len(mappings) not in (1, len(files)):
        raise KitError(
            f"{len(files)} {what} exports but {len(mappings)} mappings: give one mapping for all, "
            "or one per export in the same order"
        )
    loaded = [load_mapping(m) for m in mappings]
    return [read_export(f, loaded[0] if len(loaded) == 1 else loaded[i]) for i, f in enumerate(files)]


def _grades(modules, course_dir: Path | None):
    from kit.grading.course import open_course
    from kit.grading.grades import question_scores

    course = open_course(course_dir)
    assignments = [a for m in modules for a in m.assignments]
    scores = question_scores(course, assignments)
    return scores if len(scores) else None


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
    analysis, [files] = build_report(
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
        log=log or default_log(),
        outputs={lang: output},
    )
    console.print(
        f"[green]✓[/] report for cohort {cohort}: {analysis.respondents} responses, "
        f"{len(analysis.requests)} dataset requests, {len(analysis.recommendations)} recommendations"
    )
    for path in files.all:
        console.print(f"  {path}", highlight=False)


def build_report(
    *,
    cohort: str,
    surveys: list[Path],
    mappings: list[Path],
    outputs: dict[str, Path],
    log: Path,
    pre: list[Path] = (),
    pre_mappings: list[Path] = (),
    attendance: Path | None = None,
    plan: Path | None = None,
    grades: bool = True,
    course: Path | None = None,
    catalog: Path | None = None,
):
    """Read every input and analyse the cohort once, record it in the log, and write the report in each
    language of ``outputs`` (language -> folder; see `report`). Returns the analysis and each report's files."""
    from kit.data.syllabus import load_syllabus
    from kit.feedback.attendance import read_attendance
    from kit.feedback.cohort import CohortInputs, analyse
    from kit.feedback.log import FeedbackLog
    from kit.feedback.report import LANGUAGES, write_report
    from kit.feedback.requests import bundled_catalog, load_city_catalog

    for lang in outputs:
        if lang not in LANGUAGES:
            raise KitError(f"--lang {lang!r}: the report is written in {', '.join(LANGUAGES)}")
    syllabus = load_syllabus()
    post = _read_exports(list(surveys), list(mappings), "post-survey")
    pre_exports = _read_exports(list(pre), list(pre_mappings or mappings), "pre-survey")
    if plan is not None:
        spec, modules = _load_plan(plan)
        city, languages = spec.city, list(spec.languages)
    else:
        city, languages, modules = project_root().name, ["en"], syllabus.available()
    scores = _grades(modules, course) if grades else None
    rated = {s for export in post for s in export.skills}
    skills = [s for s in syllabus.skills_for([m.number for m in syllabus.modules]) if s.id in rated]
    inputs = CohortInputs(
        cohort=cohort,
        city=city,
        modules=modules,
        skills=skills,
        languages=languages,
        post=post,
        pre=pre_exports,
        attendance=read_attendance(attendance) if attendance else None,
        scores=scores,
        catalog=load_city_catalog(catalog) if catalog else bundled_catalog(),
        catalog_source=catalog.name if catalog else "bundled",
    )
    analysis = analyse(inputs)
    with FeedbackLog(log) as book:
        files = [write_report(analysis, book, output, lang) for lang, output in outputs.items()]
    return analysis, files


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
    from kit.feedback.log import FeedbackLog

    with FeedbackLog(log or default_log()) as book:
        items = book.requests(status)
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
    from kit.feedback.log import FeedbackLog

    with FeedbackLog(ctx.obj or default_log()) as book:
        change = book.set_status(request_id, status, note)
        item = book.request(request_id)
    console.print(f"[green]✓[/] request {request_id} ({item.text!r}) is now {change.status}")


@backlog_app.command("export")
@report_errors
def export(ctx: typer.Context, path: Path = typer.Argument(..., help="The CSV to write.")) -> None:
    """Write the backlog as CSV: request, who asked, matched dataset or gap, status."""
    from kit.feedback.log import FeedbackLog

    with FeedbackLog(ctx.obj or default_log()) as book:
        book.export_backlog(path)
    console.print(f"[green]✓[/] wrote {path}")
