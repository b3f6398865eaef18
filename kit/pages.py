"""Documents a person reads: message catalogs per language, Markdown, standalone HTML.

Shared by the parts that write documents (the training plan, the feedback
report). Every sentence lives in a message catalog per language
(``<part>/messages/<lang>.yaml``: key -> text with ``{placeholders}``), parallel
files a translator edits without touching code; Jinja2 templates hold the
structure and call ``t("key", **values)``. Nothing here depends on the clock, the
locale or the machine, so the same input gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from functools import lru_cache
from html import escape
from pathlib import Path

import jinja2
import yaml
from markdown_it import MarkdownIt

from kit.errors import KitError

__all__ = [
    "MessageError",
    "Messages",
    "check_catalogs",
    "markdown_cell",
    "markdown_to_html",
    "placeholders",
    "read_catalog",
    "template_environment",
    "tidy_markdown",
    "write_text",
]


class MessageError(KitError):
    """A message catalog is missing, malformed or lacks a key a document needs."""


@lru_cache(maxsize=16)
def _read_catalog(path: Path, mtime: float) -> dict[str, str]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MessageError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise MessageError(
            f"{path}: a message catalog maps each key to one text",
            hint='write lines like  title: "{city}: community open-data training plan"',
        )
    return {str(k): v for k, v in raw.items()}


def read_catalog(directory: Path, lang: str) -> dict[str, str]:
    """The message catalog ``<directory>/<lang>.yaml``: key -> text with ``{placeholders}``."""
    path = Path(directory) / f"{lang}.yaml"
    if not path.is_file():
        raise MessageError(
            f"no messages in language {lang!r} (no {path})",
            hint=f"copy {path.with_name('en.yaml')} to the new language and translate it",
        )
    return _read_catalog(path, path.stat().st_mtime)


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def check_catalogs(directory: Path, languages: tuple[str, ...], reference: str = "en") -> list[str]:
    """Every problem with the catalogs: missing or extra keys, placeholders that differ,
    and sentences left untranslated (the same text as the reference, four words or more)."""
    base = read_catalog(directory, reference)
    problems = []
    for lang in languages:
        if lang == reference:
            continue
        other = read_catalog(directory, lang)
        problems += [f"{lang}.yaml: missing key {key!r}" for key in base if key not in other]
        problems += [f"{lang}.yaml: key {key!r} is not in {reference}.yaml" for key in other if key not in base]
        for key in base.keys() & other.keys():
            if placeholders(base[key]) != placeholders(other[key]):
                problems.append(
                    f"{lang}.yaml: {key!r} has placeholders {sorted(placeholders(other[key]))}, "
                    f"{reference}.yaml has {sorted(placeholders(base[key]))}"
                )
            elif other[key] == base[key] and len(base[key].split()) > 3:
                problems.append(f"{lang}.yaml: {key!r} is not translated")
    return sorted(problems)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def number(n: float) -> str:
    """``3`` not ``3.0``; ``2.5`` stays."""
    return f"{n:g}"


class Messages:
    """One language's catalog, with the formatting of counts, lists and dates.

    Counts use ``<key>.one`` / ``<key>.other``; lists ``list.two`` / ``list.many``;
    dates ``date.long``, ``date.month_year``, ``weekday.<name>`` and ``month.<n>``.
    """

    directory: Path

    def __init__(self, lang: str, directory: Path | None = None) -> None:
        self.lang = lang
        if directory is not None:
            self.directory = Path(directory)
        self.text = read_catalog(self.directory, lang)

    def __call__(self, key: str, **values: object) -> str:
        try:
            return self.text[key].format(**values)
        except KeyError as exc:
            missing = key if key not in self.text else f"{{{exc.args[0]}}} in {key!r}"
            raise MessageError(
                f"messages {self.directory / self.lang}.yaml: no value for {missing}",
                hint=f"add it to {self.directory / self.lang}.yaml",
            ) from None

    def count(self, key: str, n: float, **values: object) -> str:
        """The singular (``key.one``) or plural (``key.other``) form, with ``{n}`` filled in."""
        return self(f"{key}.{'one' if n == 1 else 'other'}", n=number(n), **values)

    def join(self, items: list[str]) -> str:
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        if len(items) == 2:
            return self("list.two", first=items[0], second=items[1])
        return self("list.many", items=", ".join(items[:-1]), last=items[-1])

    def date(self, day: dt.date) -> str:
        return self(
            "date.long",
            weekday=self(f"weekday.{WEEKDAYS[day.weekday()]}"),
            day=day.day,
            month=self(f"month.{day.month}"),
            year=day.year,
        )

    def month_year(self, day: dt.date) -> str:
        return self("date.month_year", month=self(f"month.{day.month}"), year=day.year)


def markdown_cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


@lru_cache(maxsize=8)
def template_environment(directory: Path) -> jinja2.Environment:
    """Jinja2 for Markdown templates: strict about missing values, ``cell`` filter for table cells."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["cell"] = markdown_cell
    return env


def tidy_markdown(markdown: str) -> str:
    """No trailing spaces, at most one blank line in a row, one newline at the end."""
    lines = [line.rstrip() for line in markdown.splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n") + "\n"


_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       line-height: 1.5; color: #1b1b1b; background: #fff; max-width: 54rem; margin: 0 auto; padding: 2rem 1.25rem; }
h1 { font-size: 1.9rem; line-height: 1.2; border-bottom: 3px solid #1b1b1b; padding-bottom: .4rem; }
h2 { font-size: 1.4rem; margin-top: 2.2rem; border-bottom: 1px solid #bbb; padding-bottom: .2rem; }
h3 { font-size: 1.15rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .95rem; }
th, td { border: 1px solid #999; padding: .35rem .55rem; vertical-align: top; text-align: left; }
th { background: #eee; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; }
hr { border: 0; border-top: 1px solid #bbb; margin: 2rem 0 1rem; }
a { color: #0b4f9c; }
img { max-width: 100%; height: auto; }
blockquote { margin: .6rem 0; padding: .1rem 1rem; border-left: 4px solid #bbb; color: #333; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  table, tr, li { break-inside: avoid; page-break-inside: avoid; }
  th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 1.8cm; }
""".strip()


def markdown_to_html(md: str, title: str, lang: str = "en") -> str:
    """A standalone HTML page for ``md``: inline CSS, print-friendly, no external resources
    (images are expected inline, as ``data:image/png;base64`` links)."""
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(md)
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n<main>\n"
        f"{body}</main>\n</body>\n</html>\n"
    )


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 with ``\\n`` line ends on every platform."""
    with Path(path).open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return Path(path)
