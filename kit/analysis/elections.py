"""Election data: the steps a campaign (or a city) runs on results, voter files and calendars.

Module 2 teaches these steps on Riverton's bundled data; a campaign runs the
same steps on its own files. Every function takes the names of the columns it
uses as keyword arguments, with defaults from the layouts the bundled data
follows -- the Chicago Board of Election Commissioners' wide precinct results
(``WARD``, ``PRECINCT``, ``REGISTERED VOTERS``, ``BALLOTS CAST``, then one column
per candidate), Chicago's ward-precinct boundaries (``ward_prec`` text such as
``'02005'``) and North Carolina's public voter file and vote history (``ncvoter``,
``ncvhis``) -- so a user whose files spell them differently passes their own
names. Each function returns a new table and leaves its inputs untouched.

The steps, in the order a campaign usually runs them:

1. :func:`add_ward_prec` -- the text join key ``'02005'`` built from a ward and a
   precinct number.
2. :func:`turnout_by_precinct` and :func:`registration_by_precinct` -- ballots per
   registered voter, and registered voters per resident of voting age.
3. :func:`race_columns` -- which candidate columns belong to which race (the wide
   layout does not say).
4. :func:`tidy_results` -- the wide table as a long one, one row per precinct
   and candidate; :func:`precinct_winners` -- who won where.
5. :func:`turnout_from_history` -- turnout counted from a voter file and its vote
   history, to check against the official results.
6. :func:`persuasion_universe` and :func:`gotv_universe` -- whom to talk to, from
   model scores, among active voters only.
7. :func:`add_days_until` -- how many days are left before each date of an
   election calendar.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import pandas as pd

from kit.analysis.columns import as_datetime, as_key, require_columns
from kit.analysis.errors import AnalysisError, JoinError, MissingColumnError
from kit.errors import KitError

__all__ = [
    "CITYWIDE",
    "RESULTS_ID_COLUMNS",
    "UnknownCandidateError",
    "add_days_until",
    "add_ward_prec",
    "gotv_universe",
    "persuasion_universe",
    "precinct_winners",
    "race_columns",
    "registration_by_precinct",
    "tidy_results",
    "turnout_by_precinct",
    "turnout_from_history",
]

#: The columns of a wide results table that are not candidates (Chicago's layout).
RESULTS_ID_COLUMNS = ("WARD", "PRECINCT", "REGISTERED VOTERS", "BALLOTS CAST")

#: The key :func:`race_columns` gives the races on every precinct's ballot.
CITYWIDE = "citywide"

_KEY_WIDTH = 5  # ward_prec: 2 digits of ward, 3 of precinct


class UnknownCandidateError(MissingColumnError):
    """A candidate column asked for is not in the results table.

    Candidate names in results files are easy to mistype: they are upper case and
    hold nicknames in quotes (``MARIA "MAYA" SOTO``), initials with periods and
    suffixes. The message names the column that was asked for and, when one is
    close, the column that was probably meant.

    Parameters
    ----------
    column
        The candidate column that was asked for.
    available
        The candidate columns the table does have.
    """

    def __init__(self, column: str, *, available: Iterable[str]) -> None:
        self.column = column
        self.table = "precinct results"
        self.available = [str(c) for c in available]
        self.parameter = None
        self.suggestion = _closest(column, self.available)
        hint = (
            f"did you mean '{self.suggestion}'? Copy names from results.columns"
            if self.suggestion
            else "copy candidate names exactly from results.columns"
        )
        # MissingColumnError's own hint is about renamed id columns; candidates need this one.
        KitError.__init__(self, f"the precinct results table has no candidate column '{column}'", hint=hint)


# --- helpers -------------------------------------------------------------------------------------


def _closest(name: str, options: Sequence[str]) -> str | None:
    """The option closest to ``name``, ignoring case and quotes, or None if none is close."""

    def simple(text: str) -> str:
        return text.upper().replace('"', "").replace("'", "").strip()

    simplified = {simple(o): o for o in options}
    match = difflib.get_close_matches(simple(name), list(simplified), n=1, cutoff=0.6)
    return simplified[match[0]] if match else None


def _whole_numbers(frame: pd.DataFrame, column: str, table: str, *, allow_missing: bool = False) -> pd.Series:
    """A column of counts as Int64: ``3``, ``3.0``, ``"3"`` and ``"1,234"`` are read; anything else is an error."""
    values = frame[column]
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        values = values.astype("string").str.replace(",", "", regex=False).str.strip().replace("", pd.NA)
    number = pd.to_numeric(values, errors="coerce")
    bad = (number.isna() & values.notna()) | (number.notna() & (number != number.round()))
    if not allow_missing:
        bad |= values.isna()
    if bad.any():
        example = frame.loc[bad.to_numpy(), column].iloc[0]
        raise AnalysisError(
            f"column '{column}' of the {table} table should hold whole numbers, but holds {example!r}",
            hint="fix or remove those rows, or pass the right column name",
        )
    return number.round().astype("Int64")


def _as_day(value: object, what: str) -> pd.Timestamp:
    """A date given as text, date or Timestamp, at midnight."""
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise AnalysisError(
            f"{what} {value!r} is not a date", hint="write it as year-month-day, like '2026-11-03'"
        ) from None
    if pd.isna(day):
        raise AnalysisError(f"{what} is missing", hint="write it as year-month-day, like '2026-11-03'")
    return day.normalize()


def _by_columns(by: str | Sequence[str] | None) -> list[str]:
    """The columns to group by: one name, several, or none (None)."""
    return [] if by is None else ([by] if isinstance(by, str) else list(by))


def _check_score_range(name: str, low: float, high: float) -> None:
    if not (0 <= low <= high <= 100):
        raise AnalysisError(
            f"{name}=({low}, {high}) is not a range of scores",
            hint="scores run from 0 to 100; give (low, high) with low <= high",
        )


def _check_score(name: str, value: float) -> None:
    if not 0 <= value <= 100:
        raise AnalysisError(f"{name}={value} is not a score", hint="scores run from 0 to 100")


def _active_scored(
    voters: pd.DataFrame, support: str, turnout: str, status: str | None, active: str | Iterable[str]
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(is active, support score, turnout score) of every voter, with the columns checked."""
    columns = {support: "support", turnout: "turnout"}
    if status is not None:
        columns[status] = "status"
    require_columns(voters, columns, "voter file")
    if status is None:
        is_active = pd.Series(True, index=voters.index)
    else:
        wanted = [active] if isinstance(active, str) else list(active)
        is_active = voters[status].isin(wanted)
    return (is_active, pd.to_numeric(voters[support], errors="coerce"), pd.to_numeric(voters[turnout], errors="coerce"))


