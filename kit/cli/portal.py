"""`kit portal …`: a local Socrata-compatible portal serving the kit's datasets."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kit.cli.output import console, err_console, report_errors
from kit.portal import RunningPortal, serve_forever
from kit.portal.store import Dataset

app = typer.Typer(help="A local Socrata-compatible portal (SODA endpoints, SoQL) on 127.0.0.1.", no_args_is_help=True)


def _announce(portal: RunningPortal, datasets: list[Dataset]) -> None:
    table = Table("id", "name", "rows", "title", title=f"Serving {len(datasets)} datasets at {portal.url}")
    for dataset in datasets:
        table.add_row(dataset.id, dataset.name, f"{dataset.rows:,}", dataset.card.title)
    console.print(table)
    example = portal.datasets.get("service_requests") or next(iter(portal.datasets.values()), "xxxx-xxxx")
    console.print(
        f"  rows:     {portal.url}/resource/{example}.json?$limit=5\n"
        f"  metadata: {portal.url}/api/views/{example}.json\n"
        f"  catalog:  {portal.url}/api/catalog/v1?q=311\n"
        f"  domain for sodapy and `kit data fetch --domain`: {portal.domain}\n"
        "Ctrl-C stops it.",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
@report_errors
def serve(
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
    data: Path | None = typer.Option(
        None,
        "--data",
        exists=True,
        file_okay=False,
        help="Also serve this folder of CSV/GeoJSON files, described by its catalog.yaml of dataset cards.",
    ),
    throttle: int | None = typer.Option(
        None, "--throttle", min=1, help="Answer 429 (with Retry-After) beyond N requests a minute."
    ),
    fail_rate: float = typer.Option(0.0, "--fail-rate", min=0.0, max=1.0, help="Share of requests answered 500."),
    latency: int = typer.Option(0, "--latency", min=0, help="Wait this many milliseconds before each answer."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the random failures (--fail-rate)."),
    quiet: bool = typer.Option(False, "--quiet", help="Do not print a line per request."),
) -> None:
    """Serve the bundled datasets (and --data) as SODA endpoints until Ctrl-C."""
    serve_forever(
        data,
        port=port,
        throttle=throttle,
        fail_rate=fail_rate,
        latency_ms=latency,
        seed=seed,
        on_start=_announce,
        on_request=None if quiet else lambda line: err_console.print(line, highlight=False),
    )
    console.print("portal stopped")
