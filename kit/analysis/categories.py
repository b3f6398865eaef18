"""Free-text answers (race and ethnicity, gender...) to consistent categories, through a table anyone can edit.

People write one answer dozens of ways (``Latina``, ``Hispanic/Latino``,
``latinx``). :func:`map_categories` applies a *mapping table* -- plain data
that says which category each way of writing belongs to -- and is careful with
what people told you: several answers are allowed, "Prefer not to say" and "Not
answered" stay apart, and answers the table does not cover are reported, never
dropped. :func:`race_ethnicity_mapping` and :func:`gender_mapping` are the
tables Module 4 starts from; a group adds rows for the answers its community
writes.

:mod:`kit.analysis.engagement` offers every name here too, as step 3 of its steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from kit.analysis.columns import as_text, one_column
from kit.analysis.errors import AnalysisError, MappingError
from kit.data.text import fold_words

__all__ = [
    "MULTIRACIAL_NOT_SPECIFIED",
    "NOT_ANSWERED",
    "NOT_IN_MAPPING",
    "PREFER_NOT_TO_SAY",
    "Categorized",
    "gender_mapping",
    "map_categories",
    "race_ethnicity_mapping",
]

# Labels map_categories writes.
NOT_ANSWERED = "Not answered"  # the question was left blank
PREFER_NOT_TO_SAY = "Prefer not to say"  # the person chose not to answer: a different thing
NOT_IN_MAPPING = "Not in mapping"  # an answer the mapping table does not cover yet
MULTIRACIAL_NOT_SPECIFIED = "Multiracial, not specified"  # 'Mixed': several, but not which

_SEPARATORS = (",", ";", "/", "&", "+", " and ", " y ")


class Categorized(NamedTuple):
    """What :func:`map_categories` returns.

    Attributes
    ----------
    categories : pandas.DataFrame
        One True/False column per category, one row per entry (or per person).
        A row can be True in several columns: people may choose several.
    labels : pandas.Series
        The same, as text: the chosen categories joined by ``" + "``.
    unmapped : pandas.Series
        Every answer the mapping does not cover, as written, with how many
        entries gave it. Empty when the mapping covers everything.
    """

    categories: pd.DataFrame
    labels: pd.Series
    unmapped: pd.Series


_RACE_ETHNICITY = (
    # written, category, detail (empty: no detail given)
    ("American Indian", "American Indian or Alaska Native", ""),
    ("Native American", "American Indian or Alaska Native", ""),
    ("Alaska Native", "American Indian or Alaska Native", ""),
    ("Indigenous", "American Indian or Alaska Native", ""),
    ("Asian", "Asian", ""),
    ("Asian American", "Asian", ""),
    ("Chinese", "Asian", "Chinese"),
    ("Filipino", "Asian", "Filipino"),
    ("Filipina", "Asian", "Filipino"),
    ("Vietnamese", "Asian", "Vietnamese"),
    ("Korean", "Asian", "Korean"),
    ("Asian Indian", "Asian", "Asian Indian"),
    ("Black", "Black or African American", ""),
    ("African American", "Black or African American", ""),
    ("Black/African American", "Black or African American", ""),
    ("Black or African American", "Black or African American", ""),
    ("AA", "Black or African American", ""),
    ("Afro-Latina", "Black or African American", "Afro-Latino"),
    ("Afro-Latina", "Hispanic or Latino", "Afro-Latino"),
    ("Afro-Latino", "Black or African American", "Afro-Latino"),
    ("Afro-Latino", "Hispanic or Latino", "Afro-Latino"),
    ("Hispanic", "Hispanic or Latino", ""),
    ("Latino", "Hispanic or Latino", ""),
    ("Latina", "Hispanic or Latino", ""),
    ("Latinx", "Hispanic or Latino", ""),
    ("Latine", "Hispanic or Latino", ""),
    ("Hispanic/Latino", "Hispanic or Latino", ""),
    ("Hispanic or Latino", "Hispanic or Latino", ""),
    ("Mexican", "Hispanic or Latino", "Mexican"),
    ("Mexican American", "Hispanic or Latino", "Mexican"),
    ("Puerto Rican", "Hispanic or Latino", "Puerto Rican"),
    ("Cuban", "Hispanic or Latino", "Cuban"),
    ("Salvadoran", "Hispanic or Latino", "Salvadoran"),
    ("Middle Eastern", "Middle Eastern or North African", ""),
    ("MENA", "Middle Eastern or North African", ""),
    ("Middle Eastern or North African", "Middle Eastern or North African", ""),
    ("Arab", "Middle Eastern or North African", "Arab"),
    ("Native Hawaiian", "Native Hawaiian or Pacific Islander", ""),
    ("Pacific Islander", "Native Hawaiian or Pacific Islander", ""),
    ("White", "White", ""),
    ("Caucasian", "White", ""),
    ("White/Caucasian", "White", ""),
    ("Mixed", MULTIRACIAL_NOT_SPECIFIED, ""),
    ("Multiracial", MULTIRACIAL_NOT_SPECIFIED, ""),
    ("Biracial", MULTIRACIAL_NOT_SPECIFIED, ""),
    ("Two or more", MULTIRACIAL_NOT_SPECIFIED, ""),
    ("Prefer not to say", PREFER_NOT_TO_SAY, ""),
    ("Prefer not to answer", PREFER_NOT_TO_SAY, ""),
    ("Decline", PREFER_NOT_TO_SAY, ""),
    ("N/A", PREFER_NOT_TO_SAY, ""),
)

_GENDER = (
    ("Woman", "Woman"),
    ("Female", "Woman"),
    ("F", "Woman"),
    ("Mujer", "Woman"),
    ("Man", "Man"),
    ("Male", "Man"),
    ("M", "Man"),
    ("Hombre", "Man"),
    ("Non-binary", "Non-binary"),
    ("NB", "Non-binary"),
    ("Genderqueer", "Non-binary"),
    ("They/them", "Non-binary"),
    ("No binario", "Non-binary"),
    ("Prefer not to say", PREFER_NOT_TO_SAY),
    ("Prefer not to answer", PREFER_NOT_TO_SAY),
)


def race_ethnicity_mapping() -> pd.DataFrame:
    """RTU's mapping of written race and ethnicity answers to consistent categories.

    The categories are the ones US federal statistics use since 2024 (one
    combined question, as many answers as apply, Middle Eastern or North African
    as its own category), plus "Multiracial, not specified" for answers such as
    "Mixed" that do not say which, and "Prefer not to say".

    Returns
    -------
    pandas.DataFrame
        One row per written answer and category (``written``, ``category``,
        ``detail``), a fresh copy to read and edit: add a row with ``pd.concat``
        for an answer your community writes. ``detail`` keeps the group a person
        named when they named one (``Vietnamese`` within Asian, ``Mexican`` within
        Hispanic or Latino); it is empty otherwise. An answer that belongs to two
        categories, such as ``Afro-Latina``, has two rows. Case, accents, spaces
        and punctuation do not matter when answers are looked up, so ``WHITE`` and
        ``white`` need one row.

    Examples
    --------
    >>> mapping = race_ethnicity_mapping()
    >>> mapping[mapping["written"] == "Afro-Latina"]
            written                   category       detail
    17  Afro-Latina  Black or African American  Afro-Latino
    18  Afro-Latina         Hispanic or Latino  Afro-Latino
    """
    return pd.DataFrame(list(_RACE_ETHNICITY), columns=["written", "category", "detail"])


def gender_mapping() -> pd.DataFrame:
    """RTU's mapping of written gender answers to consistent categories.

    Returns
    -------
    pandas.DataFrame
        ``written`` and ``category``: Woman, Man, Non-binary or Prefer not to say
        (``Mujer`` and ``Hombre`` included). Pronouns such as ``they/them`` are
        mapped to Non-binary as the closest fit; a form that asks for pronouns
        separately avoids the guess. A fresh copy to read and edit.

    Examples
    --------
    >>> gender_mapping()["category"].unique().tolist()
    ['Woman', 'Man', 'Non-binary', 'Prefer not to say']
    """
    return pd.DataFrame(list(_GENDER), columns=["written", "category"])


def _check_mapping(mapping: pd.DataFrame, level: str) -> pd.DataFrame:
    if not isinstance(mapping, pd.DataFrame):
        raise MappingError(
            "the mapping must be a table (a DataFrame) with columns 'written' and 'category'",
            hint="start from race_ethnicity_mapping() or gender_mapping()",
        )
    needed = ["written", "category"] + (["detail"] if level == "detail" else [])
    missing = [c for c in needed if c not in mapping.columns]
    if missing:
        raise MappingError(
            f"the mapping table has no column '{missing[0]}'",
            values=missing,
            hint="it needs 'written' (the answer as people write it) and 'category' (plus 'detail' for level='detail')",
        )
    table = pd.DataFrame(
        {
            "written": as_text(mapping["written"].reset_index(drop=True)),
            "category": as_text(mapping["category"].reset_index(drop=True)),
            "detail": (
                as_text(mapping["detail"].reset_index(drop=True))
                if "detail" in mapping.columns
                else pd.Series(np.nan, index=range(len(mapping)), dtype="str")
            ),
        }
    )
    blank = table[table["written"].isna() | table["category"].isna()]
    if len(blank):
        raise MappingError(
            f"row {int(blank.index[0])} of the mapping table has a blank "
            f"{'written answer' if pd.isna(blank['written'].iloc[0]) else 'category'}",
            values=blank.index.tolist(),
            hint="fill it in or remove the row",
        )
    table["key"] = table["written"].map(_answer_key)
    return table


def _columns_for(table: pd.DataFrame, level: str, declined: set[str]) -> tuple[list[str], dict]:
    """The category columns in mapping order, and each (category, detail) pair's column."""
    columns, where = [], {}
    with_detail = set(table.loc[table["detail"].notna(), "category"])
    for category, detail in table[["category", "detail"]].itertuples(index=False):
        if category in declined:
            continue
        if level == "category" or category not in with_detail:
            column = category
        elif pd.isna(detail):
            column = f"{category} (not specified)"
        else:
            column = detail
        where[category, None if pd.isna(detail) else detail] = column
        if column not in columns:
            columns.append(column)
    return columns, where


