"""Self-check and hints for learners: ``check("count-heat")`` and ``hint("count-heat")`` in an exercise.

Offline and bilingual, in the spirit of Kaggle's learntools. An exercise's folder holds a ``checks.yaml``
beside its notebook (it is released with it): per question (nbgrader grade id) the answer variable, the
*visible* checks, each an expression over that variable with a message in every language, and one or two
graded hints::

    questions:
      count-heat:
        variable: n_heat
        uses: [requests]         # other notebook names the checks read
        checks:
          - expect: "isinstance(n_heat, int)"
            message: {en: "n_heat should be a whole number.", es: "n_heat debe ser un número entero."}
          - expect: "0 < n_heat < len(requests)"
            message: {en: "n_heat counts some of the requests.", es: "n_heat cuenta parte de las solicitudes."}
        hints:
          - {en: "Clean the spellings first.", es: "Primero unifica cómo se escribe cada tipo."}
      write-council-case:
        written: true            # graded by the trainer: hints only, check() says so
        hints:
          - {en: "Start with the one number that matters most.", es: "Empieza por el número más importante."}

It never holds a hidden test or a solution (:func:`lint_checks` and the release's leak check see to
that): ``check()`` says what is wrong with an answer's *shape* or *range*, never what the answer is.

The language is ``checks.yaml``'s ``language``, else the folder's suffix (``…-es``), else English.
Recording is opt-in: after ``record_hints()``, the hints shown are counted in ``hints-used.json``
(:mod:`kit.data.hint_records`) in the assignment's folder, handed in with the notebook;
``record_hints(False)`` deletes it.
"""

from __future__ import annotations

import builtins
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kit.data.exercise_secrets import secret_lines, strings_in
from kit.data.hint_records import FILENAME, HintRecord, read_hint_record, write_hint_record
from kit.errors import AssignmentError
from kit.languages import REFERENCE, available_languages
from kit.pages import read_catalog

__all__ = [
    "CHECKS_FILE",
    "CheckResult",
    "Checks",
    "check",
    "hint",
    "lint_checks",
    "load_checks",
    "record_hints",
    "run_check",
]

CHECKS_FILE = "checks.yaml"
MAX_HINTS = 2
_SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in [
        *("abs", "all", "any", "bool", "dict", "float", "frozenset", "getattr", "hasattr", "int", "isinstance"),
        *("issubclass", "len", "list", "max", "min", "round", "set", "sorted", "str", "sum", "tuple", "type"),
    ]
}

MESSAGES_DIR = Path(__file__).with_name("messages")  # selfcheck.* in each language's catalog


def _say(lang: str, key: str, **values) -> str:
    return read_catalog(MESSAGES_DIR, lang)[f"selfcheck.{key}"].format(**values)


def _no_checks() -> str:
    """The no-checks message in every language the kit has (the folder cannot tell which one)."""
    return "\n".join(_say(lang, "no_checks") for lang in available_languages())


@dataclass(frozen=True)
class Check:
    expect: str
    message: dict[str, str]


@dataclass(frozen=True)
class Question:
    grade_id: str
    variables: tuple[str, ...]
    checks: tuple[Check, ...]
    hints: tuple[dict[str, str], ...]
    uses: tuple[str, ...] = ()  # other names of the notebook the checks read (``requests`` for len(requests))


@dataclass
class Checks:
    """One assignment's ``checks.yaml``, read."""

    folder: Path
    language: str
    questions: dict[str, Question]
    shown: dict[str, int] = field(default_factory=dict)  # hints shown in this session, per question

    def say(self, key: str, **values) -> str:
        return _say(self.language, key, **values)

    @property
    def record_path(self) -> Path:
        return self.folder / FILENAME


@dataclass(frozen=True)
class CheckResult:
    """What ``check()`` found: ``passed``, and the message it printed."""

    grade_id: str
    passed: bool
    message: str


def _texts(value, where: str, language: str) -> dict[str, str]:
    """A text per language: English and the exercise's own language at least (others are kept)."""
    needed = sorted({REFERENCE, language})
    if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) for lang in needed):
        raise AssignmentError(f"{where}: needs a text in {' and '.join(needed)}")
    return {lang: text.strip() for lang, text in value.items() if isinstance(text, str)}


