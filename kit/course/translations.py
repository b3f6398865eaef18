"""What a language still lacks: every missing or stale string, file by file.

A translation is a set of parallel files (see :mod:`kit.languages`): the message
catalogs, the dataset cards, the syllabus' titles and skill phrases, and one
module at a time its teaching notebook (``modules/<lang>/``), its exercise
(``exercises/<assignment>-<lang>/``, with the self-check texts) and, for the
modules a city adapts, their templates. Each string of a translation is compared
with its English source:

- **missing**: the English has it, the translation does not (or the whole file is missing);
- **stale**: the English source changed since it was translated. Each language
  keeps a record of what its strings were translated from
  (``kit/course/translated_from/<lang>.yaml``: translated file -> string -> a short hash of
  the English text); a string with no record counts as stale too. After
  updating a translation, ``kit course check-translations --lang pt --accept``
  records the English it now matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kit.data.syllabus import load_syllabus
from kit.errors import KitError
from kit.languages import CATALOG_FOLDERS, REFERENCE, available_languages, card_translation
from kit.paths import bundled_dir, checkout_root

__all__ = ["STAMPS_DIR", "TranslationReport", "accept_translations", "check_languages", "check_translations"]

STAMPS_DIR = Path(__file__).resolve().parent / "translated_from"
_KIT = Path(__file__).resolve().parent.parent
# data files that give some texts per language inline ({en: …, es: …}), besides the syllabus
MULTILINGUAL_FILES = (_KIT / "analysis" / "safety_assessment.yaml", _KIT / "feedback" / "themes.yaml")


@dataclass(frozen=True)
class _Pair:
    """One translated file and the strings it should hold: key -> English text, key -> translation."""

    target: Path
    english: dict[str, str]
    translated: dict[str, str] | None  # None: the file does not exist


@dataclass
class TranslationReport:
    """A language's gaps: translated file -> missing string keys, and -> stale string keys."""

    lang: str
    missing: dict[str, list[str]] = field(default_factory=dict)
    stale: dict[str, list[str]] = field(default_factory=dict)
    missing_files: dict[str, int] = field(default_factory=dict)  # file -> how many strings it should hold

    @property
    def complete(self) -> bool:
        return not (self.missing or self.stale or self.missing_files)

    def summary(self) -> str:
        """``complete`` or how much is missing and stale, in one line."""
        if self.complete:
            return "complete"
        counts = (
            (len(self.missing_files), "files missing"),
            (sum(map(len, self.missing.values())), "strings missing"),
            (sum(map(len, self.stale.values())), "strings stale"),
        )
        return ", ".join(f"{n} {what}" for n, what in counts)

    def lines(self) -> list[str]:
        """One line per missing file, and per file its missing and stale strings."""
        out = [f"{f}: missing file ({n} strings)" for f, n in self.missing_files.items()]
        for f in sorted(self.missing.keys() | self.stale.keys()):
            out += [f"{f}: missing {k}" for k in self.missing.get(f, [])]
            out += [f"{f}: stale {k}" for k in self.stale.get(f, [])]
        return out


def _shown(path: Path) -> str:
    """``path`` as the checkout names it (``modules/pt/…``), also for a wheel's bundled copy."""
    try:
        shown = path.resolve().relative_to(checkout_root()).as_posix()
    except ValueError:
        return path.as_posix()
    return shown.removeprefix("kit/_bundled/")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KitError(f"{_shown(path)}: cannot be read as YAML ({' '.join(str(exc).split())})") from None


def _catalog_pairs(lang: str) -> Iterator[_Pair]:
    for folder in CATALOG_FOLDERS:
        target = folder / f"{lang}.yaml"
        english = {str(k): v for k, v in _read_yaml(folder / f"{REFERENCE}.yaml").items()}
        translated = {str(k): v for k, v in (_read_yaml(target) or {}).items()} if target.is_file() else None
        yield _Pair(target, english, translated)


def _card_strings(cards: dict[str, dict]) -> dict[str, str]:
    """A card's words a reader reads, flat: ``<name>.title``, ``.description``, ``.quirks``, ``.columns.<col>``."""
    flat = {}
    for name, card in cards.items():
        for part in ("title", "description"):
            if card.get(part):
                flat[f"{name}.{part}"] = str(card[part])
        if card.get("quirks"):
            flat[f"{name}.quirks"] = "\n".join(map(str, card["quirks"]))
        columns = card.get("columns") or {}
        if isinstance(columns, list):  # the English catalog: a list of column specs
            columns = {c["name"]: c.get("description", "") for c in columns}
        flat |= {f"{name}.columns.{col}": str(text) for col, text in columns.items() if text}
    return flat


def _card_pair(lang: str) -> _Pair:
    english = _read_yaml(card_translation(REFERENCE))
    target = card_translation(lang)
    translated = _card_strings(_read_yaml(target)["datasets"]) if target.is_file() else None
    return _Pair(target, _card_strings({c["name"]: c for c in english["datasets"]}), translated)


def _multilingual(tree: object, lang: str, where: str = "") -> Iterator[tuple[str, str, str | None]]:
    """Every text given per language in a YAML tree (a mapping with an ``en`` text):
    (its path, the English, the ``lang`` text or None)."""
    if isinstance(tree, dict):
        if isinstance(tree.get(REFERENCE), str):
            yield where or REFERENCE, tree[REFERENCE], tree.get(lang)
        for key, value in tree.items():
            if key != REFERENCE:
                yield from _multilingual(value, lang, f"{where}.{key}" if where else str(key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            label = value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), str) else i
            yield from _multilingual(value, lang, f"{where}[{label}]")


