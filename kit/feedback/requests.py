"""Dataset requests ("What data do you wish the city published?") matched to a catalog.

Each request is marked *published* (it names a dataset the catalog has) or a
*gap*, and every match carries the words that made it, so a program lead can
check it by eye. The steps, each a small function below:

1. :func:`split_requests` — one answer may hold several requests (lines, ``;``,
   bullets, numbered lists); non-answers ("n/a", "nada", "no sé") are dropped.
2. :func:`_terms` — a request's words: folded (case and accents), stopwords of
   every language dropped ("data", "by", "por", "de", "dos"...), light stemming
   (``quejas`` -> ``queja``, ``elecciones`` -> ``eleccion``, ``votes`` -> ``vot``).
   Each word also stands for its translations in the small multilingual
   :data:`GLOSSARY` (``queja`` = ``complaint``, ``permiso`` = ``permit``).
3. :func:`_index` — each catalog entry's words, with a weight by where they
   appear: title and keywords (tags, synonyms, translated title) count fully,
   the description half, column names and meanings a quarter. A
   :class:`RequestMatcher` indexes a catalog once (and which entries hold each
   word), then matches any number of requests against it.
4. :func:`_score` — the share of the request's words an entry covers, each
   word weighted by how rare it is in the catalog (a word found in many
   entries, like "neighborhood", tells less than "311"). The best entry at or
   above :data:`MATCH_THRESHOLD` wins; ties go to the first in catalog order.

The catalog is the bundled one (:func:`kit.feedback.catalogs.bundled_catalog`,
from the dataset cards in every available language plus :data:`SYNONYMS`) or a city's
own export (:func:`kit.feedback.catalogs.load_city_catalog`: Socrata Discovery
API JSON, Socrata ``/api/views`` JSON, or a CSV).

The words themselves (:data:`STOPWORDS`, the glossary's groups, :data:`SYNONYMS`
and :data:`TOPICS`) are data: ``request_words.yaml`` beside this module, read
once and checked (a mistake fails with one line naming the file and the field).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kit.data.text import fold
from kit.errors import KitError
from kit.feedback.text_files import read_yaml, yaml_field
from kit.feedback.words import is_non_answer, words

__all__ = [
    "GLOSSARY",
    "MATCH_THRESHOLD",
    "SYNONYMS",
    "TOPICS",
    "CatalogEntry",
    "RequestMatch",
    "RequestMatcher",
    "match_request",
    "match_requests",
    "split_requests",
]

MATCH_THRESHOLD = 0.5
"""The least score (share of the request's words, rarity-weighted) that counts as published."""

# where a word appears in an entry -> how much it counts
TITLE_WEIGHT = 1.0  # title, keywords (tags, synonyms, the translated title)
DESCRIPTION_WEIGHT = 0.5  # description, translated description
COLUMN_WEIGHT = 0.25  # column names and what they mean

REQUEST_WORDS_FILE = Path(__file__).with_name("request_words.yaml")
"""The matcher's words: stopwords, the bilingual glossary, the bundled datasets' synonyms and topics."""


# ---- the request words file --------------------------------------------------------

_Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _RequestWordsFile(BaseModel):
    """``request_words.yaml`` as written (strict: a number or yes/no where words belong is a mistake)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    stopwords: dict[_Lang, _Text] = Field(min_length=1)
    glossary: list[_Text] = Field(min_length=1)
    synonyms: dict[str, list[_Text]]
    topics: dict[str, list[_Text]]


@dataclass(frozen=True)
class _RequestWords:
    stopwords: frozenset[str]  # folded
    glossary: tuple[str, ...]  # one group of same-meaning words per item
    synonyms: Mapping[str, tuple[str, ...]]
    topics: Mapping[str, tuple[str, ...]]


@cache
def _load_request_words(path: Path = REQUEST_WORDS_FILE) -> _RequestWords:
    """Read and check the request words file, once.

    Raises
    ------
    KitError
        One line naming the file and the field at fault.
    """
    raw = read_yaml(path, "the request words file", KitError)
    if not isinstance(raw, dict):
        raise KitError(f"{path}: expected a mapping with stopwords, glossary, synonyms and topics")
    try:
        spec = _RequestWordsFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = yaml_field(first["loc"])
        raise KitError(f"{path}: {where}: {' '.join(first['msg'].split())}") from None
    return _RequestWords(
        stopwords=frozenset(word for text in spec.stopwords.values() for word in words(text)),
        glossary=tuple(spec.glossary),
        synonyms=MappingProxyType({name: tuple(kws) for name, kws in spec.synonyms.items()}),
        topics=MappingProxyType({name: tuple(kws) for name, kws in spec.topics.items()}),
    )


STOPWORDS = _load_request_words().stopwords
"""Words that say nothing about which dataset is wanted, in every language of the file (folded)."""

SYNONYMS = _load_request_words().synonyms
"""Extra keywords of the bundled datasets, in every language: what learners call them."""

TOPICS = _load_request_words().topics
"""What some bundled datasets cover beyond their title (the 311 complaint types,
the kinds of events): counts like the description, so "noise complaints" finds
the 311 requests but "noise levels" alone does not."""


@dataclass(frozen=True)
class CatalogEntry:
    """One dataset of a catalog, as the matcher sees it.

    Parameters
    ----------
    name
        Its id: the kit's dataset name (``"service_requests"``) or a portal's
        dataset id (``"msk6-43c6"``).
    title
        Its title, as the portal shows it.
    description
        What it is.
    keywords
        Tags, categories and synonyms, in any language (count like the title).
    url
        Where it lives, when known.
    columns
        Column names and what they mean (count a quarter).
    notes
        More about what it holds: its description in other languages, the
        topics it covers (count like the description).
    """

    name: str
    title: str
    description: str
    keywords: tuple[str, ...]
    url: str | None = None
    columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestMatch:
    """One request and the dataset that covers it, or none (a gap).

    ``score`` is the share of the request's words the dataset covers (0-1,
    rarer words counting more); for a gap, the best score any dataset reached.
    ``terms`` are the request's words that made the match, as the learner
    wrote them (empty for a gap).
    """

    request: str
    dataset: str | None
    title: str | None
    score: float
    terms: tuple[str, ...]

    @property
    def status(self) -> str:
        """``"published"`` when a dataset covers the request, else ``"gap"``."""
        return "gap" if self.dataset is None else "published"


# ---- words -------------------------------------------------------------------------


def _stem(word: str) -> str:
    """Light stemming of a folded word, the same in both languages.

    Plural ``-ies`` becomes ``-y``; a final ``-s`` goes (not from ``-ss``,
    ``-us``, ``-is``: "address", "bus", "analysis"), then a final ``-e`` (not
    after ``ll``: "calle" stays apart from "call"), so that both
    ``vote``/``votes`` and ``eleccion``/``elecciones`` meet.

    Examples
    --------
    >>> [_stem(w) for w in ("votes", "vote", "elecciones", "eleccion", "cities", "buses", "bus", "calles")]
    ['vot', 'vot', 'eleccion', 'eleccion', 'city', 'bus', 'bus', 'calle']
    """
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("e") and not word.endswith("lle") and len(word) > 3:
        word = word[:-1]
    return word


def _keep(word: str) -> bool:
    return word not in STOPWORDS and (len(word) > 1 or word.isdigit())


def _stems(text: str) -> list[str]:
    """The stems of a text's words, stopwords left out, in order."""
    return [_stem(w) for w in words(text) if _keep(w)]


