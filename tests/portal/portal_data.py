"""A generated ``--data`` folder for the portal tests."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml


def write_data_folder(folder: Path, rows: int) -> Path:
    """A ``--data`` folder: ``big.csv`` of generated rows and its card, as a city would give them."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "big.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row_id", "created", "kind", "amount", "done"])
        for i in range(rows):
            day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00.000"
            writer.writerow([f"R{i:07d}", day, "abcde"[i % 5], f"{i % 1000 / 10:.1f}", "true" if i % 3 else "false"])
    columns = [
        {"name": "row_id", "type": "text", "description": "Row id"},
        {"name": "created", "type": "datetime", "description": "When"},
        {"name": "kind", "type": "text", "description": "a to e"},
        {"name": "amount", "type": "number", "description": "An amount"},
        {"name": "done", "type": "boolean", "description": "Done or not"},
    ]
    card = {
        "name": "big_rows",
        "file": "big.csv",
        "title": "Generated rows",
        "description": "Rows made by the portal tests",
        "source": "tests/portal/conftest.py",
        "license": "CC0-1.0",
        "made_by": "write_data_folder",
        "rows": rows,
        "sha256": "0" * 64,
        "columns": columns,
    }
    (folder / "catalog.yaml").write_text(yaml.safe_dump({"city": "Testville", "datasets": [card]}))
    return folder
