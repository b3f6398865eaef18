"""Sign-up data and the ladder of engagement: the steps a group runs on its own records.

Module 4 teaches these steps on Riverton Tenants United's bundled data; an
organization runs the same steps on its own sign-in sheets, form exports and
database history. Every function takes the names of the columns it uses as
keyword arguments, so a group whose export spells them differently passes its
own names, and every function returns new values and leaves its input untouched.

The steps, in the order a group usually runs them:

1. :func:`normalize_emails`, :func:`normalize_phones`, :func:`normalize_names`,
   :func:`normalize_zip_codes` -- one way of writing each value.
2. :func:`deduplicate_contacts` -- one person id per entry: the same email, else
   the same name and phone, else the same name and ZIP code. Entries that match
   no one stay people of their own, and the count of each kind of match is
   returned so a person can check the loose ones.
3. :func:`map_categories`, with :func:`race_ethnicity_mapping` and
   :func:`gender_mapping` -- free-text answers to one consistent, disaggregated
   set of categories through a table anyone can read and edit. Several answers
   are allowed; "Prefer not to say" and "Not answered" stay apart; answers the
   table does not cover are reported, never dropped.
4. :func:`ladder_funnel` -- how many people reached each rung of the ladder of
   engagement, the conversion rate between rungs and the median days between them.
5. :func:`cohort_retention` -- of the people who joined in each month, the share
   who came to an event 0, 1, 2... months later.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from kit.analysis.columns import require_columns
from kit.analysis.errors import AnalysisError, JoinError, MappingError

__all__ = [
    "LADDER",
    "MULTIRACIAL_NOT_SPECIFIED",
    "NOT_ANSWERED",
    "NOT_IN_MAPPING",
    "PREFER_NOT_TO_SAY",
    "Categorized",
    "Deduplicated",
    "cohort_retention",
    "deduplicate_contacts",
    "gender_mapping",
    "ladder_funnel",
    "map_categories",
    "normalize_emails",
    "normalize_names",
    "normalize_phones",
    "normalize_zip_codes",
    "race_ethnicity_mapping",
]

# The rungs of the ladder of engagement, lowest first.
LADDER = ("supporter", "volunteer", "leader")

# Labels map_categories writes.
NOT_ANSWERED = "Not answered"  # the question was left blank
PREFER_NOT_TO_SAY = "Prefer not to say"  # the person chose not to answer: a different thing
NOT_IN_MAPPING = "Not in mapping"  # an answer the mapping table does not cover yet
MULTIRACIAL_NOT_SPECIFIED = "Multiracial, not specified"  # 'Mixed': several, but not which

# How deduplicate_contacts says each entry was matched, loosest last.
BY_EMAIL = "email"
BY_NAME_PHONE = "name + phone"
BY_NAME_ZIP = "name + ZIP"
NO_MATCH = "no match"

_WHITESPACE = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D")
_NOT_WORD = re.compile(r"[^0-9a-z ]")
_SEPARATORS = (",", ";", "/", "&", "+", " and ", " y ")


# --- helpers -------------------------------------------------------------------------------------


def _one_column(values, step: str) -> pd.Series:
    """``values`` as a Series; a whole table is the commonest slip, so say how to pick a column."""
    if isinstance(values, pd.DataFrame):
        raise AnalysisError(
            f"{step} cleans one column, not a whole table",
            hint=f'pick the column with square brackets, such as {step}(sheets["email"])',
        )
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    return values


def _as_text(values: pd.Series) -> pd.Series:
    """Text, trimmed, one space between words; empty text becomes missing.

    Whole numbers (a phone or ZIP column a spreadsheet turned into numbers) lose
    their ``.0``.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        values = pd.Series(
            [str(int(v)) if pd.notna(v) and float(v).is_integer() else v for v in values],
            index=values.index,
            dtype="object",
        )
    text = values.astype("str").str.strip().str.replace(_WHITESPACE, " ", regex=True)
    return text.where(text != "")