def _multilingual_pair(source: Path, target: Path, lang: str) -> _Pair:
    texts = list(_multilingual(_read_yaml(source), lang))
    english = {key: en for key, en, _ in texts}
    if not target.is_file():
        return _Pair(target, english, None)
    translated = {key: text for key, _, text in _multilingual(_read_yaml(target), lang) if isinstance(text, str)}
    return _Pair(target, english, translated)


def _notebook_cells(path: Path | None) -> dict[str, str] | None:
    """Cell position -> source (a translation has the same cells in the same order), or None without a file."""
    if path is None or not path.is_file():
        return None
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]  # as written: a template may not validate
    sources = ["".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"] for cell in cells]
    return {f"cell {i}": source for i, source in enumerate(sources) if source.strip()}


def _notebook_pair(source: Path, target: Path) -> _Pair:
    return _Pair(target, _notebook_cells(source) or {}, _notebook_cells(target))


def _exercise_pairs(exercises: Path, assignment: str, lang: str, checks: bool = True) -> Iterator[_Pair]:
    """The exercise's notebook and, unless ``checks`` is off (a template's are Jinja), its self-check texts."""
    english, translated = exercises / assignment, exercises / f"{assignment}-{lang}"
    yield _notebook_pair(english / f"{assignment}.ipynb", translated / f"{assignment}-{lang}.ipynb")
    if checks and (english / "checks.yaml").is_file():
        own = translated / "checks.yaml"  # a translation without its own reads the English folder's
        shared = translated.is_dir() and not own.is_file()
        yield _multilingual_pair(english / "checks.yaml", english / "checks.yaml" if shared else own, lang)


def _module_pairs(lang: str) -> Iterator[_Pair]:
    modules, exercises = bundled_dir("modules"), bundled_dir("exercises")
    for module in load_syllabus(modules / "syllabus.yaml").available():
        yield _notebook_pair(modules / f"{module.id}.ipynb", modules / lang / f"{module.id}.ipynb")
        template = modules / "templates" / f"{module.id}.ipynb"
        if template.is_file():
            yield _notebook_pair(template, modules / "templates" / lang / template.name)
        if module.assignment:
            yield from _exercise_pairs(exercises, module.assignment, lang)
            if (exercises / "templates" / module.assignment).is_dir():
                yield from _exercise_pairs(exercises / "templates", module.assignment, lang, checks=False)


def _pairs(lang: str) -> Iterator[_Pair]:
    yield from _catalog_pairs(lang)
    yield _card_pair(lang)
    for data in (bundled_dir("modules") / "syllabus.yaml", *MULTILINGUAL_FILES):
        yield _multilingual_pair(data, data, lang)
    yield from _module_pairs(lang)


def _stamps(lang: str) -> dict[str, dict[str, str]]:
    path = STAMPS_DIR / f"{lang}.yaml"
    return (_read_yaml(path) or {}) if path.is_file() else {}


def check_translations(lang: str) -> TranslationReport:
    """Every missing or stale string of ``lang``, file by file (see the module docstring).

    ``lang`` need not be complete yet: a language being added is checked the same way.
    """
    if lang == REFERENCE:
        raise KitError(f"{REFERENCE!r} is the language every translation is made from", hint="name a translation")
    report, stamps = TranslationReport(lang), _stamps(lang)
    for pair in _pairs(lang):
        name = _shown(pair.target)
        if pair.translated is None:
            report.missing_files[name] = len(pair.english)
            continue
        recorded = stamps.get(name, {})
        missing = [k for k in pair.english if k not in pair.translated]
        stale = [k for k in pair.english if k in pair.translated and recorded.get(k) != _hash(pair.english[k])]
        if missing:
            report.missing[name] = missing
        if stale:
            report.stale[name] = stale
    return report


def accept_translations(lang: str, only: Path | None = None) -> int:
    """Record that ``lang``'s strings (those of the file ``only``, or all) match their English now;
    return how many strings were recorded."""
    stamps = _stamps(lang)
    count = 0
    for pair in _pairs(lang):
        name = _shown(pair.target)
        if pair.translated is None or (only is not None and _shown(Path(only)) != name):
            continue
        stamps[name] = {k: _hash(pair.english[k]) for k in pair.english if k in pair.translated}
        count += len(stamps[name])
    STAMPS_DIR.mkdir(exist_ok=True)
    header = (
        f"# What each {lang} string was translated from: a short hash of its English source, per translated file.\n"
        f"# Written by `kit course check-translations --lang {lang} --accept`; a string whose English changed\n"
        "# since is reported stale.\n"
    )
    body = yaml.safe_dump(dict(sorted(stamps.items())), allow_unicode=True, sort_keys=True, width=200)
    (STAMPS_DIR / f"{lang}.yaml").write_text(header + body, encoding="utf-8")
    return count


def check_languages(languages: list[str] | None = None) -> list[TranslationReport]:
    """:func:`check_translations` for each of ``languages`` (default: every available one but English)."""
    chosen = languages or [lang for lang in available_languages() if lang != REFERENCE]
    return [check_translations(lang) for lang in chosen]
