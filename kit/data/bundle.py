"""Keeping the bundled files and their catalog in step.

``regenerate`` rewrites every synthetic file from the seeded generators and
records each file's row count and sha256 in ``catalog.yaml`` (editing only those
lines, so the catalog's comments survive). ``verify`` checks the files against
the catalog: presence, hash, row count and header.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from kit.data.catalog import DatasetCard, load_catalog
from kit.data.synth import SEED, generate
from kit.paths import datasets_dir


@dataclass(frozen=True)
class Problem:
    """One way a bundled file disagrees with its card."""

    dataset: str
    message: str

    def __str__(self) -> str:
        return f"{self.dataset}: {self.message}"


def count_rows(name: str, content: bytes) -> int:
    """Data rows in a CSV file, or features in a GeoJSON file."""
    if name.endswith(".geojson"):
        return len(json.loads(content)["features"])
    return sum(1 for _ in csv.reader(io.StringIO(content.decode("utf-8")))) - 1


def header_of(name: str, content: bytes) -> list[str]:
    if name.endswith(".geojson"):
        features = json.loads(content)["features"]
        return list(features[0]["properties"]) if features else []
    return next(csv.reader(io.StringIO(content.decode("utf-8"))))


def _set_field(text: str, dataset: str, field: str, value: str) -> str:
    """Replace ``field: ...`` in the block of ``- name: dataset``."""
    block = re.search(rf"^  - name: {re.escape(dataset)}\n(?:(?!^  - name:).*\n?)*", text, re.M)
    if block is None:
        raise KeyError(dataset)
    body = re.sub(rf"^(    {field}: ).*$", lambda m: m.group(1) + value, block.group(0), count=1, flags=re.M)
    return text[: block.start()] + body + text[block.end() :]


def regenerate(root: Path | None = None, seed: int = SEED) -> dict[str, str]:
    """Rewrite the synthetic files and their catalog lines; return file -> sha256."""
    root = root or datasets_dir()
    files = generate(seed)
    catalog_path = root / "catalog.yaml"
    text = catalog_path.read_text(encoding="utf-8")
    by_file = {card.file: card for card in load_catalog(root).datasets}
    hashes = {}
    for file_name, content in files.items():
        (root / file_name).write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        hashes[file_name] = digest
        card = by_file.get(file_name)
        if card is not None:
            text = _set_field(text, card.name, "rows", str(count_rows(file_name, content)))
            text = _set_field(text, card.name, "sha256", f'"{digest}"')
    catalog_path.write_text(text, encoding="utf-8")
    return hashes


def verify_card(card: DatasetCard, root: Path) -> list[Problem]:
    path = root / card.file
    if not path.is_file():
        return [Problem(card.name, f"file {card.file} is missing")]
    content = path.read_bytes()
    problems = []
    digest = hashlib.sha256(content).hexdigest()
    if digest != card.sha256:
        problems.append(Problem(card.name, f"sha256 {digest[:12]}… does not match the catalog's {card.sha256[:12]}…"))
    rows = count_rows(card.file, content)
    if rows != card.rows:
        problems.append(Problem(card.name, f"{rows} rows, the catalog says {card.rows}"))
    header = header_of(card.file, content)
    expected = [c.name for c in card.columns]
    if header != expected:
        problems.append(Problem(card.name, f"columns {header} differ from the card's {expected}"))
    return problems


def verify(root: Path | None = None) -> list[Problem]:
    """Check every bundled file against its catalog card."""
    root = root or datasets_dir()
    problems: list[Problem] = []
    for card in load_catalog(root).datasets:
        problems.extend(verify_card(card, root))
    return problems
