"""Simulated survey exports and attendance: realistic files, made-up people.

:func:`simulate_post_survey` writes the end-of-course survey's CSV as Google Forms
or Microsoft Forms exports it, with the question titles of
:func:`kit.feedback.instruments.survey_questions` as headers, so
:func:`kit.feedback.read.read_export` reads it with the mapping
:func:`~kit.feedback.instruments.write_instruments` wrote. Learners answer with the
code :func:`learner_code` derives from their id (what each learner would build
from the form's instructions), which is how an analysis links survey answers to
attendance and grades. :func:`simulate_attendance` writes who came to each session.

The same arguments and seed give byte-identical files (``random.Random(seed)`` only).
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Literal

from kit.data.syllabus import Skill
from kit.feedback.instruments import SURVEYS_DIR, Question, survey_questions
from kit.feedback.mapping import SurveyError
from kit.feedback.text_files import read_yaml
from kit.pages import read_catalog

__all__ = ["learner_code", "simulate_attendance", "simulate_post_survey"]

Style = Literal["google", "microsoft"]

RESPONSE_RATE = 0.85
LAST_SESSION = date(2026, 10, 28)  # the default day the post survey opens
BEFORE_WEIGHTS = {1: 3, 2: 4, 3: 3, 4: 1}
GAIN_WEIGHTS = {0: 2, 1: 4, 2: 3, 3: 1}
SATISFACTION_WEIGHTS = {2: 1, 3: 2, 4: 7, 5: 9}
GOOGLE_OFFSET = "GMT-5"
MICROSOFT_COLUMNS = ("id", "start", "completion", "email", "name")  # form.microsoft.<name>, in export order

# What learners write, per language: kit/feedback/simulated/<lang>.yaml (comments by theme,
# requests by dataset, with the keys of the weights below). The form tools' own column names
# and date order come from the survey catalogs (form.*, see kit.feedback.form_names).
ANSWERS_DIR = Path(__file__).parent / "simulated"

COMMENT_WEIGHTS = {
    "pace": 4,
    "practice": 4,
    "local": 3,
    "language": 3,
    "setup": 3,
    "maps": 3,
    "breaks": 2,
    "follow_up": 3,
    "praise": 1,
}

REQUEST_WEIGHTS = {
    "service_requests": 4,
    "precinct_results": 2,
    "turnout": 2,
    "population": 2,
    "bus_stops": 3,
    "evictions": 3,
    "tree_canopy": 2,
    "rent": 3,
    "permits": 2,
    "lead_pipes": 2,
}


@dataclass(frozen=True)
class _Language:
    """One language's simulated answers and what its form tools write."""

    lang: str
    comments: dict[str, list[str]]  # theme -> wordings
    requests: dict[str, list[str]]  # dataset -> wordings
    forms: dict[str, str]  # the survey catalog: form.google.*, form.microsoft.*, form.anonymous, form.dayfirst

    @property
    def dayfirst(self) -> bool:
        return self.forms.get("form.dayfirst", "no").strip().lower() == "yes"


def _language(lang: str) -> _Language:
    """``lang``'s answer bank and form names, or a :class:`SurveyError` naming the languages that have one."""
    path = ANSWERS_DIR / f"{lang}.yaml"
    banks = sorted(p.stem for p in ANSWERS_DIR.glob("*.yaml"))
    if not path.is_file():
        raise SurveyError(f"the simulator writes answers in {', '.join(banks)}, not {lang!r}", path=str(path))
    raw = read_yaml(path, "the simulated answers", partial(SurveyError, path=str(path)))
    if (
        not isinstance(raw, dict)
        or set(raw.get("comments") or {}) != set(COMMENT_WEIGHTS)
        or set(raw.get("requests") or {}) != set(REQUEST_WEIGHTS)
    ):
        raise SurveyError(
            f"{path}: expected comments ({', '.join(COMMENT_WEIGHTS)}) and requests ({', '.join(REQUEST_WEIGHTS)})",
            path=str(path),
        )
    return _Language(lang, raw["comments"], raw["requests"], read_catalog(SURVEYS_DIR, lang))


def learner_code(learner_id: str) -> str:
    """The learner code a learner would write in every survey, from their id.

    Stands in for the code the forms ask learners to build (two letters of a
    parent's name, day of birth, two letters of their birthplace): six
    characters like ``RO07LI``, the same for the same id, always.

    Raises
    ------
    SurveyError
        When the id is empty.
    """
    if not learner_id.strip():
        raise SurveyError("a learner id must not be empty")
    digest = hashlib.sha256(learner_id.strip().encode("utf-8")).digest()
    letters = [chr(ord("A") + b % 26) for b in (digest[0], digest[1], digest[3], digest[4])]
    return f"{letters[0]}{letters[1]}{digest[2] % 31 + 1:02d}{letters[2]}{letters[3]}"