# --- the precinct key ----------------------------------------------------------------------------


def add_ward_prec(
    table: pd.DataFrame, *, ward: str = "WARD", precinct: str = "PRECINCT", column: str = "ward_prec"
) -> pd.DataFrame:
    """Add the ward-precinct key as text: ward 2, precinct 5 becomes ``'02005'``.

    Precinct numbers restart in every ward (there is a precinct 5 in each ward),
    so a precinct is only known by its ward **and** its number. Boundary files
    carry the two together as zero-padded text; results tables carry two numbers.
    This builds the text key from the numbers, so the two tables can be joined.

    Parameters
    ----------
    table
        Any table with a ward and a precinct number per row.
    ward, precinct
        The two number columns (Chicago's results: ``WARD``, ``PRECINCT``).
    column
        The name of the new key column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with ``column`` first: 2 digits of ward, 3 of precinct.

    Raises
    ------
    MissingColumnError
        If ``table`` lacks ``ward`` or ``precinct``.
    AnalysisError
        If a ward or precinct is missing or not a whole number.

    Examples
    --------
    >>> import kit
    >>> results = kit.load_dataset("precinct_results_2025")
    >>> add_ward_prec(results)[["ward_prec", "WARD", "PRECINCT"]].iloc[12]
    ward_prec    02005
    WARD             2
    PRECINCT         5
    Name: 12, dtype: object
    """
    require_columns(table, {ward: "ward", precinct: "precinct"}, "results")
    wards = _whole_numbers(table, ward, "results")
    precincts = _whole_numbers(table, precinct, "results")
    key = wards.astype("string").str.zfill(2) + precincts.astype("string").str.zfill(3)
    result = table.copy()
    if column in result.columns:
        result = result.drop(columns=column)
    result.insert(0, column, key.astype("str"))
    return result


# --- turnout and registration --------------------------------------------------------------------


