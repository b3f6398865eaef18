"""The sentences of `kit course check`'s report, in every language the kit has.

The words live in the course catalog (``kit/course/messages/<lang>.yaml``): ``check.role.<role>``
(a heading per role), ``check.word.<key>`` (the report's own words), ``check.finding.<key>.label``
and ``.sentence`` (what a check looked at and what it found) and ``check.problem.<key>`` (what is
wrong and how to fix it), each a :meth:`str.format` template over the finding's values. A language
without a course catalog gets the English words. Numbers and shares are written with the language's
separators (``number.thousands``, ``number.decimal``): ``1,234`` and ``70.0%`` in English,
``1.234`` and ``70,0%`` in Portuguese.
"""

from __future__ import annotations

import re
from pathlib import Path

from kit.languages import REFERENCE, available_languages
from kit.pages import read_catalog

MESSAGES_DIR = Path(__file__).with_name("messages")


_SHARE = re.compile(r"<?\d+(\.\d+)?%")  # a share as check.py writes it: 70.0%, <0.1%


def _words(lang: str) -> dict[str, str]:
    return read_catalog(MESSAGES_DIR, lang if lang in available_languages() else REFERENCE)


def _styled(text: str, words: dict[str, str]) -> str:
    """A number written in English style (``1,234.5``) with the separators of ``words``' language."""
    return text.replace(",", "\0").replace(".", words["number.decimal"]).replace("\0", words["number.thousands"])


class _Number:
    """A finding's number that a template formats in its language's style (``{n:,}`` -> ``1.234``)."""

    def __init__(self, value: float, words: dict[str, str]) -> None:
        self.value, self.words = value, words

    def __format__(self, spec: str) -> str:
        return _styled(format(self.value, spec), self.words)

    def __str__(self) -> str:
        return format(self, "")

    def __repr__(self) -> str:
        return repr(self.value)


def _in_style(params: dict, words: dict[str, str]) -> dict:
    """``params`` with their numbers and shares in the language's style (unchanged for ``1,234.5``)."""
    if (words["number.thousands"], words["number.decimal"]) == (",", "."):
        return params
    styled = {}
    for name, value in params.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = _Number(value, words)
        elif isinstance(value, str) and _SHARE.fullmatch(value):
            value = _styled(value, words)
        styled[name] = value
    return styled


def role_title(role: str, lang: str) -> str:
    """A role's heading in ``lang`` (the role's own name when it has none)."""
    return _words(lang).get(f"check.role.{role}", role)


def label_of(key: str, params: dict, lang: str) -> str:
    """What a finding checked (or a report word), in ``lang``."""
    words = _words(lang)
    text = words.get(f"check.word.{key}") or words[f"check.finding.{key}.label"]
    return text.format(**_in_style(params, words))


def sentence(key: str, params: dict, lang: str) -> str:
    """What a finding found (or a report sentence), in ``lang``."""
    words = _words(lang)
    text = words.get(f"check.word.{key}") or words[f"check.finding.{key}.sentence"]
    return text.format(**_in_style(params, words))


def problem_text(key: str, params: dict, lang: str) -> str:
    """A problem's sentence in ``lang``."""
    words = _words(lang)
    return words[f"check.problem.{key}"].format(**_in_style(params, words)).strip()
