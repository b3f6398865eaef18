"""Survey instruments: the forms a program lead pastes into Google Forms or Microsoft Forms.

Three forms per language, each with the column mapping that reads its export:

- ``pre.<lang>.md`` — before the course: learner code, a 1-5 confidence rating per
  skill, expectations, dataset requests;
- ``post.<lang>.md`` — after the course: learner code, two ratings per skill
  (retrospective post-then-pre: "Before the course: …" and "Now: …"), usefulness,
  what to change, dataset requests;
- ``session.<lang>.md`` — a one-minute reaction after each session;
- ``mapping-<form>.<lang>.yaml`` — for :func:`kit.feedback.mapping.load_mapping`.

:func:`survey_questions` is the one source of every question title: the forms, the
mappings and the simulated exports (:mod:`kit.feedback.simulated_surveys`) all take them
from it, so a form's CSV header always matches its mapping. Every sentence lives in
``kit/feedback/surveys/<lang>.yaml``; the same input gives byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from kit.data.syllabus import Skill
from kit.feedback.mapping import SurveyError
from kit.feedback.text_files import header_key
from kit.languages import REFERENCE, available_languages
from kit.pages import Messages as BaseMessages
from kit.pages import check_catalogs

__all__ = ["KINDS", "Question", "check_messages", "survey_questions", "write_instruments"]

SURVEYS_DIR = Path(__file__).parent / "surveys"
KINDS = ("pre", "post", "session")
SESSION_SKILL = "today"  # the session form's one rating (a mapping needs at least one skill)

Kind = Literal["pre", "post", "session"]
QuestionType = Literal["short", "paragraph", "scale"]


@dataclass(frozen=True)
class Question:
    """One question of a form.

    Attributes
    ----------
    key
        Stable name: ``learner_id``, ``<skill>_before``, ``<skill>_after``,
        ``satisfaction``, ``comments``, ``dataset_requests``, ``expectations``,
        ``session_date`` or ``today_before``.
    title
        The question exactly as the form shows it: the export's column header.
    type
        ``short`` (short answer), ``paragraph`` or ``scale`` (linear scale 1-5).
    required
        Whether the form requires an answer.
    help
        The description under the question, if any.
    scale
        The labels of 1 and 5 for a ``scale`` question.
    maps_to
        Where the column mapping puts it (``skills.find-data.before``,
        ``comments``…), or None when the mapping does not read it.
    """

    key: str
    title: str
    type: QuestionType
    required: bool
    help: str | None = None
    scale: tuple[str, str] | None = None
    maps_to: str | None = None


# -- the message catalogs ------------------------------------------------------


class _Messages(BaseMessages):
    directory = SURVEYS_DIR


def _messages(lang: str) -> _Messages:
    """The survey messages in ``lang`` (a language without a catalog is the caller's mistake)."""
    path = SURVEYS_DIR / f"{lang}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SURVEYS_DIR.glob("*.yaml")))
        raise SurveyError(
            f"no survey messages in language {lang!r} (no {path})",
            path=str(path),
            hint=f"languages: {known}; copy en.yaml to add one",
        )
    return _Messages(lang)


def check_messages(languages: tuple[str, ...] | None = None, reference: str = REFERENCE) -> list[str]:
    """Every problem with the survey catalogs, one line each (see :func:`kit.pages.check_catalogs`),
    in ``languages`` (default: every available language, :func:`kit.languages.available_languages`)."""
    return check_catalogs(SURVEYS_DIR, languages or available_languages(), reference)


# -- the questions -------------------------------------------------------------


def _check_input(kind: str, city: str, skills: list[Skill]) -> None:
    if kind not in KINDS:
        raise SurveyError(f"unknown survey {kind!r}; the surveys are: {', '.join(KINDS)}")
    if not city.strip() or len(city.splitlines()) != 1:
        raise SurveyError(f"the city name must be one non-empty line, not {city!r}")
    if kind != "session" and not skills:
        raise SurveyError(
            f"the {kind} survey needs at least one skill to rate",
            hint="take them from the syllabus: load_syllabus().skills_for(modules)",
        )
    ids = [s.id for s in skills]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise SurveyError(f"skills listed twice: {', '.join(repeated)}")


def _code(t: _Messages) -> Question:
    return Question(
        "learner_id",
        t("question.learner_code"),
        "short",
        True,
        help=t("question.learner_code.help"),
        maps_to="learner_id",
    )


def _rating(t: _Messages, key: str, title: str, scale: str, maps_to: str) -> Question:
    return Question(
        key, title, "scale", True, scale=(t(f"scale.{scale}.low"), t(f"scale.{scale}.high")), maps_to=maps_to
    )


def _data_wish(t: _Messages, city: str) -> Question:
    return Question(
        "dataset_requests",
        t("question.data_wish", city=city),
        "paragraph",
        False,
        help=t("question.data_wish.help"),
        maps_to="dataset_requests",
    )


def _pre(t: _Messages, city: str, skills: list[Skill]) -> list[Question]:
    ratings = [
        _rating(
            t, f"{s.id}_before", t("question.confidence", skill=s.text(t.lang)), "confidence", f"skills.{s.id}.before"
        )
        for s in skills
    ]
    expectations = Question(
        "expectations",
        t("question.expectations"),
        "paragraph",
        False,
        help=t("question.expectations.help"),
        maps_to="comments",
    )
    return [_code(t), *ratings, expectations, _data_wish(t, city)]


def _post(t: _Messages, city: str, skills: list[Skill]) -> list[Question]:
    ratings = []
    for s in skills:
        phrase = s.text(t.lang)
        ratings.append(
            _rating(t, f"{s.id}_before", t("question.before", skill=phrase), "confidence", f"skills.{s.id}.before")
        )
        ratings.append(
            _rating(t, f"{s.id}_after", t("question.after", skill=phrase), "confidence", f"skills.{s.id}.after")
        )
    useful = _rating(t, "satisfaction", t("question.course_useful"), "useful", "satisfaction")
    change = Question(
        "comments",
        t("question.course_change"),
        "paragraph",
        False,
        help=t("question.course_change.help"),
        maps_to="comments",
    )
    return [_code(t), *ratings, useful, change, _data_wish(t, city)]


def _session(t: _Messages) -> list[Question]:
    day = Question("session_date", t("question.session_date"), "short", True, help=t("question.session_date.help"))
    useful = _rating(t, "satisfaction", t("question.session_useful"), "useful", "satisfaction")
    confidence = _rating(
        t, f"{SESSION_SKILL}_before", t("question.session_confidence"), "confidence", f"skills.{SESSION_SKILL}.before"
    )
    change = Question("comments", t("question.session_change"), "paragraph", False, maps_to="comments")
    return [_code(t), day, useful, confidence, change]


def survey_questions(kind: Kind, city: str, skills: list[Skill], lang: str) -> list[Question]:
    """The questions of one form, in order, in ``lang``.

    Parameters
    ----------
    kind
        ``"pre"``, ``"post"`` or ``"session"`` (the session form rates no course skill).
    city
        The city's name, as learners know it (it appears in the dataset question).
    skills
        The skills to rate, e.g. ``load_syllabus().skills_for([1, 3])``.
    lang
        A language with a catalog in ``kit/feedback/surveys/`` (``"en"``, ``"es"``, ``"pt"``…).

    Raises
    ------
    SurveyError
        Unknown form or language, an empty city, no skills, a skill listed twice,
        or two questions with the same title.
    """
    _check_input(kind, city, skills)
    t = _messages(lang)
    questions = {
        "pre": lambda: _pre(t, city, skills),
        "post": lambda: _post(t, city, skills),
        "session": lambda: _session(t),
    }[kind]()
    titles = [header_key(q.title) for q in questions]
    repeated = sorted({q.title for q, n in zip(questions, titles) if titles.count(n) > 1})
    if repeated:
        raise SurveyError(
            f"the {kind} survey ({lang}) would ask the same question twice: {repeated[0]!r}",
            hint="give each skill its own phrase in the syllabus",
        )
    return questions


# -- the files -----------------------------------------------------------------


def _type_lines(t: _Messages, q: Question) -> list[str]:
    labels = {"low": q.scale[0], "high": q.scale[1]} if q.scale else {}
    return [
        f"- {t('doc.type.google')}: {t(f'type.{q.type}', **labels)}",
        f"- {t('doc.type.microsoft')}: {t(f'type.microsoft.{q.type}', **labels)}",
    ]


def _form_markdown(t: _Messages, kind: str, city: str, questions: list[Question]) -> str:
    lines = [
        f"# {t(f'doc.heading.{kind}')}",
        "",
        t("doc.intro", mapping=f"mapping-{kind}.{t.lang}.yaml"),
        "",
        t("doc.settings"),
        "",
        t("doc.export"),
        "",
        f"## {t('doc.form_title')}",
        "",
        t(f"form.{kind}.title", city=city),
        "",
        f"## {t('doc.form_description')}",
        "",
        t(f"form.{kind}.description", city=city),
        "",
        f"## {t('doc.questions')}",
        "",
    ]
    for number, q in enumerate(questions, start=1):
        lines += [
            f"### {number}. {q.title}",
            "",
            *_type_lines(t, q),
            f"- {t('doc.required')}: {t('doc.yes') if q.required else t('doc.no')}",
        ]
        if q.help:
            lines.append(f"- {t('doc.help')}: {q.help}")
        lines.append("")
    return "\n".join(lines)


def _mapping_data(questions: list[Question]) -> dict:
    data: dict = {}
    for q in questions:
        if q.maps_to is None:
            continue
        parts = q.maps_to.split(".")
        if parts[0] == "skills":
            data.setdefault("skills", {}).setdefault(parts[1], {})[parts[2]] = q.title
        else:
            data[parts[0]] = q.title
    order = ("learner_id", "skills", "satisfaction", "comments", "dataset_requests")
    return {name: data[name] for name in order if name in data}


def _mapping_yaml(t: _Messages, kind: str, city: str, questions: list[Question]) -> str:
    form = f"{kind}.{t.lang}.md"
    notes = [
        t("mapping.reads", title=t(f"form.{kind}.title", city=city), form=form),
        t("mapping.titles", form=form),
        t(f"mapping.note.{kind}"),
    ]
    header = "".join(f"# {line}\n" for line in notes)
    body = yaml.safe_dump(_mapping_data(questions), allow_unicode=True, sort_keys=False, width=1000)
    return header + "\n" + body


def _write(path: Path, text: str) -> Path:
    try:
        path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise SurveyError(f"{path}: cannot be written ({exc.strerror or exc})", path=str(path)) from None
    return path


def write_instruments(city: str, skills: list[Skill], languages: list[str], directory: Path) -> list[Path]:
    """Write the three forms and their column mappings in every language.

    Parameters
    ----------
    city
        The city's name, as learners know it.
    skills
        The course's skills, e.g. ``load_syllabus().skills_for(modules)``.
    languages
        Languages to write (``["en", "es"]``), each with a survey catalog.
    directory
        Where to write; created if needed. Existing files are overwritten.

    Returns
    -------
    list of Path
        Per language: ``pre``, ``post`` and ``session`` ``.<lang>.md``, then
        ``mapping-pre``, ``mapping-post`` and ``mapping-session`` ``.<lang>.yaml``.

    Raises
    ------
    SurveyError
        Bad input (see :func:`survey_questions`), a language listed twice or
        without a catalog, or a file that cannot be written.
    """
    if not languages or len(set(languages)) != len(languages):
        raise SurveyError(f"list each survey language once, e.g. ['en', 'es'], not {languages!r}")
    forms = {(kind, lang): survey_questions(kind, city, skills, lang) for lang in languages for kind in KINDS}
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SurveyError(f"{directory}: cannot be created ({exc.strerror or exc})", path=str(directory)) from None
    written = []
    for lang in languages:
        t = _messages(lang)
        for kind in KINDS:
            written.append(_write(directory / f"{kind}.{lang}.md", _form_markdown(t, kind, city, forms[kind, lang])))
        for kind in KINDS:
            written.append(
                _write(directory / f"mapping-{kind}.{lang}.yaml", _mapping_yaml(t, kind, city, forms[kind, lang]))
            )
    return written
