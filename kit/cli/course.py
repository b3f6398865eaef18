"""`kit course …`: course folders, and adapting the course to a city's own data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from kit.cli.output import console, report_errors

if TYPE_CHECKING:
    from kit.course.check import CityCheck

app = typer.Typer(
    help="Make a course folder; adapt the course to a city: check its data, write a starter profile, adapt.",
    no_args_is_help=True,
)

CITY = typer.Option(..., "--city", help="The city profile (YAML), e.g. cities/riverton.yaml.")


@app.command()
@report_errors
def check(
    city: Path = CITY,
    report: Path = typer.Option(None, "--report", help="Also write the report to this Markdown file."),
    lang: str = typer.Option("en", "--lang", help="Language of the report: a language the kit has (en, es, pt, …)."),
) -> None:
    """Check a city's data against its profile before anything is built. Writes nothing but --report.

    Exits 1 when something blocks the modules; each problem names the profile field to fix.
    """
    from kit.course.check import check_city

    result = check_city(city)
    _print_check(result)
    if report is not None:
        report.write_text(result.to_markdown(lang), encoding="utf-8")
        console.print(f"wrote the report to {report}", highlight=False)
    if not result.ok:
        raise typer.Exit(1)


@app.command("init-city")
@report_errors
def init_city(
    path: Path = typer.Argument(Path("city.yaml"), help="Where to write the starter profile."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter city profile to edit."""
    from kit.course.starter import write_city_starter

    write_city_starter(path, force=force)
    console.print(f"[green]✓[/] wrote {path}; edit it, then `kit course check --city {path}`", highlight=False)


@app.command()
@report_errors
def adapt(
    city: Path = CITY,
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write the adapted course into."),
    lang: list[str] = typer.Option(None, "--lang", help="A language to render (repeat it); default: the profile's."),
    execute: bool = typer.Option(True, "--execute/--no-execute", help="Run each adapted notebook top to bottom."),
    module: list[str] = typer.Option(
        None, "--module", help="A module to adapt (repeat it); default: every one the profile's roles allow."
    ),
) -> None:
    """Adapt the modules to the city: its datasets, cards, notebooks (executed) and exercises, under -o DIR."""
    from kit.course.adapt import adapt_course

    done = adapt_course(city, output, languages=lang or None, modules=module or None, execute=execute)
    console.print(f"[green]✓[/] adapted the course for {city} in {output}", highlight=False)
    for path in done.files:
        console.print(f"  {path}", highlight=False)
    for name, why in done.skipped.items():
        console.print(f"[yellow]not adapted[/] {name}: {why}", highlight=False)


@app.command()
@report_errors
def new(
    folder: Path = typer.Argument(..., help="The course folder to make (new, empty, or one this command made)."),
    city: Path = typer.Option(None, "--city", help="A city profile: the course uses the city's data and modules."),
    plan: Path = typer.Option(None, "--plan", help="A training plan spec, copied to plan/ (its languages too)."),
    lang: list[str] = typer.Option(None, "--lang", help="A course language (repeat it); default: the plan's."),
    execute: bool = typer.Option(True, "--execute/--no-execute", help="With --city: run each adapted notebook."),
) -> None:
    """Make a self-contained course folder: nbgrader config, exercises, modules, datasets; `kit grade` works in it."""
    from kit.course.new_course import new_course

    made = new_course(folder, city_profile=city, plan_spec=plan, languages=lang or None, execute=execute)
    console.print(f"[green]✓[/] course folder {made}", highlight=False)
    console.print(f"  next: cd {folder} && kit grade release 01-intro-movement-data", highlight=False)


@app.command()
@report_errors
def bundle(
    audience: str = typer.Option(..., "--audience", help="The plan's audience id, e.g. tenant-orgs."),
    output: Path = typer.Option(..., "-o", "--output", help="The zip to write."),
    plan: Path = typer.Option(None, "--plan", help="The training plan spec (default: plans/riverton.yaml)."),
) -> None:
    """A learner bundle: the audience's modules, released exercises, datasets and a README, nothing else."""
    from kit.course.bundle import build_bundle

    written = build_bundle(audience, output, plan=plan)
    console.print(f"[green]✓[/] learner bundle for {audience}: {written}", highlight=False)


