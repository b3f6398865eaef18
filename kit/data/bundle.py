"""Keeping the bundled files and their catalog in step.

``regenerate`` rewrites every synthetic file from the seeded generators and
records each file's row count and sha256 in ``catalog.yaml`` (editing only those
lines, so the catalog's comments survive). It only ever writes into the kit's own
bundled sample: a datasets folder whose catalog is the sample city's, card for
card the generators' files. A city's datasets folder (``KIT_HOME`` pointing at an
adapted course, say) is refused before anything is written. ``verify`` checks the
files against the catalog: presence, hash, row count and header; ``check_bundle``
adds the fix that suits the folder.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kit.data.catalog import DatasetCard, load_catalog
from kit.data.synth import SEED, generate
from kit.data.synth.city import CITY_NAME
from kit.errors import DatasetError
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


def is_bundled_sample(root: Path | None = None, files: Iterable[str] | None = None) -> bool:
    """True when ``root`` holds the kit's own sample: the sample city's catalog, one card per generated file.

    Parameters
    ----------
    root
        A datasets folder (holding ``catalog.yaml``); by default the one the kit reads.
    files
        The generators' file names, when already generated (else they are generated to compare).
    """
    catalog = load_catalog(root)
    if catalog.city != CITY_NAME:
        return False
    names = set(files) if files is not None else set(generate())
    return {card.file for card in catalog.datasets} == names


def regenerate(root: Path | None = None, seed: int = SEED) -> dict[str, str]:
    """Rewrite the synthetic files and their catalog lines; return file -> sha256.

    Raises
    ------
    DatasetError
        If ``root`` is not the kit's bundled sample (see :func:`is_bundled_sample`):
        nothing is written then.
    """
    root = root or datasets_dir()
    files = generate(seed)
    if not is_bundled_sample(root, files):
        catalog = load_catalog(root)
        raise DatasetError(
            f"{root} is not the kit's bundled sample ({catalog.city!r}, {len(catalog.datasets)} dataset card(s); "
            f"`kit data generate` rebuilds {CITY_NAME}'s {len(files)} files only): nothing was written",
            hint="fix a city's file or its card in catalog.yaml, or run `kit course adapt` again, "
            "then `kit data verify`",
        )
    catalog_path = root / "catalog.yaml"
    text = catalog_path.read_text(encoding="utf-8")
    by_file = {card.file: card for card in load_catalog(root).datasets}
    hashes = {}
    for file_name, content in files.items():
        (root / file_name).write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        hashes[file_name] = digest
        text = _set_field(text, by_file[file_name].name, "rows", str(count_rows(file_name, content)))
        text = _set_field(text, by_file[file_name].name, "sha256", f'"{digest}"')
    catalog_path.write_text(text, encoding="utf-8")
    return hashes


def repair_hint(root: Path | None = None) -> str:
    """How to fix a datasets folder whose files disagree with their cards: regenerate only the bundled sample."""
    root = root or datasets_dir()
    if is_bundled_sample(root):
        return "run `kit data generate` to rebuild the bundled files"
    return (
        f"fix the file, or its card in {root / 'catalog.yaml'} (rows, sha256 and columns must describe the file); "
        "an adapted course's datasets are rebuilt by `kit course adapt`"
    )


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


@dataclass(frozen=True)
class BundleCheck:
    """What ``kit data verify`` reports: the problems, how many datasets were checked, and the fix that suits."""

    problems: list[Problem]
    datasets: int
    hint: str | None


def check_bundle(root: Path | None = None) -> BundleCheck:
    """Check every file against its card, with a hint that fits the folder (never `kit data generate` elsewhere)."""
    root = root or datasets_dir()
    problems = verify(root)
    hint = repair_hint(root) if problems else None
    return BundleCheck(problems, len(load_catalog(root).datasets), hint)
