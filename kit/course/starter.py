"""The commented starter city profile `kit course init-city` writes."""

from __future__ import annotations

from pathlib import Path

from kit.errors import SpecError

__all__ = ["CITY_STARTER", "write_city_starter"]

CITY_STARTER = Path(__file__).with_name("city_starter.yaml")


def write_city_starter(path: Path, force: bool = False) -> Path:
    """Write a commented starter city profile to ``path`` (never over an existing file unless ``force``).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    SpecError
        If ``path`` exists and ``force`` is False.
    """
    path = Path(path)
    if path.exists() and not force:
        raise SpecError(str(path), [f"{path} already exists; pass --force to overwrite it"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CITY_STARTER.read_text(encoding="utf-8"), encoding="utf-8")
    return path
