"""Month names in each language the kit writes: one lookup, for plans, calendars and adapted notebooks.

The names live in each language's catalog (``kit/data/messages/<lang>.yaml``: ``month.1`` … ``month.12``),
with how the language writes a day (``date.day``) and a month of a year (``date.month_year``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

from kit.languages import REFERENCE, available_languages
from kit.pages import Messages, read_catalog

__all__ = ["MONTH_NAMES", "write_day", "write_month"]

MESSAGES_DIR = Path(__file__).with_name("messages")


class _MonthNames(Mapping[str, tuple[str, ...]]):
    """Language -> its twelve month names, January first (``MONTH_NAMES["pt"][2] == "março"``)."""

    def __getitem__(self, lang: str) -> tuple[str, ...]:
        if lang not in available_languages():
            raise KeyError(lang)
        words = read_catalog(MESSAGES_DIR, lang)
        return tuple(words[f"month.{n}"] for n in range(1, 13))

    def __iter__(self) -> Iterator[str]:
        return iter(available_languages())

    def __len__(self) -> int:
        return len(available_languages())


MONTH_NAMES: Mapping[str, tuple[str, ...]] = _MonthNames()


def _messages(lang: str) -> Messages:
    """The data catalog of ``lang`` (English for a language the kit does not have)."""
    return Messages(lang if lang in available_languages() else REFERENCE, MESSAGES_DIR)


def write_day(day: date, lang: str = REFERENCE) -> str:
    """``day`` as ``lang`` writes it in prose.

    Examples
    --------
    >>> write_day(date(2023, 2, 28)), write_day(date(2023, 2, 28), "pt")
    ('February 28, 2023', '28 de fevereiro de 2023')
    """
    words = _messages(lang)
    return words("date.day", day=day.day, month=words(f"month.{day.month}"), year=day.year)


def write_month(day: date, lang: str = REFERENCE) -> str:
    """The month of ``day`` with its year, as ``lang`` writes it: ``January 2023``, ``enero de 2023``."""
    return _messages(lang).month_year(day)
