"""`kit data …`: the bundled datasets."""

from __future__ import annotations

import typer
from rich.markdown import Markdown
from rich.table import Table

from kit.cli.output import console, report_errors
from kit.data.bundle import regenerate, verify
from kit.data.catalog import describe_dataset, load_catalog
from kit.errors import DatasetError

app = typer.Typer(help="Bundled datasets: list, describe, regenerate and verify them.", no_args_is_help=True)


@app.command("list")
@report_errors
def list_() -> None:
    """List the bundled datasets."""
    table = Table("name", "title", "rows", "file")
    for card in load_catalog().datasets:
        table.add_row(card.name, card.title, f"{card.rows:,}", card.file)
    console.print(table)


@app.command()
@report_errors
def show(
    name: str = typer.Argument(..., help="Dataset name, from `kit data list`."),
    lang: str = typer.Option("en", "--lang", help="Language of the card: en or es."),
) -> None:
    """Show a dataset's card: source, license, columns and known quirks."""
    console.print(Markdown(describe_dataset(name, lang).to_markdown()))


@app.command()
@report_errors
def generate() -> None:
    """Rewrite the synthetic files from their seeded generators, and their catalog hashes."""
    for file_name, digest in regenerate().items():
        console.print(f"wrote datasets/{file_name}  sha256 {digest[:16]}…")


@app.command("verify")
@report_errors
def verify_() -> None:
    """Check every bundled file against its catalog card (hash, rows, columns)."""
    problems = verify()
    if problems:
        for problem in problems:
            console.print(f"[red]✗[/] {problem}")
        raise DatasetError(f"{len(problems)} dataset problem(s) found", hint="run `kit data generate` to rebuild")
    console.print(f"[green]✓[/] all {len(load_catalog().datasets)} datasets match the catalog")
