"""The sentences of `kit course check`'s report, in every language the kit has.

The words live in the course catalog (``kit/course/messages/<lang>.yaml``): ``check.role.<role>``
(a heading per role), ``check.word.<key>`` (the report's own words), ``check.finding.<key>.label``
and ``.sentence`` (what a check looked at and what it found) and ``check.problem.<key>`` (what is
wrong and how to fix it), each a :meth:`str.format` template over the finding's values. A language
without a course catalog gets the English words.
"""

from __future__ import annotations

from pathlib import Path

from kit.languages import REFERENCE, available_languages
from kit.pages import read_catalog

MESSAGES_DIR = Path(__file__).with_name("messages")


def _words(lang: str) -> dict[str, str]:
    return read_catalog(MESSAGES_DIR, lang if lang in available_languages() else REFERENCE)


def role_title(role: str, lang: str) -> str:
    """A role's heading in ``lang`` (the role's own name when it has none)."""
    return _words(lang).get(f"check.role.{role}", role)


def label_of(key: str, params: dict, lang: str) -> str:
    """What a finding checked (or a report word), in ``lang``."""
    words = _words(lang)
    text = words.get(f"check.word.{key}") or words[f"check.finding.{key}.label"]
    return text.format(**params)


def sentence(key: str, params: dict, lang: str) -> str:
    """What a finding found (or a report sentence), in ``lang``."""
    words = _words(lang)
    text = words.get(f"check.word.{key}") or words[f"check.finding.{key}.sentence"]
    return text.format(**params)


def problem_text(key: str, params: dict, lang: str) -> str:
    """A problem's sentence in ``lang``."""
    return _words(lang)[f"check.problem.{key}"].format(**params).strip()