def turnout_by_precinct(
    results: pd.DataFrame,
    *,
    ward: str = "WARD",
    precinct: str = "PRECINCT",
    registered: str = "REGISTERED VOTERS",
    ballots: str = "BALLOTS CAST",
) -> pd.DataFrame:
    """Turnout in every precinct: ballots cast divided by registered voters.

    Parameters
    ----------
    results
        Precinct results, one row per precinct (the wide layout is fine: only
        the four columns below are used).
    ward, precinct
        The ward and precinct number columns.
    registered, ballots
        Registered voters and ballots cast (Chicago: ``REGISTERED VOTERS``,
        ``BALLOTS CAST``).

    Returns
    -------
    pandas.DataFrame
        One row per precinct, in the order of ``results``: ``ward_prec`` (text key),
        ``ward``, ``precinct``, ``registered``, ``ballots_cast`` and ``turnout``, a
        fraction between 0 and 1 (missing where no one is registered).

    Raises
    ------
    MissingColumnError
        If a column is missing.
    AnalysisError
        If a count is not a whole number.

    Notes
    -----
    To get the turnout of a ward or a city, add up the ballots and the registered
    voters first and divide the sums. The average of the precinct rates is a
    different number: it counts a precinct of 1,000 voters as much as one of 3,000.

    Examples
    --------
    >>> import kit
    >>> results = kit.load_dataset("precinct_results_2025")
    >>> turnout = turnout_by_precinct(results)
    >>> turnout.head(3)
      ward_prec  ward  precinct  registered  ballots_cast   turnout
    0     01001     1         1        1817           696  0.383049
    1     01002     1         2        1955           857  0.438363
    2     01003     1         3        1867           681  0.364756
    >>> citywide = turnout["ballots_cast"].sum() / turnout["registered"].sum()
    >>> print(round(citywide, 3))
    0.38
    """
    require_columns(
        results, {ward: "ward", precinct: "precinct", registered: "registered", ballots: "ballots"}, "precinct results"
    )
    keyed = add_ward_prec(results, ward=ward, precinct=precinct)
    table = pd.DataFrame(
        {
            "ward_prec": keyed["ward_prec"],
            "ward": _whole_numbers(results, ward, "precinct results"),
            "precinct": _whole_numbers(results, precinct, "precinct results"),
            "registered": _whole_numbers(results, registered, "precinct results"),
            "ballots_cast": _whole_numbers(results, ballots, "precinct results"),
        }
    ).reset_index(drop=True)
    share = table["ballots_cast"].astype("float64") / table["registered"].astype("float64").where(
        table["registered"] > 0
    )
    table["turnout"] = share.astype("float64")
    return table


def registration_by_precinct(
    results: pd.DataFrame,
    precincts: pd.DataFrame,
    *,
    key: str = "ward_prec",
    voting_age: str = "voting_age_population",
    ward: str = "WARD",
    precinct: str = "PRECINCT",
    registered: str = "REGISTERED VOTERS",
    ballots: str = "BALLOTS CAST",
) -> pd.DataFrame:
    """Registration rate in every precinct: registered voters per resident of voting age.

    A low turnout can hide a second gap: people who are not registered at all do
    not count in turnout. The registration rate shows it.

    The results table has a ward and a precinct number; the precincts table has
    the text key ``'02005'``. This builds the key in the results (see
    :func:`add_ward_prec`) and also repairs a key that lost its leading zero in a
    spreadsheet (``2005`` becomes ``'02005'``).

    Parameters
    ----------
    results
        Precinct results, one row per precinct.
    precincts
        One row per precinct with its key and voting-age population (the
        boundaries file works; its shapes are not used).
    key
        The precincts' ward-precinct key column.
    voting_age
        Residents 18 and over in each precinct.
    ward, precinct, registered, ballots
        The results' columns, as in :func:`turnout_by_precinct`.

    Returns
    -------
    pandas.DataFrame
        :func:`turnout_by_precinct`'s table plus ``voting_age_population`` and
        ``registration_rate`` (registered / voting-age population). A rate above 1
        is possible in real data (voter rolls keep people who moved away).

    Raises
    ------
    MissingColumnError
        If a column is missing.
    JoinError
        If a precinct of the results is not in ``precincts`` or is there twice.

    Examples
    --------
    >>> import kit
    >>> results = kit.load_dataset("precinct_results_2025")
    >>> precincts = kit.load_dataset("precincts")
    >>> rates = registration_by_precinct(results, precincts)
    >>> rates[["ward_prec", "registered", "voting_age_population", "registration_rate"]].iloc[12]
    ward_prec                   02005
    registered                   1327
    voting_age_population        2227
    registration_rate        0.595869
    Name: 12, dtype: object
    """
    require_columns(precincts, {key: "key", voting_age: "voting_age"}, "precincts")
    turnout = turnout_by_precinct(results, ward=ward, precinct=precinct, registered=registered, ballots=ballots)
    population = pd.DataFrame(
        {
            "ward_prec": as_key(precincts[key], width=_KEY_WIDTH).astype("str"),
            "voting_age_population": _whole_numbers(precincts, voting_age, "precincts", allow_missing=True),
        }
    )
    repeated = population.loc[population["ward_prec"].duplicated(), "ward_prec"]
    if len(repeated):
        raise JoinError(
            f"the precincts table lists precinct {repeated.iloc[0]} more than once",
            keys=repeated.unique(),
            hint="keep one row per precinct before joining",
        )
    unmatched = sorted(set(turnout["ward_prec"]) - set(population["ward_prec"]))
    if unmatched:
        raise JoinError(
            f"{len(unmatched)} precinct(s) of the results are not in the precincts table, such as {unmatched[0]}",
            keys=unmatched,
            hint="check that both tables are for the same election and precinct map",
        )
    table = turnout.merge(population, on="ward_prec", how="left", validate="one_to_one")
    vap = table["voting_age_population"].astype("float64")
    table["registration_rate"] = (table["registered"].astype("float64") / vap.where(vap > 0)).astype("float64")
    return table