def _fold(text: str) -> str:
    """A comparison key: no accents, lower case, letters and digits only, single spaces."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return _WHITESPACE.sub(" ", _NOT_WORD.sub(" ", plain.casefold())).strip()


def _answer_key(text: str) -> str:
    """The key an answer is looked up by in a mapping: 'Down Town', 'down-town' and 'DOWNTOWN' agree."""
    return _fold(text).replace(" ", "")


# --- cleaning ------------------------------------------------------------------------------------


def normalize_emails(values: pd.Series) -> pd.Series:
    """Write every email one way: no spaces, lower case.

    Email addresses do not care about case, so ``Ana.Ruiz@Example.org`` and
    ``ana.ruiz@example.org `` (with a stray space) reach the same inbox, but a
    computer comparing text sees two different people. After this step they are
    the same text, which makes email the best key for finding duplicates.

    Parameters
    ----------
    values
        One column of emails, such as ``sheets["email"]``.

    Returns
    -------
    pandas.Series
        Cleaned emails, same index. Blank and missing values are missing.
        Addresses are not otherwise checked: a typo stays a typo.

    Examples
    --------
    >>> import pandas as pd
    >>> normalize_emails(pd.Series([" Ana.Ruiz@Example.org", "ana.ruiz@example.org", ""])).tolist()
    ['ana.ruiz@example.org', 'ana.ruiz@example.org', nan]

    On RTU's raw sign-in sheets:

    >>> import kit
    >>> sheets = kit.load_dataset("signup_sheets")
    >>> sheets["email"].nunique(), normalize_emails(sheets["email"]).nunique()
    (646, 341)
    """
    text = _as_text(_one_column(values, "normalize_emails"))
    return text.str.replace(_WHITESPACE, "", regex=True).str.lower()


def normalize_phones(values: pd.Series) -> pd.Series:
    """Write every US phone number as its 10 digits: ``(309) 555-0123`` becomes ``3095550123``.

    People write the same number as ``309.555.0123``, ``309-555-0123`` or
    ``+1 309 555 0123``. Keeping only the digits, and dropping a leading country
    code ``1``, gives one spelling per number.

    Parameters
    ----------
    values
        One column of phone numbers, such as ``sheets["phone"]``.

    Returns
    -------
    pandas.Series
        Ten digits as text, same index. Anything that is not a 10-digit US number
        once the punctuation is gone (too short, too long, blank) is missing:
        count those with ``.isna()`` and look at them by hand.

    Examples
    --------
    >>> import pandas as pd
    >>> phones = pd.Series(["(309) 555-0123", "309.555.0123", "+1 309 555 0123", "555-0123", None])
    >>> normalize_phones(phones).tolist()
    ['3095550123', '3095550123', '3095550123', nan, nan]
    """
    digits = _as_text(_one_column(values, "normalize_phones")).str.replace(_NOT_DIGIT, "", regex=True)
    country = (digits.str.len() == 11) & digits.str.startswith("1")
    digits = digits.where(~country.fillna(False).astype(bool), digits.str[1:])
    return digits.where(digits.str.len() == 10)


def normalize_zip_codes(values: pd.Series) -> pd.Series:
    """Write every ZIP code as its five digits: ``61754-3907`` (ZIP+4) becomes ``61754``.

    Parameters
    ----------
    values
        One column of ZIP codes, such as ``sheets["zip_code"]``.

    Returns
    -------
    pandas.Series
        Five digits as text, same index. A ZIP code that a spreadsheet stored as a
        number lost its leading zeros (``2134`` for ``02134``): those get them
        back. Anything else that is not 5 or 9 digits is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> normalize_zip_codes(pd.Series(["61754-3907", "61754", " 61754 ", "2134", "617"])).tolist()
    ['61754', '61754', '61754', '02134', nan]
    """
    digits = _as_text(_one_column(values, "normalize_zip_codes")).str.replace(_NOT_DIGIT, "", regex=True)
    length = digits.str.len()
    five = digits.where(length != 9, digits.str[:5]).where(length != 4, digits.str.zfill(5))
    return five.where(length.isin([4, 5, 9]))


def _tidy_name(text: str) -> str:
    if text.count(",") == 1:  # 'RUIZ, ANA': last name first
        last, first = (part.strip() for part in text.split(","))
        text = f"{first} {last}".strip()
    if text == text.upper() or text == text.lower():  # all one case: give it capitals
        text = text.title()
    return text


def normalize_names(values: pd.Series) -> pd.Series:
    """Write every name as First Last: ``RUIZ, ANA`` and ``ana  ruiz `` become ``Ana Ruiz``.

    Parameters
    ----------
    values
        One column of full names, such as ``sheets["full_name"]``.

    Returns
    -------
    pandas.Series
        Names, same index: trimmed, one space between words, ``Last, First``
        turned around, and names written all in capitals or all in small letters
        given capitals (``O'BRIEN`` becomes ``O'Brien``). A name typed in mixed
        case is kept as typed, so ``McDonald`` stays ``McDonald``. Typos and
        initials (``A. Ruiz``) are not guessed at. Blank names are missing.

    Examples
    --------
    >>> import pandas as pd
    >>> names = pd.Series(["RUIZ, ANA", "ana  ruiz ", "Ruiz, Ana", "Sean McDonald", "A. Ruiz"])
    >>> normalize_names(names).tolist()
    ['Ana Ruiz', 'Ana Ruiz', 'Ana Ruiz', 'Sean McDonald', 'A. Ruiz']
    """
    text = _as_text(_one_column(values, "normalize_names"))
    present = text.notna()
    return text.where(~present, text[present].map(_tidy_name))


# --- deduplication -------------------------------------------------------------------------------


class Deduplicated(NamedTuple):
    """What :func:`deduplicate_contacts` returns.

    Attributes
    ----------
    entries : pandas.DataFrame
        The entries, with a person id and how each was matched.
    match_counts : pandas.Series
        How many entries were matched each way, from the surest to the loosest.
    """

    entries: pd.DataFrame
    match_counts: pd.Series


def _name_key(names: pd.Series) -> pd.Series:
    tidy = normalize_names(names)
    present = tidy.notna()
    return tidy.where(~present, tidy[present].map(_fold)).replace("", np.nan)


def _pair_key(first: pd.Series, second: pd.Series) -> pd.Series:
    """``first|second`` where both are present, else missing."""
    both = first.notna() & second.notna()
    return (first + "|" + second).where(both)


def deduplicate_contacts(
    entries: pd.DataFrame,
    *,
    email: str | None = "email",
    name: str = "full_name",
    phone: str | None = "phone",
    zip_code: str | None = "zip_code",
    person: str = "person_id",
    matched_by: str = "matched_by",
    prefix: str = "P",
) -> Deduplicated:
    """Find which entries are the same person, and give each person one id.

    Sign-in sheets and forms list a person once per event, and sometimes twice at
    one event (the web form and the paper sheet). Entries are matched in steps,
    from the surest key to the loosest, on cleaned values:

    1. **email**: entries with the same email are one person. Two different
       emails are two people, even with the same name and phone: families share
       a phone, and names repeat.
    2. **name + phone**: an entry without an email joins the person whose entries
       have the same name and phone; entries without an email that share a name
       and phone with each other (and with no one else) become one person.
    3. **name + ZIP**: the same, with the ZIP code, for entries still unmatched.
    4. **no match**: anything left is a person of their own. Typos and initials
       (``A. Ruiz``) end up here; so does a key that fits two different people,
       because guessing would merge two people into one. Check these by hand.

    Parameters
    ----------
    entries
        One row per entry (sign-in line, form submission).
    email, name, phone, zip_code
        The columns to match on. Pass None for ``email``, ``phone`` or
        ``zip_code`` to skip the step that uses it.
    person, matched_by
        Names of the columns to add: the person id, and how the entry was matched
        (``"email"``, ``"name + phone"``, ``"name + ZIP"`` or ``"no match"``).
    prefix
        Person ids are ``prefix`` plus a number (``P0001``), numbered in the order
        people first appear in ``entries``.

    Returns
    -------
    Deduplicated
        ``entries``: a copy of the table (same rows, order and index) with the two
        new columns. ``match_counts``: the number of entries matched each way.
        Count people with ``result.entries[person].nunique()``.

    Raises
    ------
    MissingColumnError
        If a column to match on is missing.
    AnalysisError
        If ``entries`` already has a ``person`` or ``matched_by`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> sheet = pd.DataFrame({
    ...     "full_name": ["Ana Ruiz", "RUIZ, ANA", "Ana Ruiz", "Ana Ruiz", "Luis Ruiz"],
    ...     "email": ["ana@example.org", " Ana@Example.org", None, None, None],
    ...     "phone": ["309-555-0101", None, "(309) 555-0101", None, "309.555.0101"],
    ...     "zip_code": ["61751", "61751", None, "61751-1234", "61751"],
    ... })
    >>> result = deduplicate_contacts(sheet)
    >>> result.entries[["full_name", "person_id", "matched_by"]]
       full_name person_id    matched_by
    0   Ana Ruiz     P0001         email
    1  RUIZ, ANA     P0001         email
    2   Ana Ruiz     P0001  name + phone
    3   Ana Ruiz     P0001    name + ZIP
    4  Luis Ruiz     P0002      no match
    >>> result.match_counts.to_dict()
    {'email': 2, 'name + phone': 1, 'name + ZIP': 1, 'no match': 1}

    RTU's 1,357 raw entries are about 350 people:

    >>> import kit
    >>> result = deduplicate_contacts(kit.load_dataset("signup_sheets"))
    >>> result.entries["person_id"].nunique()
    368
    >>> result.match_counts
    matched_by
    email           1216
    name + phone      93
    name + ZIP        21
    no match          27
    Name: entries, dtype: int64
    """
    used = {name: "name"}
    for column, parameter in ((email, "email"), (phone, "phone"), (zip_code, "zip_code")):
        if column is not None:
            used[column] = parameter
    require_columns(entries, used, "entries")
    clash = [c for c in (person, matched_by) if c in entries.columns]
    if clash:
        raise AnalysisError(
            f"the entries table already has a column '{clash[0]}'",
            hint="drop it first, or choose other names with person= and matched_by=",
        )

    positions = pd.RangeIndex(len(entries))
    cluster = pd.Series(-1, index=positions, dtype="int64")
    how = pd.Series(NO_MATCH, index=positions, dtype="object")
    labels = [BY_EMAIL] if email is not None else []
    if email is not None:
        emails = normalize_emails(entries[email].reset_index(drop=True))
        has = emails.notna()
        cluster[has] = pd.factorize(emails[has])[0]
        how[has] = BY_EMAIL
    names = _name_key(entries[name].reset_index(drop=True))
    steps = []
    if phone is not None:
        steps.append((BY_NAME_PHONE, normalize_phones(entries[phone].reset_index(drop=True))))
    if zip_code is not None:
        steps.append((BY_NAME_ZIP, normalize_zip_codes(entries[zip_code].reset_index(drop=True))))
    for label, other in steps:
        labels.append(label)
        key = _pair_key(names, other)
        known = pd.DataFrame({"key": key, "cluster": cluster})[(cluster >= 0) & key.notna()]
        people_per_key = known.drop_duplicates().groupby("key")["cluster"].agg(["first", "size"])
        todo = (cluster < 0) & key.notna()
        # attach to the one known person with this key; a key shared by two people matches no one
        one = people_per_key.loc[people_per_key["size"] == 1, "first"]
        attach = todo & key.isin(one.index)
        cluster[attach] = key[attach].map(one).astype("int64")
        how[attach] = label
        # entries still unmatched that share a key with each other (and no known person) become one person
        rest = (cluster < 0) & key.notna() & ~key.isin(people_per_key.index)
        shared = key[rest][key[rest].duplicated(keep=False)]
        if len(shared):
            start = int(cluster.max()) + 1 if len(cluster) else 0
            cluster[shared.index] = pd.factorize(shared)[0] + start
            how[shared.index] = label
    alone = cluster < 0
    start = int(cluster.max()) + 1 if len(cluster) else 0
    cluster[alone] = np.arange(start, start + int(alone.sum()))
    labels.append(NO_MATCH)

    order = pd.factorize(cluster)[0] + 1  # people numbered by first appearance
    width = max(4, len(str(int(order.max())))) if len(order) else 4
    result = entries.copy()
    result[person] = [f"{prefix}{n:0{width}d}" for n in order]
    result[matched_by] = how.to_numpy()
    counts = how.value_counts().reindex(labels, fill_value=0).astype("int64")
    counts.index.name, counts.name = "matched_by", "entries"
    return Deduplicated(result, counts)


# --- consistent categories -----------------------------------------------------------------------


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
            "written": _as_text(mapping["written"].reset_index(drop=True)),
            "category": _as_text(mapping["category"].reset_index(drop=True)),
            "detail": (
                _as_text(mapping["detail"].reset_index(drop=True))
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
        from :func:`deduplicate_contacts`. Given, the result has one row per
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

    Per person, on RTU's sign-in sheets (people often write it differently from
    one event to the next):

    >>> import kit
    >>> sheets = deduplicate_contacts(kit.load_dataset("signup_sheets")).entries
    >>> race = map_categories(sheets["race_ethnicity"], race_ethnicity_mapping(), by=sheets["person_id"])
    >>> len(race.categories), len(race.unmapped)
    (368, 0)
    """
    values = _one_column(values, "map_categories")
    if level not in ("category", "detail"):
        raise AnalysisError(f"unknown level {level!r}", hint="use 'category' or 'detail'")
    table = _check_mapping(mapping, level)
    declined = list(dict.fromkeys(declined))
    vague = set(vague)
    lookup: dict[str, list[tuple[str, str | None]]] = {}
    for key, category, detail in table[["key", "category", "detail"]].itertuples(index=False):
        pair = (category, None if pd.isna(detail) else detail)
        if pair not in lookup.setdefault(key, []):
            lookup[key].append(pair)
    split = re.compile("|".join(re.escape(s) for s in sorted(separators, key=len, reverse=True)), re.IGNORECASE)

    written = _as_text(values)
    parsed: dict[str, tuple[list, bool]] = {}
    for text in written.dropna().unique():
        key = _answer_key(text)
        if key in lookup:
            parsed[text] = (lookup[key], False)
            continue
        pairs, unknown = [], False
        parts = [p for p in (_answer_key(part) for part in split.split(text)) if p]
        if len(parts) > 1:
            for part in parts:
                if part in lookup:
                    pairs += [p for p in lookup[part] if p not in pairs]
                else:
                    unknown = True
        else:
            unknown = True
        parsed[text] = (pairs, unknown)

    if by is None:
        groups = pd.Series(np.arange(len(values)), index=values.index)
        index = values.index
    else:
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

    columns, where = _columns_for(table, level, set(declined))
    combined: dict[object, tuple[list, bool]] = {}
    for group, text in zip(groups.to_numpy(), written.to_numpy()):
        pairs, unknown = combined.setdefault(group, ([], False))
        if isinstance(text, str):
            new, new_unknown = parsed[text]
            pairs.extend(p for p in new if p not in pairs)
            combined[group] = (pairs, unknown or new_unknown)
    any_unknown = any(unknown for _, unknown in combined.values())
    order = columns + ([not_in_mapping] if any_unknown else []) + declined + [not_answered]
    flags = pd.DataFrame(False, index=range(len(index)), columns=pd.Index(order, dtype="object"))
    keys = groups.to_numpy() if by is None else index
    for row, group in enumerate(keys):
        pairs, unknown = combined.get(group, ([], False))
        real = [p for p in pairs if p[0] not in declined]
        if len({c for c, _ in real if c not in vague}) >= 2:  # 'Mixed', then 'White, Asian': they said which
            real = [p for p in real if p[0] not in vague]
        if real or unknown:
            named = {c for c, d in real if d is not None}
            chosen = [where[p] for p in real if p[1] is not None or p[0] not in named]
            if unknown:
                chosen.append(not_in_mapping)
        elif pairs:
            chosen = [p[0] for p in pairs]
        else:
            chosen = [not_answered]
        flags.iloc[row, [flags.columns.get_loc(c) for c in dict.fromkeys(chosen)]] = True
    flags.index = index
    flags.columns.name = level
    labels = flags.apply(lambda row: " + ".join(row.index[row.to_numpy()]), axis=1)
    labels = labels.astype("str") if len(labels) else pd.Series([], index=index, dtype="str")
    labels.name = "labels"
    missed = written[[parsed.get(t, ([], False))[1] if isinstance(t, str) else False for t in written]]
    unmapped = missed.value_counts().rename("entries").astype("int64")
    unmapped.index.name = "written"
    return Categorized(flags, labels, unmapped)


# --- the ladder of engagement --------------------------------------------------------------------


def ladder_funnel(
    history: pd.DataFrame,
    *,
    person: str = "contact_id",
    level: str = "level",
    date: str = "date_reached",
    levels: Sequence[str] = LADDER,
) -> pd.DataFrame:
    """How many people reached each rung of the ladder, and how fast they climbed.

    The *ladder of engagement* is the path from signing a petition to running the
    campaign: supporter, volunteer, leader. Its *conversion rate* from one rung to
    the next says what share of the people on a rung stepped up to the next one.

    Parameters
    ----------
    history
        One row per person per rung reached, with the date (long format, like
        ``kit.load_dataset("ladder_history")``).
    person, level, date
        The person, rung and date columns.
    levels
        The rungs, lowest first. Values are compared ignoring case and spaces.

    Returns
    -------
    pandas.DataFrame
        One row per rung, lowest first, with:

        - ``people``: how many people reached it (someone recorded on a higher
          rung counts on the lower ones too, even if that row is missing);
        - ``conversion_rate``: ``people`` divided by ``people`` on the rung below
          (missing for the first rung);
        - ``share_of_all``: ``people`` divided by ``people`` on the first rung;
        - ``median_days``: for people with a date on both, the median number of
          days from reaching the rung below to reaching this one.

        People who joined late have had less time to climb, so recent numbers
        understate the rate at which people eventually step up.

    Raises
    ------
    MissingColumnError
        If a column is missing.
    AnalysisError
        If ``history`` holds a rung that is not in ``levels``, or a date that is
        not a date.

    Examples
    --------
    >>> import pandas as pd
    >>> history = pd.DataFrame({
    ...     "contact_id": ["a", "b", "c", "d", "a", "b", "a"],
    ...     "level": ["supporter"] * 4 + ["volunteer", "volunteer", "leader"],
    ...     "date_reached": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-01", "2025-03-01",
    ...                                     "2025-01-11", "2025-01-21", "2025-03-02"]),
    ... })
    >>> ladder_funnel(history)
               people  conversion_rate  share_of_all  median_days
    level
    supporter       4              NaN          1.00          NaN
    volunteer       2              0.5          0.50         15.0
    leader          1              0.5          0.25         50.0

    >>> import kit
    >>> ladder_funnel(kit.load_dataset("ladder_history")).round(3)
               people  conversion_rate  share_of_all  median_days
    level
    supporter     640              NaN         1.000          NaN
    volunteer     189            0.295         0.295         27.0
    leader         27            0.143         0.042         26.0
    """
    require_columns(history, {person: "person", level: "level", date: "date"}, "ladder history")
    levels = list(levels)
    if not levels:
        raise AnalysisError(
            "levels is empty", hint="list the rungs lowest first, such as levels=('supporter', 'volunteer')"
        )
    rung_of = {_fold(name): i for i, name in enumerate(levels)}
    written = _as_text(history[level])
    rung = written.map(lambda text: rung_of.get(_fold(text), -1) if isinstance(text, str) else -1)
    unknown = written[rung < 0]
    if len(unknown):
        shown = ", ".join(repr(v) for v in pd.unique(unknown.fillna("(blank)"))[:5])
        raise AnalysisError(
            f"the ladder history holds levels that are not rungs of the ladder: {shown}",
            hint=f"the rungs are {list(levels)}; pass levels=[...] lowest first to change them",
        )
    dates = history[date]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        try:
            dates = pd.to_datetime(dates.astype("str").str.strip(), format="ISO8601")
        except (ValueError, TypeError):
            raise AnalysisError(
                f"column '{date}' of the ladder history holds values that are not dates",
                hint="pass the right column with date=",
            ) from None
    long = pd.DataFrame({"person": history[person].to_numpy(), "rung": rung.to_numpy(), "date": dates.to_numpy()})
    highest = long.groupby("person")["rung"].max()
    first_date = long.groupby(["person", "rung"])["date"].min().unstack("rung")
    people = [int((highest >= i).sum()) for i in range(len(levels))]
    rows = []
    for i, name in enumerate(levels):
        median = np.nan
        if i and i in first_date.columns and i - 1 in first_date.columns:
            days = (first_date[i] - first_date[i - 1]).dt.days.dropna()
            median = float(days.median()) if len(days) else np.nan
        rows.append(
            {
                "level": name,
                "people": people[i],
                "conversion_rate": people[i] / people[i - 1] if i and people[i - 1] else np.nan,
                "share_of_all": people[i] / people[0] if people[0] else np.nan,
                "median_days": median,
            }
        )
    funnel = pd.DataFrame(rows).set_index("level")
    funnel["people"] = funnel["people"].astype("int64")
    return funnel


def cohort_retention(
    people: pd.DataFrame,
    attendance: pd.DataFrame,
    *,
    person: str = "contact_id",
    joined: str = "date_joined",
    date: str = "event_date",
    end=None,
    normalize: bool = True,
) -> pd.DataFrame:
    """Who keeps showing up: for each month's new people, the share who came back each later month.

    A *cohort* is everyone who joined in the same month. For each cohort, and for
    0, 1, 2... months after the month they joined, this counts the people who
    came to at least one event in that month. Read a row from left to right to
    see one cohort fade (or not); read a column from top to bottom to see whether
    newer cohorts stay longer than older ones.

    Parameters
    ----------
    people
        One row per person, with the date they joined (such as ``contacts``).
    attendance
        One row per person per event they came to, with the event's date (such
        as the sign-ups where ``attended`` is True, merged with the events' dates).
    person
        The person column, in both tables.
    joined, date
        The join-date column of ``people`` and the event-date column of ``attendance``.
    end
        The last day your records cover (text such as ``"2025-12-31"`` or a
        date). Months after it have not happened yet, so they are missing, not
        zero. Defaults to the latest date in either table.
    normalize
        True (the default) for shares of each cohort (0 to 1); False for numbers
        of people.

    Returns
    -------
    pandas.DataFrame
        One row per cohort (labelled ``"2025-01"``...), one column per number of
        months since joining (0, 1, 2...). Month 0 is the month people joined.
        An event before someone's join date (the list was updated late) counts
        in month 0.

    Raises
    ------
    MissingColumnError
        If a column is missing.
    JoinError
        If a person appears twice in ``people``, or ``attendance`` has people who
        are not in ``people``.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"contact_id": ["a", "b", "c"],
    ...                        "date_joined": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-02-03"])})
    >>> came = pd.DataFrame({"contact_id": ["a", "a", "b", "c", "c"],
    ...                      "event_date": pd.to_datetime(["2025-01-10", "2025-03-01", "2025-02-15",
    ...                                                    "2025-02-10", "2025-02-20"])})
    >>> cohort_retention(people, came, end="2025-03-31")
    months_later    0    1    2
    cohort
    2025-01       0.5  0.5  0.5
    2025-02       1.0  0.0  NaN

    On RTU's records: what share of the people who joined in March came to an
    event in May (two months later)?

    >>> import kit
    >>> contacts, events = kit.load_dataset("contacts"), kit.load_dataset("events")
    >>> signups = kit.load_dataset("event_signups")
    >>> came = signups[signups["attended"]].merge(events[["event_id", "event_date"]], on="event_id")
    >>> retention = cohort_retention(contacts, came)
    >>> round(float(retention.loc["2025-03", 2]), 3)
    0.432
    """
    require_columns(people, {person: "person", joined: "joined"}, "people")
    require_columns(attendance, {person: "person", date: "date"}, "attendance")
    repeated = people[person][people[person].duplicated()]
    if len(repeated):
        raise JoinError(
            f"{len(repeated)} people appear more than once in the people table",
            keys=repeated.unique(),
            hint="keep one row per person (deduplicate first)",
        )
    unknown = attendance[person][~attendance[person].isin(people[person])]
    if len(unknown):
        raise JoinError(
            f"{unknown.nunique()} people in the attendance table are not in the people table, "
            f"such as {unknown.iloc[0]!r}",
            keys=unknown.unique(),
            hint="check the person column, or add them to the people table",
        )
    joined_on = pd.to_datetime(people[joined]).reset_index(drop=True)
    came_on = pd.to_datetime(attendance[date]).reset_index(drop=True)
    if joined_on.isna().any():
        raise AnalysisError(
            f"{int(joined_on.isna().sum())} people have no '{joined}' date",
            hint="give them a join date, or leave them out of the people table",
        )
    last = pd.Timestamp(end) if end is not None else max(joined_on.max(), came_on.max())
    last_month = last.year * 12 + last.month - 1  # months counted from year 0: easy to subtract

    def month_number(dates: pd.Series) -> pd.Series:
        return dates.dt.year * 12 + dates.dt.month - 1

    cohort = month_number(joined_on)
    cohort_of = pd.Series(cohort.to_numpy(), index=people[person].to_numpy())
    visits = pd.DataFrame({"person": attendance[person].to_numpy(), "month": month_number(came_on).to_numpy()})
    visits = visits[visits["month"].notna() & (visits["month"] <= last_month)]
    visits["months_later"] = (visits["month"] - visits["person"].map(cohort_of)).clip(lower=0).astype("int64")
    visits["cohort"] = visits["person"].map(cohort_of)

    first = int(cohort.min()) if len(cohort) else last_month
    cohorts = list(range(first, int(cohort.max()) + 1)) if len(cohort) else []
    months = list(range(max(last_month - first + 1, 0)))
    counts = (
        visits.drop_duplicates(["person", "months_later"])
        .groupby(["cohort", "months_later"])
        .size()
        .unstack("months_later")
        .reindex(index=cohorts, columns=months)
        .fillna(0)
    )
    sizes = cohort.value_counts().reindex(cohorts, fill_value=0)
    observed = np.array([[c + k <= last_month for k in months] for c in cohorts], dtype=bool).reshape(
        len(cohorts), len(months)
    )
    if normalize:
        table = counts.div(sizes.replace(0, np.nan), axis=0).where(observed).astype("float64")
    else:
        table = counts.where(observed).astype("Int64")
    table.index = pd.Index([f"{c // 12}-{c % 12 + 1:02d}" for c in cohorts], name="cohort")
    table.columns = pd.Index(months, name="months_later")
    return table