def _question(gid: str, raw, where: str, language: str = REFERENCE) -> Question:
    where = f"{where}: {gid}"
    if not isinstance(raw, dict):
        raise AssignmentError(f"{where}: expected variable, checks and hints")
    checks = raw.get("checks") or []
    hints = raw.get("hints") or []
    written = raw.get("written") is True  # a written answer a trainer grades: hints only
    variables = [] if written else raw.get("variables") or [raw.get("variable")]
    if not all(isinstance(v, str) and v.isidentifier() for v in variables):
        raise AssignmentError(f"{where}: 'variable' must name the answer variable")
    if written and checks:
        raise AssignmentError(f"{where}: a written answer has hints, no checks")
    if not written and (not checks or not isinstance(checks, list)):
        raise AssignmentError(f"{where}: give at least one visible check (or 'written: true' and hints only)")
    if not isinstance(hints, list) or not 1 <= len(hints) <= MAX_HINTS:
        raise AssignmentError(f"{where}: give 1 or {MAX_HINTS} hints")
    parsed = []
    for i, c in enumerate(checks, 1):
        if not isinstance(c, dict) or not isinstance(c.get("expect"), str):
            raise AssignmentError(f"{where}: check {i} needs an 'expect' expression")
        try:
            compile(c["expect"], f"{gid} check {i}", "eval")
        except SyntaxError as exc:
            raise AssignmentError(f"{where}: check {i} is not a Python expression: {exc.msg}") from None
        parsed.append(Check(c["expect"], _texts(c.get("message"), f"{where}: check {i}'s message", language)))
    hints = tuple(_texts(h, f"{where}: hint {i}", language) for i, h in enumerate(hints, 1))
    uses = raw.get("uses") or []
    if not isinstance(uses, list) or not all(isinstance(u, str) and u.isidentifier() for u in uses):
        raise AssignmentError(f"{where}: 'uses' must list names of the notebook")
    return Question(gid, tuple(variables), tuple(parsed), hints, tuple(uses))


def _language(data: dict, folder: Path) -> str:
    """The exercise's language: the file's ``language``, else the folder's ``-<lang>`` suffix, else English."""
    if data.get("language") in available_languages():
        return data["language"]
    suffix = re.search(r"-([a-z]{2})$", folder.name)
    return suffix.group(1) if suffix and suffix.group(1) in available_languages() else REFERENCE


