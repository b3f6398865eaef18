"""Digital safety for the data an organization holds: what identifies people, and how to share less of it.

The steps of Supplement B, usable on any group's own exports:

- :func:`pii_inventory` sorts a table's columns into direct identifiers (a name, an email: one column
  points to one person), quasi-identifiers (a ZIP code, an age range: harmless alone, identifying
  together) and the rest, and measures *k-anonymity*: the smallest group of rows that share one
  combination of quasi-identifiers (:func:`smallest_group`). ``k = 1`` means someone is alone.
- :func:`pseudonymize` replaces identifiers by a keyed hash (HMAC-SHA256). Without the key nobody can
  hash a guessed email to find its row; plain SHA-256 would let anyone do exactly that. The key is read
  from outside the notebook (:func:`load_key`); :func:`practice_key` is a key for the course's invented
  data only, labelled as such.
- :func:`suppress_small_cells` hides counts under ``k`` before a table is published, and the
  complementary cells that would let a reader recover them from the totals.
- :func:`safety_score` scores a self-assessment whose questions are data
  (``kit/analysis/safety_assessment.yaml``, in every language) and writes a short report.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kit.analysis.columns import require_columns
from kit.analysis.errors import AnalysisError
from kit.pages import read_catalog

__all__ = [
    "DIRECT_IDENTIFIERS",
    "KEY_VARIABLE",
    "QUASI_IDENTIFIERS",
    "AssessmentError",
    "PiiInventory",
    "PseudonymKeyError",
    "SafetyReport",
    "Suppression",
    "load_key",
    "pii_inventory",
    "practice_key",
    "pseudonymize",
    "safety_questions",
    "safety_score",
    "smallest_group",
    "suppress_small_cells",
]

# Column names that point to one person on their own, and those that identify people in combination.
# A city's or group's export with other names passes direct= and quasi= instead.
DIRECT_IDENTIFIERS = frozenset(
    {"contact_id", "person_id", "first_name", "last_name", "full_name", "name", "email", "phone", "address"}
)
QUASI_IDENTIFIERS = frozenset(
    {"zip_code", "neighborhood", "preferred_language", "age_range", "age", "birth_date", "gender"}
    | {"race_ethnicity", "date_joined"}
)
KEY_VARIABLE = "KIT_PSEUDONYM_KEY"
_PRACTICE_KEY = b"PRACTICE KEY - Civic Data Training Kit course only - NEVER use it on real people's data"
_ASSESSMENT = "safety_assessment.yaml"


class PseudonymKeyError(AnalysisError):
    """No key (or an empty one) to pseudonymize with."""


class AssessmentError(AnalysisError):
    """Self-assessment answers that do not fit its questions.

    Parameters
    ----------
    message
        What does not fit.
    ids
        The question ids concerned.
    """

    def __init__(self, message: str, *, ids: Iterable[str] = (), hint: str | None = None):
        self.ids = list(ids)
        super().__init__(message, hint=hint)


@dataclass(frozen=True)
class PiiInventory:
    """What identifies people in a table.

    Attributes
    ----------
    columns
        One row per column: ``kind`` (direct identifier, quasi-identifier, other), ``distinct`` values and
        ``singled_out``: rows whose value in that column no other row has.
    quasi
        The quasi-identifiers combined to measure ``k``.
    k
        The smallest group of rows sharing one combination of ``quasi`` (k-anonymity).
    groups
        Every combination of ``quasi`` with its number of rows, smallest first.
    """

    columns: pd.DataFrame
    quasi: tuple[str, ...]
    k: int
    groups: pd.Series


def _kind(column: str, direct: frozenset[str], quasi: frozenset[str]) -> str:
    if column in direct:
        return "direct identifier"
    return "quasi-identifier" if column in quasi else "other"


def _group_sizes(frame: pd.DataFrame, quasi: list[str]) -> pd.Series:
    require_columns(frame, dict.fromkeys(quasi, "quasi"), table="people")
    if not quasi:
        return pd.Series([len(frame)], index=["(no quasi-identifiers)"], name="rows")
    return frame.groupby(quasi, dropna=False).size().sort_values(kind="stable").rename("rows")


def smallest_group(frame: pd.DataFrame, quasi: Iterable[str]) -> int:
    """The size of the smallest group of rows sharing one combination of ``quasi`` (the table's *k*).

    Parameters
    ----------
    frame
        One row per person.
    quasi
        Columns someone outside could know about a person (ZIP code, age range...). Empty values count
        as a value of their own.

    Returns
    -------
    int
        ``k``: 1 means at least one person is alone in their combination, so anyone who knows those few
        facts about them finds their row.

    Examples
    --------
    >>> people = pd.DataFrame({"zip_code": ["61753", "61753", "61754"], "age_range": ["25-34"] * 3})
    >>> smallest_group(people, ["zip_code", "age_range"])
    1
    """
    return int(_group_sizes(frame, list(quasi)).min()) if len(frame) else 0


def pii_inventory(
    frame: pd.DataFrame, *, direct: Iterable[str] | None = None, quasi: Iterable[str] | None = None
) -> PiiInventory:
    """List which columns identify a person, alone or together, and the table's k-anonymity.

    Parameters
    ----------
    frame
        A table about people (a contact list, sign-in sheets).
    direct
        The columns that identify a person alone; default: those of :data:`DIRECT_IDENTIFIERS` in ``frame``.
    quasi
        The columns that identify in combination; default: those of :data:`QUASI_IDENTIFIERS` in ``frame``.

    Returns
    -------
    PiiInventory
        ``columns`` (kind, distinct values, rows singled out by that column alone), the quasi-identifiers
        combined, ``k`` and the size of every combination's group.

    Examples
    --------
    >>> people = pd.DataFrame({"email": ["a@x.org", "b@x.org", "c@x.org"], "zip_code": ["61753", "61753", "61754"]})
    >>> inventory = pii_inventory(people)
    >>> inventory.columns["kind"].tolist(), inventory.k
    (['direct identifier', 'quasi-identifier'], 1)
    """
    direct = frozenset(DIRECT_IDENTIFIERS if direct is None else direct)
    quasi = frozenset(QUASI_IDENTIFIERS if quasi is None else quasi)
    combined = [c for c in frame.columns if c in quasi and c not in direct]
    columns = pd.DataFrame(
        {
            "kind": [_kind(c, direct, quasi) for c in frame.columns],
            "distinct": [frame[c].nunique() for c in frame.columns],
            "singled_out": [int((frame[c].map(frame[c].value_counts()) == 1).sum()) for c in frame.columns],
        },
        index=pd.Index(frame.columns, name="column"),
    )
    groups = _group_sizes(frame, combined)
    return PiiInventory(columns, tuple(combined), int(groups.min()) if len(frame) else 0, groups)


def practice_key() -> bytes:
    """The course's PRACTICE key: for the invented people of the kit's datasets, never for real data.

    It is printed in this source on purpose, so that notebooks and tests run offline and give everyone
    the same pseudonyms. Anyone can read it, so a real list hashed with it is not protected: for real
    data use :func:`load_key`.

    Examples
    --------
    >>> practice_key().startswith(b"PRACTICE KEY")
    True
    """
    return _PRACTICE_KEY


def load_key(variable: str = KEY_VARIABLE, *, path: str | Path | None = None) -> bytes:
    """Read the real pseudonymization key from outside the notebook: an environment variable, else a key file.

    Parameters
    ----------
    variable
        The environment variable holding the key.
    path
        A key file kept off shared drives and out of the repository (its content, without the final newline).

    Returns
    -------
    bytes
        The key.

    Raises
    ------
    PseudonymKeyError
        Neither holds a key. The message says how to set one; the key itself is never printed.
    """
    value = os.environ.get(variable, "")
    if value.strip():
        return value.strip().encode()
    if path is not None and Path(path).is_file() and Path(path).read_bytes().strip():
        return Path(path).read_bytes().strip()
    where = f"the environment variable {variable}" + (f" or the key file {path}" if path is not None else "")
    raise PseudonymKeyError(
        f"no pseudonymization key found in {where}",
        hint=f"set {variable} before starting Jupyter (a long random text, kept in a password manager), or pass "
        "path= a key file outside the notebook's folder; never write the key in a notebook",
    )


def pseudonymize(values: pd.Series, key: bytes | str, *, length: int = 16) -> pd.Series:
    """Replace each value by its keyed hash (HMAC-SHA256): the same value, the same pseudonym.

    Parameters
    ----------
    values
        Identifiers to hide (emails, contact ids). Clean them first: ``Ana@X.org`` and ``ana@x.org``
        give different pseudonyms.
    key
        The secret key (:func:`load_key`; :func:`practice_key` for the course's data only).
    length
        How many hexadecimal characters of the hash to keep (16 = 64 bits).

    Returns
    -------
    pandas.Series
        The pseudonyms, same index; empty values stay empty.

    Examples
    --------
    >>> out = pseudonymize(pd.Series(["ana@x.org", None, "ana@x.org"]), practice_key(), length=8)
    >>> out[0] == out[2], out.isna().tolist()
    (True, [False, True, False])
    """
    key = key.encode() if isinstance(key, str) else key
    if not key:
        raise PseudonymKeyError("the pseudonymization key is empty", hint="pass load_key() or practice_key()")
    if not 1 <= length <= 64:
        raise ValueError(f"length must be from 1 to 64 hexadecimal characters, not {length}")

    def one(value: object) -> str:
        return hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()[:length]

    return values.map(one, na_action="ignore")


@dataclass(frozen=True)
class Suppression:
    """A count table ready to publish, and which cells were hidden and why.

    Attributes
    ----------
    table
        The counts with row and column totals; hidden cells are ``<NA>``.
    primary
        True where a count was under ``k`` (and not zero).
    complementary
        True where a count was hidden only so that the totals cannot give back a primary one.
    """

    table: pd.DataFrame
    primary: pd.DataFrame
    complementary: pd.DataFrame

    @property
    def hidden(self) -> int:
        """How many cells (totals included) are hidden."""
        return int(self.table.isna().sum().sum())


def _complementary(values: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hide more cells until no row or column (each with its total) has exactly one hidden cell."""
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for lines, cells in ((hidden, values), (hidden.T, values.T)):  # rows, then columns (views)
            for line, counts in zip(lines, cells):
                if line.sum() != 1:
                    continue
                candidates = np.flatnonzero(~line)
                nonzero = candidates[counts[candidates] > 0]
                pool = nonzero if len(nonzero) else candidates
                line[pool[np.argmin(counts[pool])]] = True
                changed = True
    return hidden


def suppress_small_cells(table: pd.DataFrame, k: int = 5, *, total: str = "Total") -> Suppression:
    """Hide the counts under ``k`` before publishing a table, and the cells that would give them away.

    Primary suppression hides every count from 1 to ``k - 1`` (a zero is shown: it names nobody).
    Published totals let a reader subtract: in a row whose total is shown, one hidden cell is the total
    minus the others. So complementary suppression hides, in every row and column (totals included)
    left with exactly one hidden cell, its smallest other count, and repeats until none is left. This is
    the usual rule of thumb, not a proof against every combination of rows and columns: check what you
    publish.

    Parameters
    ----------
    table
        Counts of people, without totals (``pd.crosstab(a, b)``).
    k
        The smallest count that may be shown (5 is a common rule).
    total
        The label of the totals row and column added.

    Returns
    -------
    Suppression
        ``table`` to publish (hidden cells ``<NA>``), and the ``primary`` and ``complementary`` masks.

    Examples
    --------
    Old Mill's 3 is under 5; hiding it alone, its row total (11) minus 8 would give it back:

    >>> counts = pd.DataFrame({"yes": [12, 3, 20], "no": [9, 8, 14]}, index=["Downtown", "Old Mill", "Eastside"])
    >>> suppress_small_cells(counts, k=5).table
               yes    no  Total
    Downtown  <NA>  <NA>     21
    Old Mill  <NA>  <NA>     11
    Eastside    20    14     34
    Total       35    31     66
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    counts = table.astype("int64")
    counts[total] = counts.sum(axis=1)
    counts.loc[total] = counts.sum(axis=0)
    primary = (counts > 0) & (counts < k)
    hidden = _complementary(counts.to_numpy(), primary.to_numpy())
    published = counts.astype("Int64").mask(hidden)
    return Suppression(published, primary, pd.DataFrame(hidden, counts.index, counts.columns) & ~primary)


def _assessment() -> dict:
    return yaml.safe_load(resources.files("kit.analysis").joinpath(_ASSESSMENT).read_text(encoding="utf-8"))


def safety_questions(lang: str = "en") -> pd.DataFrame:
    """The self-assessment's questions, one row each: ``id``, ``area``, ``weight`` and ``question`` in ``lang``.

    Examples
    --------
    >>> safety_questions()["id"].iloc[0]
    'two-factor'
    """
    spec = _assessment()
    rows = [
        {"id": q["id"], "area": spec["areas"][q["area"]][lang], "weight": q["weight"], "question": q[lang]}
        for q in spec["questions"]
    ]
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class SafetyReport:
    """A scored self-assessment.

    Attributes
    ----------
    score
        0 to 100: the share of the weighted practices in place.
    by_area
        Per area, the score from 0 to 100.
    to_fix
        The questions not answered "yes", heaviest first, with their advice.
    text
        A short report in the assessment's language.
    """

    score: float
    by_area: pd.Series
    to_fix: pd.DataFrame
    text: str


MESSAGES_DIR = Path(__file__).with_name("messages")  # safety.* in each language's catalog


def _check_answers(answers: Mapping[str, str], ids: list[str], allowed: Iterable[str]) -> None:
    missing, unknown = [i for i in ids if i not in answers], [i for i in answers if i not in ids]
    wrong = [i for i in ids if i in answers and answers[i] not in allowed]
    if missing or unknown or wrong:
        concerned = missing or unknown or wrong
        what = "unanswered" if missing else "not a question" if unknown else "answered with something else"
        raise AssessmentError(
            f"questions {what}: {', '.join(concerned)}",
            ids=concerned,
            hint=f"answer every id of safety_questions() with one of: {', '.join(allowed)}",
        )


def safety_score(answers: Mapping[str, str], lang: str = "en", *, fixes: int = 3) -> SafetyReport:
    """Score the data-safety self-assessment and write a short report.

    Parameters
    ----------
    answers
        Every question id of :func:`safety_questions` with ``"yes"``, ``"partly"`` or ``"no"``.
    lang
        The report's language (any language the kit has, with the assessment translated into it).
    fixes
        How many pieces of advice the report lists (the heaviest missing practices first).

    Returns
    -------
    SafetyReport
        The score, the score per area, what to fix with its advice, and the report's text.

    Examples
    --------
    >>> answers = dict.fromkeys(safety_questions()["id"], "yes") | {"two-factor": "no"}
    >>> report = safety_score(answers)
    >>> round(report.score), report.to_fix["id"].tolist()
    (87, ['two-factor'])
    """
    spec = _assessment()
    questions = pd.DataFrame(spec["questions"])
    _check_answers(answers, questions["id"].tolist(), spec["answers"])
    questions["earned"] = questions["id"].map(answers).map(spec["answers"]) * questions["weight"]
    questions["area_label"] = questions["area"].map(lambda a: spec["areas"][a][lang])
    sums = questions.groupby("area_label", sort=False)[["earned", "weight"]].sum()
    by_area = (100 * sums["earned"] / sums["weight"]).rename("score")
    score = float(100 * questions["earned"].sum() / questions["weight"].sum())
    missing = questions[questions["earned"] < questions["weight"]].sort_values("weight", ascending=False, kind="stable")
    to_fix = pd.DataFrame(
        {"id": missing["id"], "area": missing["area_label"], "advice": [a[lang] for a in missing["advice"]]}
    ).reset_index(drop=True)
    words = read_catalog(MESSAGES_DIR, lang)
    title, areas, first, done = (words[f"safety.{k}"] for k in ("title", "areas", "first", "done"))
    lines = [title.format(score=score), "", f"{areas}:"]
    lines += [f"- {area}: {value:.0f} / 100" for area, value in by_area.items()]
    lines += ["", f"{first}:"] + [f"{n}. {a}" for n, a in enumerate(to_fix["advice"].head(fixes), 1)]
    return SafetyReport(score, by_area, to_fix, "\n".join(lines if len(to_fix) else lines[:-1] + [done]))
