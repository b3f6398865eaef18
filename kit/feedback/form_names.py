"""The columns Google Forms and Microsoft Forms write, and the words of the files a program lead
hands in, in every language the kit speaks.

A form tool names its own columns (the submission time, the email, Microsoft's ID and
start time) in the form owner's interface language, and writes dates day first in some
of them. Those names are data: each survey catalog (``kit/feedback/surveys/<lang>.yaml``)
holds them under ``form.google.*``, ``form.microsoft.*``, ``form.anonymous`` and
``form.dayfirst``, and :func:`form_names` gathers them from every available language
(:func:`kit.languages.available_languages`), so a new language's exports are read once
its catalog exists.

:func:`sheet_words` gathers the other words those files use, from the same catalogs
(``read.*``): answers that say nothing ("n/a", "nada", "não sei") and an attendance
sheet's column names and yes/no marks.
"""

from __future__ import annotations

from dataclasses import dataclass

from kit.data.text import fold, fold_words
from kit.feedback.instruments import SURVEYS_DIR
from kit.feedback.text_files import header_key
from kit.languages import available_languages
from kit.pages import read_catalog

__all__ = ["FormNames", "SheetWords", "form_names", "sheet_words"]

GOOGLE_METADATA = ("form.google.timestamp", "form.google.email", "form.google.score")
MICROSOFT_METADATA = (
    "form.microsoft.id",
    "form.microsoft.start",
    "form.microsoft.completion",
    "form.microsoft.email",
    "form.microsoft.name",
    "form.microsoft.modified",
)


@dataclass(frozen=True)
class FormNames:
    """What the form tools write, over every language, as :func:`header_key` compares headers.

    Attributes
    ----------
    google_timestamp
        Google's first column (``timestamp``, ``marca temporal``, ``carimbo de data/hora``).
    google_metadata
        Every column Google adds itself (the time, the email, a quiz's score).
    microsoft_id
        Microsoft's first column (``id``, ``id.``).
    microsoft_submitted
        Microsoft's completion time, the time a response was sent.
    microsoft_metadata
        Every column Microsoft adds itself.
    dayfirst_markers
        Names only a day-first language writes: one in a header means ``03/04/2026`` is 3 April.
    anonymous
        What a form writes for a respondent it did not identify, compared without case or accents.
    """

    google_timestamp: frozenset[str]
    google_metadata: frozenset[str]
    microsoft_id: frozenset[str]
    microsoft_submitted: frozenset[str]
    microsoft_metadata: frozenset[str]
    dayfirst_markers: frozenset[str]
    anonymous: frozenset[str]


def _names(catalogs: list[dict[str, str]], keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(header_key(c[k]) for c in catalogs for k in keys if c.get(k, "").strip())


def _dayfirst_markers(catalogs: list[dict[str, str]]) -> frozenset[str]:
    """The form names of day-first languages that no month-first language also writes."""
    keys = GOOGLE_METADATA + MICROSOFT_METADATA
    dayfirst = [c for c in catalogs if c.get("form.dayfirst", "no").strip().lower() == "yes"]
    monthfirst = [c for c in catalogs if c not in dayfirst]
    return _names(dayfirst, keys) - _names(monthfirst, keys)


def form_names(languages: tuple[str, ...] | None = None) -> FormNames:
    """The form tools' own column names in ``languages`` (default: every available language)."""
    catalogs = [read_catalog(SURVEYS_DIR, lang) for lang in languages or available_languages()]
    return FormNames(
        google_timestamp=_names(catalogs, ("form.google.timestamp",)),
        google_metadata=_names(catalogs, GOOGLE_METADATA),
        microsoft_id=_names(catalogs, ("form.microsoft.id",)),
        microsoft_submitted=_names(catalogs, ("form.microsoft.completion",)),
        microsoft_metadata=_names(catalogs, MICROSOFT_METADATA),
        dayfirst_markers=_dayfirst_markers(catalogs),
        anonymous=frozenset(fold(c["form.anonymous"].strip()) for c in catalogs if "form.anonymous" in c),
    )


@dataclass(frozen=True)
class SheetWords:
    """Words the files a program lead hands in use, over every language, folded (no case, no accents).

    Attributes
    ----------
    non_answers
        Answers that say nothing, as :func:`kit.data.text.fold_words` gives them (``"n a"``, ``"nao sei"``).
    attendance
        An attendance sheet's column names: ``learner``, ``date`` and ``present`` -> the names it may have.
    yes, no
        The marks of present and absent (a blank cell is absent too).
    """

    non_answers: frozenset[str]
    attendance: dict[str, frozenset[str]]
    yes: frozenset[str]
    no: frozenset[str]


def _alternatives(catalogs: list[dict[str, str]], key: str, folding=fold) -> frozenset[str]:
    """Every `` | ``-separated alternative under ``key`` in ``catalogs``, folded."""
    return frozenset(folding(word.strip()) for c in catalogs for word in c.get(key, "").split("|") if word.strip())


def sheet_words(languages: tuple[str, ...] | None = None) -> SheetWords:
    """The words of ``languages``' survey catalogs (default: every available language) under ``read.*``."""
    catalogs = [read_catalog(SURVEYS_DIR, lang) for lang in languages or available_languages()]
    return SheetWords(
        non_answers=_alternatives(catalogs, "read.non_answers", fold_words) | {""},
        attendance={
            name: _alternatives(catalogs, f"read.attendance.{name}") for name in ("learner", "date", "present")
        },
        yes=_alternatives(catalogs, "read.attendance.yes"),
        no=_alternatives(catalogs, "read.attendance.no") | {""},
    )