def map_categories(
    values: pd.Series,
    mapping: pd.DataFrame,
    *,
    level: str = "category",
    by: pd.Series | Sequence | None = None,
    separators: Iterable[str] = _SEPARATORS,
    not_answered: str = NOT_ANSWERED,
    declined: Iterable[str] = (PREFER_NOT_TO_SAY,),
    not_in_mapping: str = NOT_IN_MAPPING,
    vague: Iterable[str] = (MULTIRACIAL_NOT_SPECIFIED,),
) -> Categorized:
    """Turn free-text answers (race and ethnicity, gender...) into consistent categories.

    One question gets written dozens of ways: ``Latina``, ``Hispanic/Latino``,
    ``latinx``. A *mapping table* says, for each way people write an answer,
    which category it belongs to. It is plain data: read it, argue about it,
    add to it. This step applies it and is careful with what people told you:

    - **Several answers are allowed.** ``Black, Latino`` counts in both
      categories; an answer the table does not know as a whole is split on
      commas, slashes, ``and``... and each part is looked up.
    - **"Prefer not to say" and "Not answered" stay apart.** One is an answer
      (the person chose not to share), the other is a blank.
    - **Nothing is dropped.** An answer the table does not cover is counted in a
      ``Not in mapping`` column and listed in ``unmapped``, so you can add it.

    Parameters
    ----------
    values
        One column of answers as written, such as ``sheets["race_ethnicity"]``.
    mapping
        The mapping table: columns ``written`` and ``category``, and ``detail``
        for ``level="detail"`` (see :func:`race_ethnicity_mapping`). Answers are
        looked up ignoring case, accents, spaces and punctuation.
    level
        ``"category"`` (the broad categories) or ``"detail"``: the groups people
        named within them (``Vietnamese``, ``Mexican``), with ``Asian (not
        specified)`` for people who named none.
    by
        Optional: who each answer belongs to, such as the ``person_id`` column
        from :func:`~kit.analysis.engagement.deduplicate_contacts`. Given, the result has one row per
        person, combining everything they wrote: the categories they named at any
        entry; "Prefer not to say" only if they named none; "Not answered" only
        if they never answered at all.
    separators
        What separates several answers in one (matched ignoring case).
    not_answered, declined, not_in_mapping
        The label for blank answers; the categories that mean the person chose
        not to answer; the label for answers the mapping does not cover.
    vague
        Categories that say a person has several identities without naming them
        ("Mixed"). Left out for an entry or person who names two or more other
        categories: someone who wrote "Mixed" once and "White, Asian" later is
        counted as Asian and White.

    Returns
    -------
    Categorized
        ``categories`` (one True/False column per category, in mapping order, then
        ``Not in mapping`` if needed, then "Prefer not to say" and "Not
        answered"), ``labels`` (the same as text) and ``unmapped``. Rows follow
        ``values`` (same index), or the sorted ``by`` values.

    Raises
    ------
    MappingError
        If the mapping table lacks a column or has a blank row.
    AnalysisError
        If ``level`` is unknown or ``by`` is not the same length as ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.Series(["Latina", "Black, Latino", "Vietnamese", "prefer not to answer", None, "Somali"])
    >>> race = map_categories(answers, race_ethnicity_mapping())
    >>> race.labels.tolist()
    ['Hispanic or Latino', 'Black or African American + Hispanic or Latino', 'Asian', 'Prefer not to say', \
'Not answered', 'Not in mapping']
    >>> race.categories.sum()[["Asian", "Black or African American", "Hispanic or Latino", "Not answered"]].tolist()
    [1, 1, 2, 1]
    >>> race.unmapped
    written
    Somali    1
    Name: entries, dtype: int64
    >>> map_categories(answers, race_ethnicity_mapping(), level="detail").labels[2]
    'Vietnamese'

    Per person: someone who wrote "Mixed" once and "White, Asian" later is
    counted as Asian and White; someone who never answered, as not answered:

    >>> written = pd.Series(["Mixed", "White, Asian", None])
    >>> map_categories(written, race_ethnicity_mapping(), by=["p1", "p1", "p2"]).labels.to_dict()
    {'p1': 'Asian + White', 'p2': 'Not answered'}

    Per person, on RTU's sign-in sheets (people often write it differently from
    one event to the next):

    >>> import kit
    >>> from kit.analysis.engagement import deduplicate_contacts
    >>> sheets = deduplicate_contacts(kit.load_dataset("signup_sheets")).entries
    >>> race = map_categories(sheets["race_ethnicity"], race_ethnicity_mapping(), by=sheets["person_id"])
    >>> len(race.categories), len(race.unmapped)
    (368, 0)
    """
    values = one_column(values, "map_categories")
    if level not in ("category", "detail"):
        raise AnalysisError(f"unknown level {level!r}", hint="use 'category' or 'detail'")
    table = _check_mapping(mapping, level)
    special = _Special(not_answered, list(dict.fromkeys(declined)), not_in_mapping, set(vague))
    written = as_text(values)
    parsed = _parse_answers(written, _lookup_table(table), _separator_pattern(separators))
    groups, keys, index = _answer_groups(values, by)
    columns, where = _columns_for(table, level, set(special.declined))
    flags = _flag_categories(_combine_answers(groups, written, parsed), keys, columns, where, special)
    flags.index = index
    flags.columns.name = level
    return Categorized(flags, _as_labels(flags, index), _unmapped(written, parsed))