def _build_glossary() -> Mapping[str, frozenset[str]]:
    groups: dict[str, frozenset[str]] = {}
    for line in _load_request_words().glossary:
        group = frozenset(_stem(w) for w in words(line))
        for stem in group:
            groups[stem] = groups.get(stem, frozenset()) | group
    return MappingProxyType(groups)


GLOSSARY = _build_glossary()
"""Stem -> the stems that mean the same in English, Spanish or Portuguese (itself included)."""


@dataclass(frozen=True)
class _Term:
    surface: str  # the word as the learner wrote it (casefolded)
    alternatives: frozenset[str]  # its stem and the stems of its translations


def _terms(request: str) -> list[_Term]:
    """The request's words that matter, each once, with their translations."""
    seen: dict[str, _Term] = {}
    for surface in re.findall(r"[^\W_]+", unicodedata.normalize("NFC", request.casefold())):
        word = fold(surface)
        if not _keep(word):
            continue
        stem = _stem(word)
        if stem not in seen:
            seen[stem] = _Term(surface, GLOSSARY.get(stem, frozenset({stem})))
    return list(seen.values())


# ---- scoring -----------------------------------------------------------------------


def _index(entry: CatalogEntry) -> dict[str, float]:
    """Each stem of the entry -> the most it counts (by where it appears)."""
    weighted = [
        (TITLE_WEIGHT, (entry.title, *entry.keywords)),
        (DESCRIPTION_WEIGHT, (entry.description, *entry.notes)),
        (COLUMN_WEIGHT, entry.columns),
    ]
    index: dict[str, float] = {}
    for weight, texts in weighted:
        for text in texts:
            for stem in _stems(text or ""):
                index[stem] = max(index.get(stem, 0.0), weight)
    return index