def _codes(learners: list[str]) -> dict[str, str]:
    if not learners:
        raise SurveyError("no learners to simulate")
    if len(set(learners)) != len(learners):
        raise SurveyError("each learner must be listed once")
    codes: dict[str, str] = {}
    for learner in learners:
        code = learner_code(learner)
        other = next((k for k, v in codes.items() if v == code), None)
        if other is not None:
            raise SurveyError(f"learners {other!r} and {learner!r} would write the same code {code}")
        codes[learner] = code
    return codes


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _comment(rng: random.Random, lang: _Language) -> str:
    roll = rng.random()
    if roll < 0.25:
        return ""
    themes = [_weighted(rng, COMMENT_WEIGHTS)]
    if roll > 0.8:
        themes.append(_weighted(rng, {k: w for k, w in COMMENT_WEIGHTS.items() if k not in themes}))
    return " ".join(rng.choice(lang.comments[theme]) for theme in themes)


def _requests(rng: random.Random, lang: _Language) -> str:
    roll = rng.random()
    if roll < 0.2:
        return ""
    wanted = [_weighted(rng, REQUEST_WEIGHTS)]
    if roll > 0.75:
        wanted.append(_weighted(rng, {k: w for k, w in REQUEST_WEIGHTS.items() if k not in wanted}))
    return rng.choice(["; ", "\n"]).join(rng.choice(lang.requests[kind]) for kind in wanted)


def _answers(rng: random.Random, questions: list[Question], code: str, lang: _Language) -> dict[str, str]:
    """One learner's answers, question key -> cell text."""
    answers = {}
    for q in questions:
        if q.key == "learner_id":
            answers[q.key] = code
        elif q.key.endswith("_before"):
            answers[q.key] = str(_weighted(rng, BEFORE_WEIGHTS))
        elif q.key.endswith("_after"):
            before = int(answers[q.key.removesuffix("_after") + "_before"])
            answers[q.key] = str(min(5, before + _weighted(rng, GAIN_WEIGHTS)))
        elif q.key == "satisfaction":
            answers[q.key] = str(_weighted(rng, SATISFACTION_WEIGHTS))
        elif q.key == "comments":
            answers[q.key] = _comment(rng, lang)
        elif q.key == "dataset_requests":
            answers[q.key] = _requests(rng, lang)
        else:
            raise SurveyError(f"the simulator cannot answer the question {q.title!r}")
    return answers


def _submitted(rng: random.Random, opened: date) -> datetime:
    """Most answer the evening of the last session, the rest during the next six days."""
    if rng.random() < 0.6:
        start, span = datetime(opened.year, opened.month, opened.day, 18), 5 * 3600
    else:
        day = opened + timedelta(days=rng.randint(1, 6))
        start, span = datetime(day.year, day.month, day.day, 8), 14 * 3600
    return start + timedelta(seconds=rng.randrange(span))


def _google_time(moment: datetime, lang: _Language) -> str:
    if lang.dayfirst:
        return f"{moment.day:02d}/{moment.month:02d}/{moment.year} {moment.hour}:{moment:%M:%S}"
    hour = moment.hour % 12 or 12
    return (
        f"{moment.year}/{moment.month:02d}/{moment.day:02d} {hour}:{moment:%M:%S} "
        f"{'PM' if moment.hour >= 12 else 'AM'} {GOOGLE_OFFSET}"
    )


def _microsoft_time(moment: datetime, lang: _Language) -> str:
    if lang.dayfirst:
        return f"{moment.day:02d}/{moment.month:02d}/{moment:%y} {moment:%H:%M:%S}"
    return f"{moment.month}/{moment.day}/{moment:%y} {moment:%H:%M:%S}"


def _submissions(
    rng: random.Random,
    learners: list[str],
    codes: dict[str, str],
    questions: list[Question],
    lang: _Language,
    opened: date,
    style: Style,
) -> list[tuple[datetime, dict[str, str]]]:
    count = max(1, round(len(learners) * RESPONSE_RATE))
    respondents = rng.sample(learners, count)
    out = [(_submitted(rng, opened), _answers(rng, questions, codes[learner], lang)) for learner in respondents]
    if style == "google":
        out.append(_resubmission(rng, *out[rng.randrange(len(out))], lang))
    return sorted(out, key=lambda item: item[0])


def _resubmission(
    rng: random.Random, first_time: datetime, first: dict[str, str], lang: _Language
) -> tuple[datetime, dict[str, str]]:
    """The same learner a little later, adding what they forgot to say."""
    again = dict(first)
    while "comments" in first and again["comments"] == first["comments"]:
        again["comments"] = _comment(rng, lang)
    return first_time + timedelta(minutes=rng.randint(3, 90)), again


