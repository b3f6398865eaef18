"""`kit plan …`: city training plans from one YAML spec."""

from __future__ import annotations

from pathlib import Path

import typer

from kit.cli.output import console, report_errors

app = typer.Typer(help="City training plans: validate a spec, build the plan, start a new spec.", no_args_is_help=True)

SPEC = typer.Argument(..., help="The plan spec (YAML), e.g. plans/riverton.yaml.")


@app.command()
@report_errors
def validate(spec: Path = SPEC) -> None:
    """Check a spec and report every mistake at once, each with its field and line. Writes nothing."""
    from kit.plan.schedule import plan_events
    from kit.plan.validate import load_spec, plan_warnings

    plan = load_spec(spec)
    sessions = sum(1 for e in plan_events(plan.sprint) if e.kind == "session")
    console.print(
        f"[green]✓[/] {spec} is valid: {len(plan.audiences)} audiences, {len(plan.topics)} topics, {sessions} sessions"
    )
    _print_warnings(plan_warnings(plan))


@app.command()
@report_errors
def build(
    spec: Path = SPEC, output: Path = typer.Option(..., "-o", "--output", help="Folder to write the plan into.")
) -> None:
    """Build the plan: documents (Markdown, HTML), calendar, workplan, Gantt chart, matrix, bundles."""
    from kit.plan.build import build_plan
    from kit.plan.validate import load_spec, plan_warnings

    files = build_plan(spec, output)
    console.print(f"[green]✓[/] built {len(files)} files in {output}")
    for path in files:
        console.print(f"  {path.relative_to(output)}", highlight=False)
    _print_warnings(plan_warnings(load_spec(spec)))


def _print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]! warning:[/] {warning}", highlight=False, soft_wrap=True)


@app.command()
@report_errors
def init(
    path: Path = typer.Argument(Path("plan.yaml"), help="Where to write the starter spec."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter spec to edit."""
    from kit.plan.starter import write_starter

    write_starter(path, force=force)
    console.print(f"[green]✓[/] wrote {path}; edit it, then `kit plan validate {path}`")