def _weight(term: _Term, index: dict[str, float]) -> float:
    return max(index.get(stem, 0.0) for stem in term.alternatives)


def _score(terms: list[_Term], rarity: list[float], index: dict[str, float]) -> tuple[float, tuple[str, ...]]:
    """Share of the request's (rarity-weighted) words this entry covers, and the words it covers."""
    total = sum(rarity)
    if not total:
        return 0.0, ()
    weights = [_weight(term, index) for term in terms]
    covered = sum(r * w for r, w in zip(rarity, weights)) / total
    return round(covered, 4), tuple(t.surface for t, w in zip(terms, weights) if w > 0)


class RequestMatcher:
    """A catalog's word index, built once, that matches any number of requests against it.

    Parameters
    ----------
    catalog
        Catalog entries: :func:`kit.feedback.catalogs.bundled_catalog` or
        :func:`kit.feedback.catalogs.load_city_catalog`.

    Examples
    --------
    >>> from kit.feedback.catalogs import bundled_catalog
    >>> matcher = RequestMatcher(bundled_catalog())
    >>> [m.dataset for m in matcher.match_answers(["quejas al 311 por barrio; bus stops", None])]
    ['service_requests', None]
    """

    def __init__(self, catalog: Iterable[CatalogEntry]) -> None:
        self.entries = tuple(catalog)
        self._indexes = [_index(e) for e in self.entries]
        self._holders: dict[str, set[int]] = {}  # stem -> the positions of the entries that have it
        for position, index in enumerate(self._indexes):
            for stem in index:
                self._holders.setdefault(stem, set()).add(position)

    def _found_in(self, term: _Term) -> set[int]:
        """The entries with the term (or one of its translations)."""
        return set().union(*(self._holders.get(stem, ()) for stem in term.alternatives))

    def match(self, request: str) -> RequestMatch:
        """The entry that covers one request (see :func:`match_request`), or a gap."""
        terms = _terms(request)
        found = [self._found_in(term) for term in terms]
        # inverse document frequency: 1 for a word in every entry, more for rarer (or absent) words
        rarity = [1.0 + math.log((len(self.entries) + 1) / (len(holders) + 1)) for holders in found]
        best, best_score, best_terms = None, 0.0, ()
        for position in sorted(set().union(*found)):  # an entry with none of the words scores 0
            score, matched = _score(terms, rarity, self._indexes[position])
            if score > best_score:  # strictly: ties keep the first in catalog order
                best, best_score, best_terms = self.entries[position], score, matched
        if best is None or best_score < MATCH_THRESHOLD:
            return RequestMatch(request, None, None, best_score, ())
        return RequestMatch(request, best.name, best.title, best_score, best_terms)

    def match_answers(self, answers: Iterable[str | None]) -> list[RequestMatch]:
        """Split each answer into requests (:func:`split_requests`) and match each (see :func:`match_requests`)."""
        return [
            self.match(request)
            for answer in answers
            for request in split_requests(answer if isinstance(answer, str) else None)
        ]


