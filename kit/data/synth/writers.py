"""Byte-stable text writers for generated datasets.

The generators format every value themselves so that the same seed gives the
same bytes on every platform and library version (no float repr drift, no
writer defaults that change between pandas releases).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime


def fmt_value(value: object) -> str:
    """Format one cell the way the bundled CSV files spell it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Render rows as CSV text with ``\\n`` line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row has {len(row)} values for {len(header)} columns")
        writer.writerow([fmt_value(v) for v in row])
    return buffer.getvalue()


def geojson_text(features: list[dict]) -> str:
    """Render a FeatureCollection, one feature per line, keys in a fixed order."""
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
