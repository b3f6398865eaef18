"""Recurring themes in learners' comments: plain keyword grouping, no model.

Each theme (``themes.yaml`` next to this file, or a city's own copy) is a list
of keywords per language (English, Spanish, Portuguese). A comment belongs to every theme one of
whose keywords it contains, and the keywords that matched are the explanation
a program lead can check by reading the comment:

- case and accents do not matter (:func:`kit.data.text.fold`);
- a keyword matches the start of a word, so the stem ``"práctic"`` catches
  "práctica", "practicar" and "practice";
- a keyword of several words matches those words in a row, each as a start;
- the keywords of every language apply to every comment (learners mix them);
- when several keywords of one theme match, the explanation keeps the most
  specific (``"too fast"``, not also ``"fast"``).

Blank comments and non-answers ("n/a", "nada") are not comments and are not
counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from kit.errors import KitError
from kit.feedback.text_files import read_yaml, yaml_field
from kit.feedback.words import is_non_answer, words

__all__ = ["Theme", "ThemeCount", "ThemeError", "ThemeSummary", "group_comments", "load_themes", "themes_of"]

THEMES_FILE = Path(__file__).with_name("themes.yaml")

Phrase = tuple[str, ...]


class ThemeError(KitError):
    """A themes file cannot be used.

    Parameters
    ----------
    message
        What went wrong, in one line, naming the file and the field.
    path
        The themes file.
    field
        The field at fault (``themes.2.keywords.en``), when there is one.
    """

    def __init__(
        self, message: str, *, path: str | None = None, field: str | None = None, hint: str | None = None
    ) -> None:
        self.path = path
        self.field = field
        super().__init__(message, hint=hint)


@dataclass(frozen=True)
class Theme:
    """One recurring theme: an id, a label and keywords per language.

    Parameters
    ----------
    id
        Short stable name, e.g. ``"pace"``.
    label
        What a report calls it, per language: ``{"en": "Pace", "es": "Ritmo"}``.
    keywords
        Keywords per language: ``{"en": ("too fast", "slow"), "es": ("rápid",)}``.
    """

    id: str
    label: dict[str, str]
    keywords: dict[str, tuple[str, ...]]
    # (keyword as written, its folded words), one per distinct folded phrase, in file order
    _phrases: tuple[tuple[str, Phrase], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keywords = {lang: tuple(kws) for lang, kws in self.keywords.items()}
        object.__setattr__(self, "keywords", keywords)
        phrases: dict[Phrase, str] = {}
        for kws in keywords.values():
            for keyword in kws:
                phrases.setdefault(tuple(words(keyword)), keyword)
        phrases.pop((), None)
        object.__setattr__(self, "_phrases", tuple((kw, phrase) for phrase, kw in phrases.items()))

    def __hash__(self) -> int:
        return hash(self.id)

    def label_in(self, language: str) -> str:
        """The label in ``language``, else the English one, else the id."""
        return self.label.get(language) or self.label.get("en") or self.id


@dataclass(frozen=True)
class ThemeCount:
    """How many comments touch one theme, which ones, and through which keywords.

    ``keywords`` holds each matched keyword with the number of comments it
    matched, most common first (ties in the theme's keyword order).
    """

    theme: Theme
    count: int
    comments: tuple[str, ...]
    keywords: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ThemeSummary:
    """The themes of a set of comments.

    ``themes`` holds only themes with at least one comment, most comments first
    (ties in theme order); ``unthemed`` the comments no theme matched; ``total``
    the number of comments considered (blank ones and non-answers left out).
    """

    themes: tuple[ThemeCount, ...]
    unthemed: tuple[str, ...]
    total: int


# ---- the themes file ---------------------------------------------------------------

_Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _ThemeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: dict[_Lang, _Text] = Field(min_length=1)
    keywords: dict[_Lang, list[_Text]] = Field(min_length=1)

    @field_validator("keywords")
    @classmethod
    def _has_words(cls, keywords: dict[str, list[str]]) -> dict[str, list[str]]:
        for lang, kws in keywords.items():
            for keyword in kws:
                if not words(keyword):
                    raise ValueError(f"{lang} keyword {keyword!r} has no letters or digits")
        if not any(keywords.values()):
            raise ValueError("a theme needs at least one keyword")
        return keywords


class _ThemesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    themes: list[_ThemeSpec] = Field(min_length=1)

    @field_validator("themes")
    @classmethod
    def _unique_ids(cls, themes: list[_ThemeSpec]) -> list[_ThemeSpec]:
        seen: set[str] = set()
        for theme in themes:
            if theme.id in seen:
                raise ValueError(f"theme id {theme.id!r} appears twice")
            seen.add(theme.id)
        return themes


def _validate(path: Path, raw: object) -> _ThemesFile:
    if not isinstance(raw, dict):
        raise ThemeError(
            f"{path}: expected a mapping with a 'themes' list (id, label, keywords per theme)",
            path=str(path),
            field="themes",
        )
    try:
        return _ThemesFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = yaml_field(first["loc"])
        message = re.sub(r"\s+", " ", first["msg"])
        raise ThemeError(f"{path}: {where}: {message}", path=str(path), field=where) from None


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime: float) -> tuple[Theme, ...]:
    spec = _validate(path, read_yaml(path, "the themes file", partial(ThemeError, path=str(path))))
    return tuple(
        Theme(id=t.id, label=dict(t.label), keywords={lang: tuple(kws) for lang, kws in t.keywords.items()})
        for t in spec.themes
    )


def load_themes(path: Path | str | None = None) -> list[Theme]:
    """Read the themes: the packaged ``themes.yaml``, or a city's own file.

    Parameters
    ----------
    path
        A themes YAML file; ``None`` for the one that ships with the kit.

    Returns
    -------
    list of Theme
        In file order.

    Raises
    ------
    ThemeError
        One line naming the file and the field at fault.

    Examples
    --------
    >>> [t.id for t in load_themes()][:3]
    ['pace', 'practice-time', 'local-examples']
    """
    path = Path(path) if path is not None else THEMES_FILE
    if not path.is_file():
        raise ThemeError(f"{path}: no such themes file", path=str(path))
    return list(_load_cached(path.resolve(), path.stat().st_mtime))


# ---- matching ----------------------------------------------------------------------


def _spans(phrase: Phrase, tokens: list[str]) -> list[tuple[int, int]]:
    """Where the phrase's words start the words of ``tokens``, in a row: (first, past-last) positions."""
    n = len(phrase)
    return [
        (i, i + n) for i in range(len(tokens) - n + 1) if all(tokens[i + j].startswith(phrase[j]) for j in range(n))
    ]


def _most_specific(matched: list[tuple[str, Phrase, list[tuple[int, int]]]]) -> tuple[str, ...]:
    """The matched keywords, less those only ever found inside a more specific one.

    "fast" inside "too fast" and "map" on the word "mapas" (which "mapa" also
    matched) say nothing more; "map" on the word "maps" does.
    """

    def covered(phrase: Phrase, span: tuple[int, int]) -> bool:
        return any(
            other != phrase
            and start <= span[0]
            and span[1] <= end
            and ((start, end) != span or bool(_spans(phrase, list(other))))
            for _, other, spans in matched
            for start, end in spans
        )

    return tuple(kw for kw, phrase, spans in matched if not all(covered(phrase, span) for span in spans))


class _KeywordIndex:
    """The themes' keywords by their first word, built once per list of themes (:func:`_keyword_index`):
    a comment's words are looked up, rather than every keyword searched for in every comment."""

    def __init__(self, themes: tuple[Theme, ...]) -> None:
        self.themes = themes
        # a keyword's first word -> (its theme's position, its position in the theme, keyword, phrase)
        self._by_first: dict[str, list[tuple[int, int, str, Phrase]]] = {}
        for place, theme in enumerate(themes):
            for rank, (keyword, phrase) in enumerate(theme._phrases):
                self._by_first.setdefault(phrase[0], []).append((place, rank, keyword, phrase))
        self._lengths = sorted({len(first) for first in self._by_first})

    def _spans(self, tokens: list[str]) -> dict[tuple[int, int], list[tuple[int, int]]]:
        """(theme, keyword) positions -> where the keyword's words start the words of ``tokens``, in a row."""
        found: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for i, token in enumerate(tokens):
            for length in self._lengths:
                if length > len(token):
                    break
                for place, rank, _, phrase in self._by_first.get(token[:length], ()):
                    end = i + len(phrase)
                    if end <= len(tokens) and all(tokens[i + j].startswith(phrase[j]) for j in range(1, len(phrase))):
                        found.setdefault((place, rank), []).append((i, end))
        return found

    def themes_of(self, tokens: list[str]) -> list[tuple[Theme, tuple[str, ...]]]:
        """The themes of a comment's words, in theme order, each with its most specific keywords."""
        matched: dict[int, list[tuple[str, Phrase, list[tuple[int, int]]]]] = {}
        for (place, rank), spans in sorted(self._spans(tokens).items()):
            keyword, phrase = self.themes[place]._phrases[rank]
            matched.setdefault(place, []).append((keyword, phrase, spans))
        found = ((self.themes[place], _most_specific(keywords)) for place, keywords in matched.items())
        return [(theme, keywords) for theme, keywords in found if keywords]


@lru_cache(maxsize=8)
def _keyword_index(themes: tuple[Theme, ...]) -> _KeywordIndex:
    return _KeywordIndex(themes)


def themes_of(comment: str, themes: list[Theme] | None = None) -> list[tuple[Theme, tuple[str, ...]]]:
    """The themes of one comment, each with the keywords that matched (the explanation).

    Parameters
    ----------
    comment
        One learner's comment, in English, Spanish or both.
    themes
        The themes to look for; ``None`` for the packaged ones.

    Returns
    -------
    list of (Theme, tuple of str)
        In theme order; empty when no theme matches.

    Examples
    --------
    >>> [(t.id, kws) for t, kws in themes_of("Muy rápido. More maps, más mapas!")]
    [('pace', ('rápid',)), ('maps-visuals', ('map', 'mapa'))]
    """
    themes = load_themes() if themes is None else themes
    return _keyword_index(tuple(themes)).themes_of(words(comment))


def _keyword_order(theme: Theme) -> dict[str, int]:
    return {kw: i for i, (kw, _) in enumerate(theme._phrases)}


def _count(theme: Theme, comments: list[str], keywords: Counter) -> ThemeCount:
    order = _keyword_order(theme)
    ranked = sorted(keywords.items(), key=lambda item: (-item[1], order[item[0]]))
    return ThemeCount(theme=theme, count=len(comments), comments=tuple(comments), keywords=tuple(ranked))


def _considered(comments: Iterable[str | None]) -> list[str]:
    """Comments with something in them, stripped; None, NaN, blanks and non-answers left out."""
    return [c.strip() for c in comments if isinstance(c, str) and c.strip() and not is_non_answer(c)]


def group_comments(comments: Iterable[str | None], themes: list[Theme] | None = None) -> ThemeSummary:
    """Group comments by recurring theme.

    A comment can belong to several themes. Blank comments, ``None`` (or a
    pandas NaN) and non-answers ("n/a", "nada") are skipped.

    Parameters
    ----------
    comments
        The open comments, e.g. ``responses.table["comments"]``.
    themes
        The themes to look for; ``None`` for the packaged ones.

    Returns
    -------
    ThemeSummary

    Examples
    --------
    >>> summary = group_comments(["Too fast!", "muy rápido", "More maps please", None, "n/a"])
    >>> [(t.theme.id, t.count) for t in summary.themes], summary.total
    ([('pace', 2), ('maps-visuals', 1)], 3)
    """
    themes = load_themes() if themes is None else themes
    members: dict[str, list[str]] = {t.id: [] for t in themes}
    keywords: dict[str, Counter] = {t.id: Counter() for t in themes}
    unthemed: list[str] = []
    considered = _considered(comments)
    for comment in considered:
        found = themes_of(comment, themes)
        if not found:
            unthemed.append(comment)
        for theme, matched in found:
            members[theme.id].append(comment)
            keywords[theme.id].update(matched)
    counts = [_count(t, members[t.id], keywords[t.id]) for t in themes if members[t.id]]
    ranked = sorted(counts, key=lambda c: -c.count)  # stable: ties stay in theme order
    return ThemeSummary(themes=tuple(ranked), unthemed=tuple(unthemed), total=len(considered))
