"""Month names in each language the kit writes: one lookup, for plans, calendars and adapted notebooks.

The names live in each language's catalog (``kit/data/messages/<lang>.yaml``: ``month.1`` … ``month.12``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from kit.languages import available_languages
from kit.pages import read_catalog

__all__ = ["MONTH_NAMES"]

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