# --- results, wide and long ----------------------------------------------------------------------


def race_columns(
    results: pd.DataFrame, *, ward: str = "WARD", id_columns: Iterable[str] = RESULTS_ID_COLUMNS
) -> dict[object, list[str]]:
    """Sort the candidate columns of a wide results table into races.

    The wide layout does not label races. But it leaves a candidate's cells
    empty wherever the candidate was not on the ballot, so the empty cells tell:
    a column filled in every precinct is a citywide race (mayor); a column
    filled only in one ward's precincts is that ward's council race.

    Parameters
    ----------
    results
        Wide precinct results.
    ward
        The ward column.
    id_columns
        Columns that are not candidates; any of them not in ``results`` is ignored.

    Returns
    -------
    dict
        ``{"citywide": [...], 1: [...], 2: [...], ...}``: the candidate columns
        filled in every precinct, then, per ward number, those filled only in that
        ward; ``"other"`` holds any column filled in several wards but not all, or
        in none. Columns keep their order in ``results``.

    Notes
    -----
    All races on every ballot land together under ``"citywide"`` (mayor, clerk,
    treasurer...): read the dataset card or the ballot to split them.

    Examples
    --------
    >>> import kit
    >>> races = race_columns(kit.load_dataset("precinct_results_2025"))
    >>> races["citywide"]
    ['MARIA "MAYA" SOTO', 'DERRICK L. HOLLOWAY', 'PATRICIA WEN', 'THOMAS J. KAVANAGH', 'EUGENE PRATT (WRITE-IN)']
    >>> races[2]
    ['ROSA QUINTERO', 'GARY P. DWYER', 'KIMBERLY "KIM" OSEI']
    """
    require_columns(results, {ward: "ward"}, "precinct results")
    skip = set(id_columns) | {ward, "ward_prec"}
    wards = _whole_numbers(results, ward, "precinct results")
    races: dict[object, list[str]] = {CITYWIDE: []}
    for number in sorted(wards.dropna().unique()):
        races[int(number)] = []
    other: list[str] = []
    for column in results.columns:
        if column in skip:
            continue
        filled = results[column].notna() & (results[column].astype("string").str.strip() != "")
        filled = filled.fillna(False).to_numpy(dtype=bool)
        on_ballot = {int(w) for w in wards[filled].dropna()}
        if filled.all():
            races[CITYWIDE].append(column)
        elif len(on_ballot) == 1:
            races[on_ballot.pop()].append(column)
        else:
            other.append(column)
    if other:
        races["other"] = other
    return races