class _Special(NamedTuple):
    """The labels and categories :func:`map_categories` treats apart from the others."""

    not_answered: str
    declined: list[str]
    not_in_mapping: str
    vague: set[str]


def _answer_key(text: str) -> str:
    """The key an answer is looked up by in a mapping: 'Down Town', 'down-town' and 'DOWNTOWN' agree."""
    return fold_words(text).replace(" ", "")


def _lookup_table(table: pd.DataFrame) -> dict[str, list[tuple[str, str | None]]]:
    """Answer key -> its (category, detail) pairs, in mapping order, each once; no detail is None."""
    lookup: dict[str, list[tuple[str, str | None]]] = {}
    for key, category, detail in table[["key", "category", "detail"]].itertuples(index=False):
        pair = (category, None if pd.isna(detail) else detail)
        if pair not in lookup.setdefault(key, []):
            lookup[key].append(pair)
    return lookup


def _separator_pattern(separators: Iterable[str]) -> re.Pattern:
    """One pattern matching any separator, longest first, ignoring case."""
    return re.compile("|".join(re.escape(s) for s in sorted(separators, key=len, reverse=True)), re.IGNORECASE)


def _parse_answers(written: pd.Series, lookup: dict, split: re.Pattern) -> dict[str, tuple[list, bool]]:
    """Each distinct answer -> its (category, detail) pairs, and whether part of it is not in the mapping."""
    return {text: _parse_answer(text, lookup, split) for text in written.dropna().unique()}