def match_request(request: str, catalog: Iterable[CatalogEntry]) -> RequestMatch:
    """Match one request to the catalog entry that covers it, or mark it a gap.

    Parameters
    ----------
    request
        One request, in any language the words file knows: ``"quejas al 311 por barrio"``.
    catalog
        Catalog entries: :func:`kit.feedback.catalogs.bundled_catalog` or
        :func:`kit.feedback.catalogs.load_city_catalog`. To match many
        requests, index the catalog once with :class:`RequestMatcher`.

    Returns
    -------
    RequestMatch
        ``status`` is ``"published"`` with the dataset, its title, the score and
        the words that matched, or ``"gap"``.

    Examples
    --------
    >>> from kit.feedback.catalogs import bundled_catalog
    >>> m = match_request("quejas al 311 por barrio", bundled_catalog())
    >>> m.status, m.dataset, m.terms
    ('published', 'service_requests', ('quejas', '311', 'barrio'))
    >>> match_request("bus stop locations", bundled_catalog()).status
    'gap'
    """
    return RequestMatcher(catalog).match(request)


def match_requests(answers: Iterable[str | None], catalog: Iterable[CatalogEntry]) -> list[RequestMatch]:
    """Split each answer into requests (:func:`split_requests`) and match each one.

    Parameters
    ----------
    answers
        The answers to "What data do you wish the city published?" (blank ones,
        ``None`` and NaN are skipped).
    catalog
        Catalog entries: :func:`kit.feedback.catalogs.bundled_catalog` or
        :func:`kit.feedback.catalogs.load_city_catalog` (indexed once).

    Returns
    -------
    list of RequestMatch
        One per request, in the order of the answers.
    """
    return RequestMatcher(catalog).match_answers(answers)


# ---- splitting answers -------------------------------------------------------------

_SEPARATORS = re.compile(r"[\r\n;•·▪●◦]+")
_BULLET = re.compile(r"^\s*(?:[-*–—+>]+|\(?\d{1,2}[.)]|\(?[a-z][)])\s+", re.IGNORECASE)
_INLINE_NUMBER = re.compile(r"\s\(?\d{1,2}[.)]\s+")
_INLINE_LETTER = re.compile(r"\s\(?[a-z]\)\s+", re.IGNORECASE)


def _split_inline_list(part: str) -> list[str]:
    """ "1) x 2) y" or "a) x b) y" on one line: split at the markers (only when the line starts with one)."""
    if re.match(r"\s*\(?\d{1,2}[.)]\s", part):
        return _INLINE_NUMBER.split(part)
    if re.match(r"\s*\(?[a-z]\)\s", part, re.IGNORECASE):
        return _INLINE_LETTER.split(part)
    return [part]


def split_requests(answer: str | None) -> list[str]:
    """The separate requests in one answer.

    Splits on new lines, ``;`` and bullets (``•``, ``-``, ``*``) and on numbered
    or lettered lists (``1.``, ``2)``, ``a)``), strips each part and drops the
    empty ones and non-answers ("n/a", "none", "nada", "ninguna", "-", "no sé").

    Examples
    --------
    >>> split_requests("1) bus stops 2) tree canopy; N/A")
    ['bus stops', 'tree canopy']
    >>> split_requests("- quejas al 311\\n- No sé")
    ['quejas al 311']
    """
    if not answer:
        return []
    parts = [piece for part in _SEPARATORS.split(answer) for piece in _split_inline_list(part)]
    cleaned = (_BULLET.sub("", part).strip(" \t.,:") for part in parts)
    return [part for part in cleaned if part and not is_non_answer(part)]