def tidy_results(
    results: pd.DataFrame,
    candidates: str | Iterable[str],
    *,
    ward: str = "WARD",
    precinct: str = "PRECINCT",
    race: str | None = None,
    keep_off_ballot: bool = False,
) -> pd.DataFrame:
    """Turn wide precinct results into a long table: one row per precinct and candidate.

    Results are published wide -- one column per candidate -- which is easy to
    read and hard to count with. A long ("tidy") table has one column of
    candidate names and one of votes, so ``groupby("candidate")`` adds up each
    candidate's votes and one ``merge`` puts them on a map.

    Parameters
    ----------
    results
        Wide precinct results, one row per precinct.
    candidates
        The candidate columns to keep, such as the mayoral race's. A single name
        is taken as a list of one.
    ward, precinct
        The ward and precinct number columns.
    race
        Optional: a label (``"mayor"``) put in a ``race`` column, to stack races later.
    keep_off_ballot
        An empty cell means the candidate was not on that precinct's ballot (a
        council candidate outside their ward), which is not the same as 0 votes.
        Those rows are left out unless this is True (then their ``votes`` are missing).

    Returns
    -------
    pandas.DataFrame
        Columns ``ward_prec``, ``ward``, ``precinct``, (``race``,) ``candidate`` and
        ``votes`` (whole numbers), precinct by precinct in the order of
        ``results``, candidates in the order given.

    Raises
    ------
    UnknownCandidateError
        If a candidate column is not in ``results`` (the message suggests the
        closest name).
    MissingColumnError
        If the ward or precinct column is missing.
    AnalysisError
        If no candidate is given, or a vote count is not a whole number.

    Examples
    --------
    >>> import kit
    >>> results = kit.load_dataset("precinct_results_2025")
    >>> council = tidy_results(results, ["ROSA QUINTERO", "GARY P. DWYER", 'KIMBERLY "KIM" OSEI'])
    >>> council.head(3)
      ward_prec  ward  precinct            candidate  votes
    0     02001     2         1        ROSA QUINTERO    258
    1     02001     2         1        GARY P. DWYER    295
    2     02001     2         1  KIMBERLY "KIM" OSEI    128
    >>> council.groupby("candidate")["votes"].sum().sort_values(ascending=False)
    candidate
    ROSA QUINTERO          1376
    GARY P. DWYER          1341
    KIMBERLY "KIM" OSEI     548
    Name: votes, dtype: Int64
    """
    names = _candidate_list(candidates)
    require_columns(results, {ward: "ward", precinct: "precinct"}, "precinct results")
    _check_candidates(results, names, ward=ward, precinct=precinct)
    long = _precinct_by_precinct(_votes_wide(results, names, ward=ward, precinct=precinct), names)
    if not keep_off_ballot:
        long = long[long["votes"].notna()]
    long["votes"] = long["votes"].astype("Int64")
    long["candidate"] = long["candidate"].astype("str")
    if race is not None:
        long.insert(3, "race", race)
    return long.reset_index(drop=True)


def _candidate_list(candidates: str | Iterable[str]) -> list[str]:
    """The candidate columns as a list (one name is a list of one), each listed once."""
    names = [candidates] if isinstance(candidates, str) else list(candidates)
    if not names:
        raise AnalysisError("no candidate columns were given", hint="pass a list such as races['citywide']")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise AnalysisError(f"candidate column '{repeated[0]}' is listed twice", hint="list each candidate once")
    return names


def _check_candidates(results: pd.DataFrame, names: list[str], *, ward: str, precinct: str) -> None:
    """Raise :class:`UnknownCandidateError` for the first name that is not a column of ``results``."""
    not_candidates = set(RESULTS_ID_COLUMNS) | {ward, precinct, "ward_prec"}
    for name in names:
        if name not in results.columns:
            raise UnknownCandidateError(name, available=[c for c in results.columns if c not in not_candidates])


def _votes_wide(results: pd.DataFrame, names: list[str], *, ward: str, precinct: str) -> pd.DataFrame:
    """The precinct key, ward, precinct and each candidate's votes as whole numbers (missing: not on the ballot)."""
    keyed = add_ward_prec(results, ward=ward, precinct=precinct).reset_index(drop=True)
    wide = pd.DataFrame(
        {
            "ward_prec": keyed["ward_prec"],
            "ward": _whole_numbers(keyed, ward, "precinct results"),
            "precinct": _whole_numbers(keyed, precinct, "precinct results"),
        }
    )
    for name in names:
        wide[name] = _whole_numbers(keyed, name, "precinct results", allow_missing=True)
    return wide


