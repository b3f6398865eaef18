"""The `kit` command line: one app, a group per part of the kit.

Only this package turns errors into exit codes (see :mod:`kit.cli.output`).
"""

from __future__ import annotations

import typer

from kit import __version__
from kit.cli import course, data, feedback, grade, plan, portal
from kit.cli.demo import demo
from kit.cli.output import console

app = typer.Typer(
    name="kit",
    help="Civic Data Training Kit: run community open-data courses on Jupyter.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"kit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Civic Data Training Kit: run community open-data courses on Jupyter."""


app.add_typer(data.app, name="data")
app.add_typer(grade.app, name="grade")
app.add_typer(plan.app, name="plan")
app.add_typer(feedback.app, name="feedback")
app.add_typer(portal.app, name="portal")
app.add_typer(course.app, name="course")
app.command("demo")(demo)


def main() -> None:
    """Entry point of the `kit` console script."""
    app()