def _parse_answer(text: str, lookup: dict, split: re.Pattern) -> tuple[list, bool]:
    """One answer: looked up whole, else split into several answers, each looked up."""
    key = _answer_key(text)
    if key in lookup:
        return lookup[key], False
    parts = [p for p in (_answer_key(part) for part in split.split(text)) if p]
    if len(parts) <= 1:
        return [], True
    pairs, unknown = [], False
    for part in parts:
        if part in lookup:
            pairs += [p for p in lookup[part] if p not in pairs]
        else:
            unknown = True
    return pairs, unknown


def _answer_groups(values: pd.Series, by: pd.Series | Sequence | None) -> tuple[pd.Series, Sequence, pd.Index]:
    """Who each answer belongs to, the group of each row of the result, and the result's index.

    Without ``by``, every answer is a group of its own and the rows keep ``values``' index.
    """
    if by is None:
        groups = pd.Series(np.arange(len(values)), index=values.index)
        return groups, groups.to_numpy(), values.index
    groups = by if isinstance(by, pd.Series) else pd.Series(list(by))
    if len(groups) != len(values):
        raise AnalysisError(
            f"by has {len(groups)} values but there are {len(values)} answers",
            hint="pass a column of the same table, such as sheets['person_id']",
        )
    if isinstance(by, pd.Series) and by.index.is_unique and set(by.index) == set(values.index):
        groups = by.reindex(values.index)  # the same table's column: match rows by label
    groups = pd.Series(groups.to_numpy(), index=values.index)
    if groups.isna().any():
        raise AnalysisError(
            f"{int(groups.isna().sum())} answers have no value in by, so no person to count them for",
            hint="give every row a person id (deduplicate_contacts does)",
        )
    index = pd.Index(sorted(groups.dropna().unique()), name=getattr(by, "name", None))
    return groups, index, index