def _precinct_by_precinct(wide: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The wide votes melted long, precinct by precinct, candidates in the order given."""
    long = wide.melt(
        id_vars=["ward_prec", "ward", "precinct"],
        value_vars=names,
        var_name="candidate",
        value_name="votes",
        ignore_index=False,
    )
    # melt stacks candidate by candidate; sort back to precinct by precinct, candidates in the order given
    long["_row"] = long.index
    long["_order"] = long["candidate"].map({n: i for i, n in enumerate(names)})
    return long.sort_values(["_row", "_order"], kind="stable").drop(columns=["_row", "_order"])


def precinct_winners(
    long: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = "ward_prec",
    candidate: str = "candidate",
    votes: str = "votes",
) -> pd.DataFrame:
    """Who won where: the candidate with the most votes in each precinct (or ward, or overall).

    Parameters
    ----------
    long
        A long results table for **one race**, as :func:`tidy_results` makes it.
    by
        The column(s) that define a place: ``"ward_prec"`` for precincts,
        ``"ward"`` for wards, ``None`` for the whole table. Votes are added up
        within each place first.
    candidate, votes
        The candidate and vote columns.

    Returns
    -------
    pandas.DataFrame
        One row per place: ``winner``, ``winner_votes``, ``runner_up``,
        ``margin`` (votes ahead of the runner-up), ``total_votes`` and ``share``
        (the winner's fraction of the votes cast in this race). A tie names all
        tied candidates, joined with ``" / "``, with a margin of 0.

    Raises
    ------
    MissingColumnError
        If a column is missing.

    Examples
    --------
    >>> import kit
    >>> results = kit.load_dataset("precinct_results_2025")
    >>> mayor = tidy_results(results, race_columns(results)["citywide"])
    >>> precinct_winners(mayor)["winner"].value_counts()
    winner
    THOMAS J. KAVANAGH     15
    MARIA "MAYA" SOTO      12
    PATRICIA WEN           12
    DERRICK L. HOLLOWAY     9
    Name: count, dtype: int64
    >>> precinct_winners(mayor, by=None)[["winner", "winner_votes", "share"]].round(3)
                   winner  winner_votes  share
    0  THOMAS J. KAVANAGH         12451  0.316
    """
    keys = _by_columns(by)
    require_columns(long, {**dict.fromkeys(keys, "by"), candidate: "candidate", votes: "votes"}, "long results")
    counted = long.assign(_votes=pd.to_numeric(long[votes], errors="coerce").fillna(0))
    if not keys:
        counted = counted.assign(_all=0)
    group_keys = keys or ["_all"]
    totals = counted.groupby(group_keys + [candidate], sort=False, dropna=False)["_votes"].sum().reset_index()
    totals["_first"] = range(len(totals))
    rows = []
    for place, group in totals.groupby(group_keys, sort=False, dropna=False):
        ranked = group.sort_values(["_votes", "_first"], ascending=[False, True])
        top = ranked["_votes"].iloc[0]
        tied = ranked.loc[ranked["_votes"] == top, candidate].astype(str).tolist()
        rest = ranked[ranked["_votes"] < top]
        total = ranked["_votes"].sum()
        row = dict(zip(group_keys, place if isinstance(place, tuple) else (place,)))
        row.update(
            {
                "winner": " / ".join(tied),
                "winner_votes": int(top),
                "runner_up": (
                    " / ".join(tied[1:]) if len(tied) > 1 else (str(rest[candidate].iloc[0]) if len(rest) else None)
                ),
                "margin": 0 if len(tied) > 1 else int(top - (rest["_votes"].iloc[0] if len(rest) else 0)),
                "total_votes": int(total),
                "share": float(top / total) if total > 0 else float("nan"),
            }
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    if not keys:
        table = table.drop(columns="_all")
    return table


# --- the voter file ------------------------------------------------------------------------------


def turnout_from_history(
    voters: pd.DataFrame,
    history: pd.DataFrame,
    election_date: object,
    *,
    by: str | Sequence[str] | None = "ward_prec",
    voter_id: str = "voter_id",
    date: str = "election_date",
    status: str | None = "status_cd",
    statuses: str | Iterable[str] | None = ("A",),
    registration_date: str | None = "registr_dt",
) -> pd.DataFrame:
    """Turnout in one election, counted from a voter file and its vote history.

    The vote history has a row for each vote, and nothing for a voter who stayed
    home, so turnout is: voters with a row for that election, divided by the
    voters who could have voted.

    Parameters
    ----------
    voters
        The voter file: one row per voter.
    history
        The vote history: one row per voter per election voted in.
    election_date
        The election, as a date (``"2025-02-25"``).
    by
        The column(s) of ``voters`` to count by (``"ward_prec"``: by precinct),
        or ``None`` for one total.
    voter_id
        The voter id column, in both tables.
    date
        The election date column of ``history``.
    status, statuses
        Count only voters whose ``status`` is one of ``statuses``: by default
        active voters (``"A"``), as the election board counts registered voters.
        ``statuses=None`` counts everyone in the file.
    registration_date
        Leave out voters who registered after the election (they could not have
        voted in it). ``None`` skips this step.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``registered`` (voters counted),
        ``voted`` (of those, how many have a row for the election) and ``turnout``
        (voted / registered).

    Raises
    ------
    MissingColumnError
        If a column is missing.
    AnalysisError
        If the history records no votes on ``election_date`` (the message lists
        the dates it has).

    Notes
    -----
    The voter file is a snapshot taken on one day. For a past election it misses
    people who have since moved away, and it shows today's status, not the status
    on election day: counts for old elections are estimates.

    Examples
    --------
    >>> import kit
    >>> voters = kit.load_dataset("voter_file")
    >>> history = kit.load_dataset("vote_history")
    >>> turnout_from_history(voters, history, "2025-02-25").head(3)
      ward_prec  registered  voted   turnout
    0     02001        2969    746  0.251263
    1     02002        2416    666  0.275662
    2     02003        2363    671  0.283961
    >>> turnout_from_history(voters, history, "2024-11-05", by=None)
       registered  voted   turnout
    0       14544   7607  0.523034
    """
    keys = _by_columns(by)
    _check_voter_tables(
        voters,
        history,
        keys=keys,
        voter_id=voter_id,
        date=date,
        status=status if statuses is not None else None,
        registration_date=registration_date,
    )
    day = _as_day(election_date, "election_date")
    eligible = _eligible_voters(voters, day, status=status, statuses=statuses, registration_date=registration_date)
    counted = voters.loc[eligible, keys + [voter_id]].copy()
    counted["_voted"] = _voted_on(counted, history, day, voter_id=voter_id, date=date)
    return _turnout_table(counted, keys)


def _check_voter_tables(
    voters: pd.DataFrame,
    history: pd.DataFrame,
    *,
    keys: list[str],
    voter_id: str,
    date: str,
    status: str | None,
    registration_date: str | None,
) -> None:
    """Raise :class:`MissingColumnError` for the first column a turnout count needs that a table lacks."""
    columns = {voter_id: "voter_id", **dict.fromkeys(keys, "by")}
    if status is not None:
        columns[status] = "status"
    if registration_date is not None:
        columns[registration_date] = "registration_date"
    require_columns(voters, columns, "voter file")
    require_columns(history, {voter_id: "voter_id", date: "date"}, "vote history")


def _votes_on(history: pd.DataFrame, date: str, day: pd.Timestamp) -> pd.Series:
    """Which rows of the vote history are votes on ``day``; an error listing its elections if none are."""
    voted_on = as_datetime(history, date, "vote history").dt.normalize()
    if not (voted_on == day).any():
        known = ", ".join(d.strftime("%Y-%m-%d") for d in sorted(voted_on.dropna().unique()))
        raise AnalysisError(
            f"the vote history records no votes on {day:%Y-%m-%d}",
            hint=f"its elections are: {known}" if known else "the vote history is empty",
        )
    return voted_on == day


def _voted_on(voters: pd.DataFrame, history: pd.DataFrame, day: pd.Timestamp, *, voter_id: str, date: str) -> pd.Series:
    """For each voter, whether the history has their vote on ``day`` (an error listing its elections if none)."""
    ids = set(history.loc[_votes_on(history, date, day).to_numpy(), voter_id].astype(str))
    return voters[voter_id].astype(str).isin(ids)


def _eligible_voters(
    voters: pd.DataFrame,
    day: pd.Timestamp,
    *,
    status: str | None,
    statuses: str | Iterable[str] | None,
    registration_date: str | None,
) -> pd.Series:
    """Which voters count as registered: one of ``statuses``, and registered by ``day``."""
    eligible = pd.Series(True, index=voters.index)
    if status is not None and statuses is not None:
        wanted = [statuses] if isinstance(statuses, str) else list(statuses)
        eligible &= voters[status].isin(wanted)
    if registration_date is not None:
        registered_on = as_datetime(voters, registration_date, "voter file").dt.normalize()
        eligible &= ~(registered_on > day).fillna(False)
    return eligible


def _turnout_table(counted: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Registered, voted and turnout per group of ``keys`` (one row without keys)."""
    if keys:
        table = counted.groupby(keys, sort=True, dropna=False)["_voted"].agg(["size", "sum"]).reset_index()
    else:
        table = pd.DataFrame({"size": [len(counted)], "sum": [int(counted["_voted"].sum())]})
    table = table.rename(columns={"size": "registered", "sum": "voted"})
    table["registered"] = table["registered"].astype("int64")
    table["voted"] = table["voted"].astype("int64")
    table["turnout"] = table["voted"] / table["registered"].where(table["registered"] > 0)
    return table


def persuasion_universe(
    voters: pd.DataFrame,
    *,
    support_between: tuple[float, float] = (40, 60),
    turnout_at_least: float = 50,
    support: str = "support_score",
    turnout: str = "turnout_score",
    status: str | None = "status_cd",
    active: str | Iterable[str] = "A",
) -> pd.DataFrame:
    """The persuasion universe: likely voters who have not made up their minds.

    A support score of 50 means the model cannot tell whether the voter is with
    you; a high turnout score means the voter will probably vote. Talking to these
    voters about the issue can change the result.

    Parameters
    ----------
    voters
        The voter file, with model scores from 0 to 100.
    support_between
        ``(low, high)``: keep voters whose support score is in this range, both
        ends included. Default ``(40, 60)``: undecided.
    turnout_at_least
        Keep voters whose turnout score is at least this. Default 50: more likely
        than not to vote.
    support, turnout
        The two score columns.
    status, active
        Only voters whose ``status`` is ``active`` (NC's ``"A"``) are kept: inactive
        and removed registrations cannot be reached or cannot vote. ``status=None``
        keeps everyone (for a file with active voters only).

    Returns
    -------
    pandas.DataFrame
        The rows of ``voters`` in the universe, with all their columns and their
        original index. Voters with a missing score are left out.

    Raises
    ------
    MissingColumnError
        If a column is missing.
    AnalysisError
        If a threshold is not a score from 0 to 100.

    Examples
    --------
    >>> import kit
    >>> voters = kit.load_dataset("voter_file")
    >>> persuade = persuasion_universe(voters)
    >>> len(persuade), persuade["res_street_address"].nunique()
    (1142, 1073)
    >>> len(persuasion_universe(voters, support_between=(45, 55), turnout_at_least=60))
    432
    """
    low, high = support_between
    _check_score_range("support_between", low, high)
    _check_score("turnout_at_least", turnout_at_least)
    is_active, support_score, turnout_score = _active_scored(voters, support, turnout, status, active)
    keep = is_active & support_score.between(low, high) & (turnout_score >= turnout_at_least)
    return voters[keep.fillna(False).to_numpy(dtype=bool)]


def gotv_universe(
    voters: pd.DataFrame,
    *,
    support_at_least: float = 70,
    turnout_between: tuple[float, float] = (30, 70),
    support: str = "support_score",
    turnout: str = "turnout_score",
    status: str | None = "status_cd",
    active: str | Iterable[str] = "A",
) -> pd.DataFrame:
    """The GOTV (get out the vote) universe: supporters who may not vote without a push.

    Supporters with a high turnout score vote anyway, and those with a very low
    one rarely respond to a knock or a call: GOTV effort pays most in between.

    Parameters
    ----------
    voters
        The voter file, with model scores from 0 to 100.
    support_at_least
        Keep voters whose support score is at least this. Default 70: likely supporters.
    turnout_between
        ``(low, high)``: keep voters whose turnout score is in this range, both
        ends included. Default ``(30, 70)``: might or might not vote.
    support, turnout
        The two score columns.
    status, active
        Only active voters are kept, as in :func:`persuasion_universe`.

    Returns
    -------
    pandas.DataFrame
        The rows of ``voters`` in the universe, with all their columns and their
        original index. Voters with a missing score are left out.

    Raises
    ------
    MissingColumnError
        If a column is missing.
    AnalysisError
        If a threshold is not a score from 0 to 100.

    Examples
    --------
    >>> import kit
    >>> voters = kit.load_dataset("voter_file")
    >>> gotv = gotv_universe(voters)
    >>> len(gotv), gotv["res_street_address"].nunique()
    (2037, 1844)
    >>> gotv.groupby("ward_prec").size().head(3)
    ward_prec
    02001    459
    02002    333
    02003    351
    dtype: int64
    """
    low, high = turnout_between
    _check_score_range("turnout_between", low, high)
    _check_score("support_at_least", support_at_least)
    is_active, support_score, turnout_score = _active_scored(voters, support, turnout, status, active)
    keep = is_active & (support_score >= support_at_least) & turnout_score.between(low, high)
    return voters[keep.fillna(False).to_numpy(dtype=bool)]


# --- the calendar --------------------------------------------------------------------------------


def add_days_until(
    calendar: pd.DataFrame, today: object, *, date: str = "date", column: str = "days_until"
) -> pd.DataFrame:
    """Count the days from ``today`` to each date of an election calendar.

    Parameters
    ----------
    calendar
        One row per key date.
    today
        The day to count from (``"2026-06-01"``, a date or a Timestamp). Pass
        ``pd.Timestamp.today()`` for the real today.
    date
        The calendar's date column.
    column
        The name of the new column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``calendar`` with ``column``: whole days from ``today`` to the
        date; 0 is today, a negative number a date that has passed.

    Raises
    ------
    MissingColumnError
        If ``calendar`` has no ``date`` column.
    AnalysisError
        If ``today`` or a calendar date is not a date.

    Examples
    --------
    >>> import kit
    >>> calendar = kit.load_dataset("election_calendar")
    >>> add_days_until(calendar, "2026-06-01")[["date", "event", "days_until"]].iloc[[2, 8]]
            date                                event  days_until
    2 2026-10-06  Regular voter registration deadline         127
    8 2026-11-03                         Election day         155
    """
    require_columns(calendar, {date: "date"}, "election calendar")
    day = _as_day(today, "today")
    result = calendar.copy()
    result[column] = (as_datetime(calendar, date, "election calendar").dt.normalize() - day).dt.days.astype("Int64")
    return result
