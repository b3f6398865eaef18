"""The languages the kit speaks, found in its files: no language list in code.

A language is whatever has a complete set of catalogs: a message catalog
``<lang>.yaml`` in every folder of :data:`CATALOG_FOLDERS` (the plan, the
feedback report and survey instruments, the reports and messages a learner or a
city lead reads) and a translation of the dataset cards
(``datasets/catalog.<lang>.yaml``; English is ``catalog.yaml`` itself). Adding a
language is adding those files; teaching notebooks and exercises then follow one
module at a time (``modules/<lang>/``, ``exercises/<assignment>-<lang>/``), and
``kit course check-translations`` lists what is still missing or stale.

Specs and profiles validate a language code with :data:`LanguageCode`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

from kit.errors import KitError
from kit.paths import bundled_dir

__all__ = [
    "CATALOG_FOLDERS",
    "REFERENCE",
    "LanguageCode",
    "LanguageError",
    "available_languages",
    "card_translation",
    "catalog_files",
    "require_language",
]

REFERENCE = "en"  # the language every translation is made from
_PACKAGE = Path(__file__).resolve().parent
# every folder of message catalogs (<lang>.yaml each): a language needs one in each
CATALOG_FOLDERS: tuple[Path, ...] = (
    _PACKAGE / "plan" / "messages",
    _PACKAGE / "feedback" / "messages",
    _PACKAGE / "feedback" / "surveys",
    _PACKAGE / "course" / "messages",
    _PACKAGE / "grading" / "messages",
    _PACKAGE / "data" / "messages",
    _PACKAGE / "analysis" / "messages",
)


class LanguageError(KitError):
    """A language code the kit has no complete set of catalogs for."""


def card_translation(lang: str, datasets: Path | None = None) -> Path:
    """The file holding the dataset cards' words in ``lang`` (``catalog.yaml`` for English)."""
    folder = datasets or bundled_dir("datasets")
    return folder / ("catalog.yaml" if lang == REFERENCE else f"catalog.{lang}.yaml")


def catalog_files(lang: str) -> list[Path]:
    """Every file a complete ``lang`` needs: a message catalog per folder, then the dataset cards."""
    return [folder / f"{lang}.yaml" for folder in CATALOG_FOLDERS] + [card_translation(lang)]


@lru_cache(maxsize=1)
def _found(stamp: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    complete = set(stamp[0]).intersection(*stamp[1:])
    return tuple(sorted(complete, key=lambda code: (code != REFERENCE, code)))


def available_languages() -> tuple[str, ...]:
    """The languages with a complete set of catalogs, English first then by code."""
    per_folder = [tuple(sorted(p.stem for p in folder.glob("*.yaml"))) for folder in CATALOG_FOLDERS]
    cards = bundled_dir("datasets").glob("catalog*.yaml")
    per_folder.append(tuple(sorted(p.stem.partition(".")[2] or REFERENCE for p in cards)))
    return _found(tuple(per_folder))


def require_language(code: str) -> str:
    """``code`` when it is an available language; otherwise a :class:`LanguageError` naming the
    available ones and, for a code with some catalogs, the files it still lacks."""
    available = available_languages()
    if code in available:
        return code
    files = catalog_files(code)
    missing = [_shown(p) for p in files if not p.is_file()]
    hint = (
        f"{code!r} still lacks {', '.join(missing)}"
        if len(missing) < len(files)
        else "a language is added by its files: see `kit course check-translations --lang CODE`"
    )
    raise LanguageError(f"unknown language {code!r} (the kit has {', '.join(available)})", hint=hint)


def _shown(path: Path) -> str:
    """``path`` relative to the folder holding the package (``kit/plan/messages/pt.yaml``)."""
    try:
        return str(path.relative_to(_PACKAGE.parent))
    except ValueError:
        return str(path)


def _validate(code: str) -> str:
    try:
        return require_language(code)
    except LanguageError as exc:
        raise ValueError(exc.message) from None


LanguageCode = Annotated[str, AfterValidator(_validate)]
"""A language code, for pydantic fields: accepted when :func:`available_languages` has it."""