def _combine_answers(groups: pd.Series, written: pd.Series, parsed: dict) -> dict[object, tuple[list, bool]]:
    """Group -> every (category, detail) pair its answers gave, each once, and whether any was not in the mapping."""
    combined: dict[object, tuple[list, bool]] = {}
    for group, text in zip(groups.to_numpy(), written.to_numpy()):
        pairs, unknown = combined.setdefault(group, ([], False))
        if isinstance(text, str):
            new, new_unknown = parsed[text]
            pairs.extend(p for p in new if p not in pairs)
            combined[group] = (pairs, unknown or new_unknown)
    return combined


def _flag_categories(
    combined: dict, keys: Sequence, columns: list[str], where: dict, special: _Special
) -> pd.DataFrame:
    """One True/False column per category, one row per group in ``keys`` (numbered from 0)."""
    any_unknown = any(unknown for _, unknown in combined.values())
    order = columns + ([special.not_in_mapping] if any_unknown else []) + special.declined + [special.not_answered]
    flags = pd.DataFrame(False, index=range(len(keys)), columns=pd.Index(order, dtype="object"))
    for row, group in enumerate(keys):
        pairs, unknown = combined.get(group, ([], False))
        chosen = _chosen_columns(pairs, unknown, where, special)
        flags.iloc[row, [flags.columns.get_loc(c) for c in dict.fromkeys(chosen)]] = True
    return flags


def _chosen_columns(pairs: list, unknown: bool, where: dict, special: _Special) -> list[str]:
    """The columns one entry (or person) counts in, from the pairs their answers gave."""
    real = [p for p in pairs if p[0] not in special.declined]
    if len({c for c, _ in real if c not in special.vague}) >= 2:  # 'Mixed', then 'White, Asian': they said which
        real = [p for p in real if p[0] not in special.vague]
    if real or unknown:
        named = {c for c, d in real if d is not None}
        chosen = [where[p] for p in real if p[1] is not None or p[0] not in named]
        if unknown:
            chosen.append(special.not_in_mapping)
        return chosen
    if pairs:
        return [p[0] for p in pairs]
    return [special.not_answered]


def _as_labels(flags: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Each row's categories as text, joined by ``" + "``."""
    labels = flags.apply(lambda row: " + ".join(row.index[row.to_numpy()]), axis=1)
    labels = labels.astype("str") if len(labels) else pd.Series([], index=index, dtype="str")
    labels.name = "labels"
    return labels


def _unmapped(written: pd.Series, parsed: dict) -> pd.Series:
    """Every answer (part of which) the mapping does not cover, as written, with how many entries gave it."""
    missed = written[[parsed.get(t, ([], False))[1] if isinstance(t, str) else False for t in written]]
    unmapped = missed.value_counts().rename("entries").astype("int64")
    unmapped.index.name = "written"
    return unmapped
