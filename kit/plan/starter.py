"""The commented starter spec `kit plan init` writes."""

from __future__ import annotations

from pathlib import Path

from kit.errors import SpecError

STARTER = Path(__file__).with_name("starter.yaml")


def write_starter(path: Path, *, force: bool = False) -> Path:
    """Write a commented starter spec to ``path`` (never over an existing file unless ``force``)."""
    path = Path(path)
    if path.exists() and not force:
        raise SpecError(str(path), [f"{path} already exists; pass --force to overwrite it"])
    path.write_text(STARTER.read_text(encoding="utf-8"), encoding="utf-8")
    return path
