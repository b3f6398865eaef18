"""The text files a program lead hands the kit, read one way.

Survey exports, attendance sheets and city catalogs come from Google Forms,
Microsoft Forms, Excel on Windows or a portal's export button, so their bytes
may be in any of the common encodings:

- :func:`decode_text` — bytes to text: UTF-8 (with or without BOM), UTF-16
  (with BOM: Excel's "Unicode text"), then Windows-1252 (Excel's "CSV" on
  Windows); strict, the first that fits wins, and text that looks binary is
  not text.
- :func:`read_yaml` — a YAML file people edit (a column mapping, the themes,
  the request words) as plain data, or one line naming the file and the line;
  :func:`yaml_field` — where in it a validation error points.
- :func:`header_key` — a question or column header for loose matching, the
  way the readers match them (the mapping and the forms check with it too).

Each caller raises its own error (a survey's :class:`kit.feedback.mapping.SurveyError`,
a catalog's :class:`kit.errors.CatalogError`, a themes file's
:class:`kit.feedback.themes.ThemeError`), naming the file.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import yaml

from kit.errors import KitError

__all__ = ["decode_text", "header_key", "read_yaml", "yaml_field"]


def decode_text(raw: bytes) -> tuple[str, str] | None:
    """The text in ``raw`` and the encoding it was in, or ``None`` when it is not text.

    A UTF-8 or UTF-16 byte-order mark decides the encoding (and is dropped);
    without one, UTF-8 is tried, then Windows-1252. Text with a NUL or many
    control characters (a spreadsheet's binary file, a ZIP) is not text.

    Examples
    --------
    >>> decode_text("name,población\\n".encode("utf-16"))
    ('name,población\\n', 'utf-16')
    >>> decode_text(b"\\xef\\xbb\\xbfname\\n"), decode_text("año".encode("cp1252"))
    (('name\\n', 'utf-8-sig'), ('año', 'cp1252'))
    >>> decode_text(b"PK\\x03\\x04\\x00\\x00") is None
    True
    """
    if raw.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp1252")
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            return None
        return text, encoding
    return None


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    return "\x00" in text or controls > max(2, len(text) // 100)


def read_yaml(path: Path, what: str, error: Callable[[str], KitError]) -> object:
    """The YAML document in ``path`` (UTF-8, with or without BOM) as plain data.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for the message: ``"the column mapping"``.
    error
        Makes the caller's error from a one-line message, e.g.
        ``functools.partial(SurveyError, path=str(path))``.

    Raises
    ------
    KitError
        ``error("<path>: <what> cannot be read (<why>)")`` or
        ``error("<path>:<line>: not valid YAML: <problem>")``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: {what} cannot be read ({exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{path}:{line}: not valid YAML: {problem}") from None


def yaml_field(loc: tuple[str | int, ...]) -> str:
    """Where in a YAML file a validation error points (pydantic's ``loc``), as a dotted path.

    Examples
    --------
    >>> yaml_field(("themes", 2, "keywords", "en")), yaml_field(())
    ('themes.2.keywords.en', '(top level)')
    """
    return ".".join(str(part) for part in loc) or "(top level)"


def header_key(header: str) -> str:
    """Header text for loose matching: whitespace collapsed, case and quote style ignored.

    Examples
    --------
    >>> header_key("\\ufeffWhat’s  YOUR\\ncode? ") == header_key("what's your code?")
    True
    """
    header = header.replace("\ufeff", "").replace("\u2019", "'").replace("\u2018", "'")
    header = header.replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(header.split()).casefold()