def load_checks(folder: Path) -> Checks:
    """Read ``folder/checks.yaml``.

    Raises
    ------
    AssignmentError
        If the file is missing or malformed (the message says which question and what).
    """
    folder = Path(folder)
    path = folder / CHECKS_FILE
    if not path.is_file():
        raise AssignmentError(f"no {CHECKS_FILE} in {folder}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(raw, dict) or not raw:
        raise AssignmentError(f"{path}: expected 'questions:' with one entry per grade id")
    language = _language(data, folder)
    questions = {str(gid): _question(str(gid), q, str(path), language) for gid, q in raw.items()}
    return Checks(folder, language, questions)


def run_check(checks: Checks, grade_id: str, namespace: dict) -> CheckResult:
    """Run ``grade_id``'s visible checks on the answer in ``namespace``; the first that fails speaks.

    A check that raises (say ``len()`` of a number) fails with its own message, never a traceback.
    """
    question = checks.questions.get(grade_id)
    if question is None:
        return CheckResult(grade_id, False, checks.say("unknown", gid=grade_id, known=", ".join(checks.questions)))
    if not question.variables:
        return CheckResult(grade_id, False, checks.say("written", gid=grade_id))
    missing = [v for v in question.variables if v not in namespace]
    if missing:
        return CheckResult(grade_id, False, checks.say("missing", gid=grade_id, variable=missing[0]))
    missing = [v for v in question.uses if v not in namespace]
    if missing:
        return CheckResult(grade_id, False, checks.say("missing_uses", gid=grade_id, variable=missing[0]))
    values = {v: namespace[v] for v in (*question.uses, *question.variables)}
    scope = {"__builtins__": _SAFE_BUILTINS, **_libraries(question)}
    for c in question.checks:
        try:
            ok = bool(eval(c.expect, scope, dict(values)))  # the course's own checks.yaml, in the learner's own kernel
        except Exception:  # a learner's odd value fails the check, with the check's message
            ok = False
        if not ok:
            text = c.message[checks.language].replace("{type}", type(values[question.variables[0]]).__name__)
            return CheckResult(grade_id, False, checks.say("fail", gid=grade_id, message=text))
    return CheckResult(grade_id, True, checks.say("pass", gid=grade_id))


def _libraries(question: Question) -> dict:
    # numbers, pandas and numpy, for checks such as isinstance(x, pd.Series), only when a check names them
    names = {}
    text = " ".join(c.expect for c in question.checks)
    if re.search(r"\bnumbers\.", text):
        import numbers

        names["numbers"] = numbers
    if re.search(r"\bpd\.", text):
        import pandas as pd

        names["pd"] = pd
    if re.search(r"\bnp\.", text):
        import numpy as np

        names["np"] = np
    return names


def next_hint(checks: Checks, grade_id: str) -> str:
    """The next hint for ``grade_id`` (the last one again once all were shown), counted if recording."""
    question = checks.questions.get(grade_id)
    if question is None:
        return checks.say("unknown", gid=grade_id, known=", ".join(checks.questions))
    if not question.hints:
        return checks.say("no_hints", gid=grade_id)
    n = min(checks.shown.get(grade_id, 0) + 1, len(question.hints))
    checks.shown[grade_id] = n
    text = checks.say("hint", n=n, total=len(question.hints), text=question.hints[n - 1][checks.language])
    if n == len(question.hints):
        text += checks.say("last")
    record = read_hint_record(checks.record_path)
    if record is not None:
        record.used(grade_id, n)
        write_hint_record(checks.record_path, record)
    return text


def set_recording(checks: Checks, on: bool) -> str:
    """Turn hint recording on (write ``hints-used.json`` with this session's hints) or off (delete it)."""
    if not on:
        checks.record_path.unlink(missing_ok=True)
        return checks.say("recording_off", file=FILENAME)
    record = read_hint_record(checks.record_path) or HintRecord(checks.folder.name)
    for gid, n in checks.shown.items():
        record.used(gid, n)
    write_hint_record(checks.record_path, record)
    return checks.say("recording_on", file=FILENAME)


def lint_checks(folder: Path, secrets: set[str] | None = None) -> list[str]:
    """Problems with an exercise folder's ``checks.yaml``, checked against the source notebook beside it.

    A question must be an answer cell of the notebook, its variables assigned there; the file must hold
    no line a learner must never see (``secrets``; default: the notebook's hidden-test and solution lines,
    as :func:`kit.grading.release.secret_lines` finds them).
    """
    folder = Path(folder)
    try:
        checks = load_checks(folder)
    except AssignmentError as exc:
        return [exc.message]
    answers = _answer_cells(folder)
    problems = []
    for gid, question in checks.questions.items():
        if gid not in answers:
            problems.append(f"{CHECKS_FILE}: {gid} is not an answer cell of the notebook")
            continue
        assigned = _assigned_names(answers[gid])
        problems += [
            f"{CHECKS_FILE}: {gid}: the solution never assigns {v}" for v in question.variables if v not in assigned
        ]
    secrets = secret_lines(sorted(folder.glob("*.ipynb"))) if secrets is None else secrets
    text = (folder / CHECKS_FILE).read_text(encoding="utf-8")
    strings = "\n".join(strings_in(yaml.safe_load(text)))
    problems += [
        f"{CHECKS_FILE} holds a hidden-test or solution line: {line!r}"
        for line in sorted(secrets)
        if line in text or line in strings
    ]
    return problems


def _notebook_cells(folder: Path) -> list:
    import nbformat

    return [c for path in sorted(folder.glob("*.ipynb")) for c in nbformat.read(path, as_version=4).cells]


def _answer_cells(folder: Path) -> dict[str, str]:
    """Grade id -> source of every answer (solution) cell of the folder's notebooks (written ones: "")."""
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source if c.cell_type == "code" else ""
        for c in _notebook_cells(folder)
        if c.metadata.get("nbgrader", {}).get("solution")
    }


def _assigned_names(source: str) -> set[str]:
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


# --- what a learner calls in a notebook ---------------------------------------------------------

_LOADED: dict[Path, Checks] = {}


def _current(folder: Path | None) -> Checks | None:
    folder = Path(folder or Path.cwd()).resolve()
    if folder not in _LOADED:
        if not (folder / CHECKS_FILE).is_file():
            return None
        _LOADED[folder] = load_checks(folder)
    return _LOADED[folder]


def _caller_namespace() -> dict:
    frame = inspect.currentframe().f_back.f_back  # the notebook cell that called check()
    try:
        return dict(frame.f_globals)
    finally:
        del frame


def check(grade_id: str, *, folder: Path | None = None) -> None:
    """Run one question's visible checks on your answer and print what they say.

    Parameters
    ----------
    grade_id
        The question, as named under its answer cell (``"count-heat"``).
    folder
        The exercise's folder (default: the notebook's, where Jupyter runs it).
    """
    checks = _current(folder)
    if checks is None:
        print(_no_checks())
        return
    print(run_check(checks, grade_id, _caller_namespace()).message)


def hint(grade_id: str, *, folder: Path | None = None) -> None:
    """Print the next hint for one question (one or two per question, from general to specific)."""
    checks = _current(folder)
    if checks is None:
        print(_no_checks())
        return
    print(next_hint(checks, grade_id))


def record_hints(on: bool = True, *, folder: Path | None = None) -> None:
    """Count the hints you use in ``hints-used.json`` (handed in with your notebook); ``False`` stops and deletes it."""
    checks = _current(folder)
    if checks is None:
        print(_no_checks())
        return
    print(set_recording(checks, on))
