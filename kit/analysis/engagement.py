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
   table does not cover are reported, never dropped. These live in
   :mod:`kit.analysis.categories` (free-text answers are not only a sign-up
   sheet's) and are importable from here too.
4. :func:`ladder_funnel` -- how many people reached each rung of the ladder of
   engagement, the conversion rate between rungs and the median days between them.
5. :func:`cohort_retention` -- of the people who joined in each month, the share
   who came to an event 0, 1, 2... months later.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from kit.analysis.categories import (
    MULTIRACIAL_NOT_SPECIFIED,
    NOT_ANSWERED,
    NOT_IN_MAPPING,
    PREFER_NOT_TO_SAY,
    Categorized,
    gender_mapping,
    map_categories,
    race_ethnicity_mapping,
)
from kit.analysis.columns import as_datetime, as_text, one_column, require_columns
from kit.analysis.errors import AnalysisError, JoinError
from kit.data.text import fold_words

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

# How deduplicate_contacts says each entry was matched, loosest last.
BY_EMAIL = "email"
BY_NAME_PHONE = "name + phone"
BY_NAME_ZIP = "name + ZIP"
NO_MATCH = "no match"

_WHITESPACE = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D")


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
    text = as_text(one_column(values, "normalize_emails"))
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
    digits = as_text(one_column(values, "normalize_phones")).str.replace(_NOT_DIGIT, "", regex=True)
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
    digits = as_text(one_column(values, "normalize_zip_codes")).str.replace(_NOT_DIGIT, "", regex=True)
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
    text = as_text(one_column(values, "normalize_names"))
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
    return tidy.where(~present, tidy[present].map(fold_words)).replace("", np.nan)


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
    _check_entries(entries, name=name, email=email, phone=phone, zip_code=zip_code, new=(person, matched_by))
    cluster = pd.Series(-1, index=pd.RangeIndex(len(entries)), dtype="int64")  # person number, -1: not yet
    how = pd.Series(NO_MATCH, index=cluster.index, dtype="object")
    steps = []
    if email is not None:
        _match_emails(normalize_emails(entries[email].reset_index(drop=True)), cluster, how)
        steps.append(BY_EMAIL)
    names = _name_key(entries[name].reset_index(drop=True))
    for label, other in _fallback_keys(entries, phone=phone, zip_code=zip_code):
        _match_pairs(_pair_key(names, other), label, cluster, how)
        steps.append(label)
    _number_the_rest(cluster)
    steps.append(NO_MATCH)
    result = entries.copy()
    result[person] = _person_ids(cluster, prefix)
    result[matched_by] = how.to_numpy()
    counts = how.value_counts().reindex(steps, fill_value=0).astype("int64")
    counts.index.name, counts.name = "matched_by", "entries"
    return Deduplicated(result, counts)


def _check_entries(
    entries: pd.DataFrame,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    zip_code: str | None,
    new: tuple[str, str],
) -> None:
    """The columns to match on are there, and the columns to add are not."""
    used = {name: "name"}
    for column, parameter in ((email, "email"), (phone, "phone"), (zip_code, "zip_code")):
        if column is not None:
            used[column] = parameter
    require_columns(entries, used, "entries")
    clash = [c for c in new if c in entries.columns]
    if clash:
        raise AnalysisError(
            f"the entries table already has a column '{clash[0]}'",
            hint="drop it first, or choose other names with person= and matched_by=",
        )


def _match_emails(emails: pd.Series, cluster: pd.Series, how: pd.Series) -> None:
    """Step 1, in place: one person per email, numbered from 0."""
    has = emails.notna()
    cluster[has] = pd.factorize(emails[has])[0]
    how[has] = BY_EMAIL


def _fallback_keys(entries: pd.DataFrame, *, phone: str | None, zip_code: str | None) -> list[tuple[str, pd.Series]]:
    """The looser steps to take after email, each with the cleaned values that go with the name."""
    steps = []
    if phone is not None:
        steps.append((BY_NAME_PHONE, normalize_phones(entries[phone].reset_index(drop=True))))
    if zip_code is not None:
        steps.append((BY_NAME_ZIP, normalize_zip_codes(entries[zip_code].reset_index(drop=True))))
    return steps


def _match_pairs(key: pd.Series, label: str, cluster: pd.Series, how: pd.Series) -> None:
    """A name + phone (or ZIP) step, in place, on the entries still unmatched."""
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


def _number_the_rest(cluster: pd.Series) -> None:
    """The last step, in place: every entry still unmatched is a person of their own."""
    alone = cluster < 0
    start = int(cluster.max()) + 1 if len(cluster) else 0
    cluster[alone] = np.arange(start, start + int(alone.sum()))


def _person_ids(cluster: pd.Series, prefix: str) -> list[str]:
    """``prefix`` and a number for each entry's person, numbered in the order people first appear."""
    order = pd.factorize(cluster)[0] + 1
    width = max(4, len(str(int(order.max())))) if len(order) else 4
    return [f"{prefix}{n:0{width}d}" for n in order]


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
    rung = _rungs(history[level], levels)
    dates = as_datetime(history, date, "ladder history")
    long = pd.DataFrame({"person": history[person].to_numpy(), "rung": rung.to_numpy(), "date": dates.to_numpy()})
    return _funnel_table(long, levels)


def _rungs(written: pd.Series, levels: list[str]) -> pd.Series:
    """Each row's rung number (0 for the lowest); an error naming the values that are not rungs."""
    rung_of = {fold_words(name): i for i, name in enumerate(levels)}
    written = as_text(written)
    rung = written.map(lambda text: rung_of.get(fold_words(text), -1) if isinstance(text, str) else -1)
    unknown = written[rung < 0]
    if len(unknown):
        shown = ", ".join(repr(v) for v in pd.unique(unknown.fillna("(blank)"))[:5])
        raise AnalysisError(
            f"the ladder history holds levels that are not rungs of the ladder: {shown}",
            hint=f"the rungs are {list(levels)}; pass levels=[...] lowest first to change them",
        )
    return rung


def _funnel_table(long: pd.DataFrame, levels: list[str]) -> pd.DataFrame:
    """People per rung, conversion rates and median days, from ``person``, ``rung`` and ``date`` rows."""
    highest = long.groupby("person")["rung"].max()
    first_date = long.groupby(["person", "rung"])["date"].min().unstack("rung")
    people = [int((highest >= i).sum()) for i in range(len(levels))]
    rows = []
    for i, name in enumerate(levels):
        rows.append(
            {
                "level": name,
                "people": people[i],
                "conversion_rate": people[i] / people[i - 1] if i and people[i - 1] else np.nan,
                "share_of_all": people[i] / people[0] if people[0] else np.nan,
                "median_days": _median_days(first_date, i),
            }
        )
    funnel = pd.DataFrame(rows).set_index("level")
    funnel["people"] = funnel["people"].astype("int64")
    return funnel


def _median_days(first_date: pd.DataFrame, rung: int) -> float:
    """The median days from reaching the rung below to reaching ``rung``, for people with both dates."""
    if not (rung and rung in first_date.columns and rung - 1 in first_date.columns):
        return np.nan
    days = (first_date[rung] - first_date[rung - 1]).dt.days.dropna()
    return float(days.median()) if len(days) else np.nan


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
    _check_people(people[person], attendance[person])
    joined_on = as_datetime(people, joined, "people").reset_index(drop=True)
    came_on = as_datetime(attendance, date, "attendance").reset_index(drop=True)
    if joined_on.isna().any():
        raise AnalysisError(
            f"{int(joined_on.isna().sum())} people have no '{joined}' date",
            hint="give them a join date, or leave them out of the people table",
        )
    last = pd.Timestamp(end) if end is not None else max(joined_on.max(), came_on.max())
    last_month = last.year * 12 + last.month - 1  # months counted from year 0: easy to subtract
    cohort = _month_number(joined_on)
    visits = _visits(people[person], cohort, attendance[person], _month_number(came_on), last_month)
    return _retention_table(visits, cohort, last_month, normalize)


def _check_people(people: pd.Series, attendees: pd.Series) -> None:
    """Every person is in the people table once, and every attendee is in it."""
    repeated = people[people.duplicated()]
    if len(repeated):
        raise JoinError(
            f"{len(repeated)} people appear more than once in the people table",
            keys=repeated.unique(),
            hint="keep one row per person (deduplicate first)",
        )
    unknown = attendees[~attendees.isin(people)]
    if len(unknown):
        raise JoinError(
            f"{unknown.nunique()} people in the attendance table are not in the people table, "
            f"such as {unknown.iloc[0]!r}",
            keys=unknown.unique(),
            hint="check the person column, or add them to the people table",
        )


def _month_number(dates: pd.Series) -> pd.Series:
    """Months counted from year 0, so that months apart is a subtraction."""
    return dates.dt.year * 12 + dates.dt.month - 1


def _visits(
    people: pd.Series, cohort: pd.Series, attendees: pd.Series, months: pd.Series, last_month: int
) -> pd.DataFrame:
    """One row per attendance up to ``last_month``: the person, their cohort and the months since it."""
    cohort_of = pd.Series(cohort.to_numpy(), index=people.to_numpy())
    visits = pd.DataFrame({"person": attendees.to_numpy(), "month": months.to_numpy()})
    visits = visits[visits["month"].notna() & (visits["month"] <= last_month)]
    visits["months_later"] = (visits["month"] - visits["person"].map(cohort_of)).clip(lower=0).astype("int64")
    visits["cohort"] = visits["person"].map(cohort_of)
    return visits


def _retention_table(visits: pd.DataFrame, cohort: pd.Series, last_month: int, normalize: bool) -> pd.DataFrame:
    """People per cohort and months later (shares of the cohort if ``normalize``); months not yet lived are missing."""
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
