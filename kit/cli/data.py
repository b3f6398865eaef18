"""`kit data …`: the bundled datasets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.markdown import Markdown
from rich.table import Table

from kit.cli.output import console, progress_bar, report_errors
from kit.data.bundle import check_bundle, regenerate
from kit.data.catalog import describe_dataset, load_catalog
from kit.data.socrata import download_dataset, search_portal
from kit.errors import DatasetError

app = typer.Typer(
    help="Datasets: the bundled ones (list, describe, regenerate, verify) and open-data portals (search, fetch).",
    no_args_is_help=True,
)
_DOMAIN_HELP = "The portal, e.g. data.cityofnewyork.us, or 127.0.0.1:8080 for `kit portal serve`."


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
    lang: str = typer.Option("en", "--lang", help="Language of the card: a language code the kit has (en, es, pt, …)."),
) -> None:
    """Show a dataset's card: source, license, columns and known quirks."""
    console.print(Markdown(describe_dataset(name, lang).to_markdown()))


@app.command()
@report_errors
def generate() -> None:
    """Rewrite the sample city's files from their seeded generators, and their catalog hashes.

    Only the kit's own bundled sample is rewritten; a city's datasets folder is refused, untouched.
    """
    for file_name, digest in regenerate().items():
        console.print(f"wrote datasets/{file_name}  sha256 {digest[:16]}…")


@app.command("verify")
@report_errors
def verify_() -> None:
    """Check every bundled file against its catalog card (hash, rows, columns)."""
    checked = check_bundle()
    if checked.problems:
        for problem in checked.problems:
            console.print(f"[red]✗[/] {problem}")
        raise DatasetError(f"{len(checked.problems)} dataset problem(s) found", hint=checked.hint)
    console.print(f"[green]✓[/] all {checked.datasets} datasets match the catalog")


@app.command()
@report_errors
def search(
    words: str = typer.Argument(..., help='What to look for, e.g. "311".'),
    domain: str = typer.Option(..., "--domain", help=_DOMAIN_HELP),
    limit: int = typer.Option(20, "--limit", min=1, help="At most this many datasets."),
) -> None:
    """Search a portal's catalog (Socrata Discovery API): dataset ids, names and when updated."""
    found = search_portal(domain, words, limit=limit)
    if found.empty:
        console.print(f"no dataset on {domain} matches {words!r}")
        return
    table = Table("id", "name", "type", "updated", "description", title=f"{domain}: {words!r}")
    for row in found.itertuples():
        description = row.description if len(row.description) <= 80 else row.description[:79] + "…"
        table.add_row(row.id, row.name, row.type, str(row.updated_at or "")[:10], description)
    console.print(table)


@app.command()
@report_errors
def fetch(
    domain: str = typer.Option(..., "--domain", help=_DOMAIN_HELP),
    dataset: str = typer.Option(..., "--dataset", help="The dataset id (four-by-four), from `kit data search`."),
    output: Path = typer.Option(..., "-o", "--output", help="The CSV file to write."),
    where: str = typer.Option(None, "--where", help="SoQL $where, e.g. \"status = 'Open'\"."),
    select: str = typer.Option(None, "--select", help='SoQL $select, e.g. "unique_key, created_date".'),
    refresh: bool = typer.Option(False, "--refresh", help="Fetch again even if the cache holds this query."),
) -> None:
    """Fetch a dataset (or a query of it) to a CSV file, page by page, with a progress bar.

    Pages are ordered by `:id`, failed requests retried, each query cached; SOCRATA_APP_TOKEN is used if set.
    """
    with _fetch_progress(dataset) as progress:
        done = download_dataset(domain, dataset, output, select=select, where=where, refresh=refresh, progress=progress)
    origin = "from the cache, " if done.from_cache else ""
    console.print(f"wrote {done.rows:,} rows to {done.path} ({origin}fetched {done.fetched_at:%Y-%m-%d %H:%M} UTC)")


@contextmanager
def _fetch_progress(dataset: str) -> Iterator[Callable[[int, int | None], None]]:
    """A progress callback drawing rows so far out of the total (from a count(*) query)."""
    bar = progress_bar()
    task = bar.add_task(f"fetching {dataset}", total=None)

    def progress(rows: int, total: int | None) -> None:
        bar.update(task, completed=rows, total=total)

    with bar:
        yield progress