def _rows(
    style: Style,
    lang: _Language,
    rng: random.Random,
    questions: list[Question],
    submissions: list[tuple[datetime, dict[str, str]]],
) -> list[list[str]]:
    titles = [q.title for q in questions]
    if style == "google":
        rows = [[lang.forms["form.google.timestamp"], *titles]]
        rows += [[_google_time(when, lang), *(answers[q.key] for q in questions)] for when, answers in submissions]
        return rows
    rows = [[*(lang.forms[f"form.microsoft.{name}"] for name in MICROSOFT_COLUMNS), *titles]]
    for number, (when, answers) in enumerate(submissions, start=1):
        started = when - timedelta(seconds=rng.randint(90, 720))
        rows.append(
            [
                str(number),
                _microsoft_time(started, lang),
                _microsoft_time(when, lang),
                lang.forms["form.anonymous"],
                "",
                *(answers[q.key] for q in questions),
            ]
        )
    return rows


def _write_csv(path: Path, rows: list[list[str]], encoding: str, lineterminator: str = "\r\n") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=lineterminator).writerows(rows)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue().encode(encoding))
    except OSError as exc:
        raise SurveyError(f"{path}: cannot be written ({exc.strerror or exc})", path=str(path)) from None
    return path


def simulate_post_survey(
    path: str | Path,
    learners: list[str],
    city: str,
    skills: list[Skill],
    lang: str,
    style: Style,
    seed: int,
    *,
    opened: date = LAST_SESSION,
) -> Path:
    """Write a realistic export of the end-of-course survey, as the form tool writes it.

    About 85% of the learners answer (``round(0.85 * len(learners))``, at least
    one), each with :func:`learner_code` of their id. Self-ratings "before" are
    mostly 1-3 and "now" 0-3 points higher (at most 5); usefulness is mostly 4-5;
    comments and dataset requests come from phrase banks with recurring themes
    (some blank; some requests name two datasets, split by ``;`` or a new line).

    Parameters
    ----------
    path
        The CSV to write (folders are created).
    learners
        Learner ids, each once.
    city, skills, lang
        As for :func:`kit.feedback.instruments.survey_questions` (``"post"`` form);
        ``lang`` also needs its learners' answers, ``kit/feedback/simulated/<lang>.yaml``.
    style
        ``"google"``: the timestamp column first (``Timestamp``; in the form's
        language, from the survey catalog's ``form.google.timestamp``), times like
        ``2026/10/28 3:04:05 PM GMT-5`` (``28/10/2026 15:04:05`` in a language whose
        ``form.dayfirst`` is ``yes``), UTF-8; one learner submits twice (the later
        submission is the one to keep).
        ``"microsoft"``: ``ID``, ``Start time``, ``Completion time``, ``Email``
        (``anonymous``), ``Name`` first (in the form's language), times like
        ``10/28/26 15:04:05`` (``28/10/26 15:04:05`` day first), UTF-8 with a BOM.
    seed
        The same seed (and arguments) gives byte-identical files.
    opened
        The day the survey opens (the last session): answers arrive that day
        and during the next six.

    Raises
    ------
    SurveyError
        Unknown style or language, no learners, a learner listed twice, two
        learners with the same code, or a file that cannot be written.
    """
    if style not in ("google", "microsoft"):
        raise SurveyError(f"unknown form style {style!r}; use 'google' or 'microsoft'")
    language = _language(lang)
    questions = survey_questions("post", city, skills, lang)
    codes = _codes(learners)
    rng = random.Random(seed)
    submissions = _submissions(rng, learners, codes, questions, language, opened, style)
    rows = _rows(style, language, rng, questions, submissions)
    return _write_csv(Path(path), rows, "utf-8" if style == "google" else "utf-8-sig")


def simulate_attendance(path: str | Path, learners: list[str], sessions: list[date], seed: int) -> Path:
    """Write who came to each session: ``learner,date,present`` (``yes`` / ``no``).

    One row per session and learner, sessions in date order. Attendance is about
    80% overall: each learner has their own habit, everyone comes a little less
    as the weeks go by, and a few stop coming after some session.

    Parameters
    ----------
    path
        The CSV to write (UTF-8, folders are created).
    learners
        Learner ids (the ids, not the survey codes), each once.
    sessions
        The session dates, each once.
    seed
        The same seed (and arguments) gives byte-identical files.

    Raises
    ------
    SurveyError
        No learners or sessions, one listed twice, or a file that cannot be written.
    """
    if not learners or len(set(learners)) != len(learners):
        raise SurveyError("list each learner once (and at least one)")
    if not sessions or len(set(sessions)) != len(sessions):
        raise SurveyError("list each session date once (and at least one)")
    rng = random.Random(seed)
    days = sorted(sessions)
    habit = {learner: rng.uniform(0.8, 1.0) for learner in learners}
    last = {
        learner: (rng.randrange(1, len(days)) if len(days) > 1 and rng.random() < 0.08 else len(days))
        for learner in learners
    }
    rows = [["learner", "date", "present"]]
    for index, day in enumerate(days):
        drift = 0.12 * index / max(1, len(days) - 1)
        for learner in learners:
            present = index < last[learner] and rng.random() < habit[learner] - drift
            rows.append([learner, day.isoformat(), "yes" if present else "no"])
    return _write_csv(Path(path), rows, "utf-8", lineterminator="\n")