@app.command("hub-config")
@report_errors
def hub_config(
    course: Path = typer.Argument(..., help="The course folder (kit-course.yaml); the trainers' servers open it."),
    learners: Path = typer.Option(
        None, "--learners", help="A text or CSV file of learner ids (default: the course's nbgrader students)."
    ),
    trainer: list[str] = typer.Option(..., "--trainer", help="A trainer's account, admin of the hub (repeat it)."),
    out: Path = typer.Option(..., "--out", help="The folder to write jupyterhub_config.py and its configs into."),
    exchange: Path = typer.Option(
        Path("/srv/nbgrader/exchange"), "--exchange", help="nbgrader's exchange, shared by everyone."
    ),
    port: int = typer.Option(8000, "--port", help="The port the hub answers on."),
    authenticator: str = typer.Option(
        "pam", "--authenticator", help="pam: the server's accounts; dummy: any password, for tests only."
    ),
) -> None:
    """A JupyterHub for the course's cohort on one server: learner accounts, trainers as admins, the exchange."""
    from kit.course.hub import write_hub_config

    made = write_hub_config(
        course, out, learners=learners, trainers=trainer, exchange=exchange, port=port, authenticator=authenticator
    )
    console.print(
        f"[green]✓[/] {made.config}: course {made.course_id}, {len(made.learners)} learners, "
        f"trainers {', '.join(made.trainers)}, exchange {made.exchange}",
        highlight=False,
    )
    if authenticator == "dummy":
        console.print("[bold red]! dummy authenticator: any password logs in. For tests only.[/]")
    for note in made.notes:
        console.print(f"[yellow]to do[/] {note}", highlight=False)
    console.print(f"  start it (as root): jupyterhub -f {made.config}", highlight=False)


@app.command("check-translations")
@report_errors
def check_translations(
    lang: list[str] = typer.Option(
        None, "--lang", help="A language to check (repeat it); default: every language the kit has but English."
    ),
    accept: bool = typer.Option(
        False, "--accept", help="Record that the language's strings now match their English (after updating them)."
    ),
    file: Path = typer.Option(None, "--file", help="With --accept: record only this translated file."),
) -> None:
    """List every missing or stale string of each translation, file by file. Exits 1 when any is found."""
    from kit.course.translations import accept_translations, check_languages

    if accept:
        if not lang or len(lang) != 1:
            raise typer.BadParameter("--accept records one language: give exactly one --lang")
        count = accept_translations(lang[0], file)
        console.print(f"[green]✓[/] recorded the English source of {count} {lang[0]} strings", highlight=False)
        return
    reports = check_languages(lang or None)
    for report in reports:
        lines = report.lines()
        mark = "[green]✓[/]" if report.complete else "[yellow]![/]"
        console.print(f"{mark} {report.lang}: {report.summary()}", highlight=False)
        for line in lines:
            console.print(f"  {line}", highlight=False, soft_wrap=True)
    if not all(r.complete for r in reports):
        raise typer.Exit(1)


def _print_check(result: CityCheck) -> None:
    """One table per role (what was checked, what was found), then the problems to fix."""
    for role, findings in result.findings.items():
        table = Table("check", "found", title=role, title_justify="left")
        for finding in findings:
            mark = "[yellow]![/] " if finding.level == "warning" else ""
            table.add_row(finding.label("en"), mark + finding.text("en"))
        console.print(table)
    if result.ok:
        console.print(f"[green]✓[/] {result.profile_path}: nothing blocks the modules", highlight=False)
        return
    noun = "problem blocks" if len(result.problems) == 1 else "problems block"
    console.print(
        f"[bold red]✗ {len(result.problems)} {noun} the modules[/] (fix these fields of {result.profile_path}):"
    )
    for problem in result.problems:
        console.print(f"  [red]✗[/] [bold]{problem.field}[/]: {problem.text('en')}", highlight=False, soft_wrap=True)
