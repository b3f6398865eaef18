"""Translations are complete and change nothing but what a learner reads.

A translated notebook has the same cells, metadata (grade ids, points) and code
as its English original, token for token, except string literals and comments;
and every prose cell and learner-facing text (assert messages, printed text, chart
labels) is translated. Data values compared in code stay as they are.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

import nbformat
import pytest
from helpers import REPO

from kit.data.syllabus import load_syllabus

_IGNORED = {tokenize.STRING, tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE}
_IGNORED |= {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)}


def pairs():
    found = []
    for m in load_syllabus().available():
        for lang in m.languages:
            if lang != "en":
                found.append((REPO / "modules" / f"{m.id}.ipynb", REPO / "modules" / lang / f"{m.id}.ipynb"))
        for lang in m.exercise_languages:
            if lang != "en":
                en, tr = m.assignment_for("en"), m.assignment_for(lang)
                found.append((REPO / "exercises" / en / f"{en}.ipynb", REPO / "exercises" / tr / f"{tr}.ipynb"))
    return found


PAIRS = pairs()
IDS = [str(t.relative_to(REPO)) for _, t in PAIRS]


def code_tokens(source: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in _IGNORED]


# calls and keywords whose text a learner reads (data values compared in code stay as they are)
_LABEL_CALLS = {
    "print",
    "set_title",
    "set_xlabel",
    "set_ylabel",
    "title",
    "xlabel",
    "ylabel",
    "suptitle",
    "text",
    "annotate",
    "legend",
}
_LABEL_KEYWORDS = {"label", "title", "xlabel", "ylabel"}


def _constants(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def learner_strings(source: str) -> list[str]:
    """Text a learner reads: assert messages, printed text and chart labels."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a deliberate-mistake cell
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is not None:
            found += _constants(node.msg)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name in _LABEL_CALLS:
                for arg in node.args:
                    found += _constants(arg)
            found += [c for kw in node.keywords if kw.arg in _LABEL_KEYWORDS for c in _constants(kw.value)]
    return found


def is_prose(text: str) -> bool:
    """Long enough, with enough words, to be a sentence a learner reads."""
    return len([w for w in text.split() if re.search(r"[A-Za-z]{2,}", w)]) >= 4


@pytest.mark.parametrize(("english", "translated"), PAIRS, ids=IDS)
def test_same_cells_metadata_and_code(english, translated):
    assert translated.is_file(), f"missing translation {translated.relative_to(REPO)}"
    _same_cells(nbformat.read(english, as_version=4), nbformat.read(translated, as_version=4))


def _same_cells(en, tr) -> None:
    assert len(en.cells) == len(tr.cells)
    for i, (a, b) in enumerate(zip(en.cells, tr.cells)):
        assert a.cell_type == b.cell_type, f"cell {i}"
        assert a.metadata.get("nbgrader") == b.metadata.get("nbgrader"), f"cell {i}: nbgrader metadata differs"
        assert a.metadata.get("tags") == b.metadata.get("tags"), f"cell {i}: tags differ"
        if a.cell_type == "code":
            assert code_tokens(a.source) == code_tokens(b.source), f"cell {i}: code differs beyond strings"
            for marker in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
                assert (marker in a.source) == (marker in b.source), f"cell {i}: {marker}"


@pytest.mark.parametrize(("english", "translated"), PAIRS, ids=IDS)
def test_every_sentence_a_learner_reads_is_translated(english, translated):
    _all_translated(nbformat.read(english, as_version=4), nbformat.read(translated, as_version=4))


def _all_translated(en, tr) -> None:
    untranslated = []
    for i, (a, b) in enumerate(zip(en.cells, tr.cells)):
        if a.cell_type == "markdown" and is_prose(a.source) and a.source.strip() == b.source.strip():
            untranslated.append(f"cell {i}: {a.source[:60]!r}")
        if a.cell_type == "code":
            english = {s for s in learner_strings(a.source) if is_prose(s)}
            untranslated += [f"cell {i}: {s[:60]}" for s in learner_strings(b.source) if s in english]
    assert not untranslated, "untranslated text:\n" + "\n".join(untranslated)


@pytest.mark.parametrize("module", ["02-electoral-cycle", "03-issue-campaigns"])
def test_the_city_templates_translations_as_rendered_for_the_sample_city(module):
    """A city template's translation, rendered (the Jinja text is no Python): the same checks."""
    from kit.course.adapt import TEMPLATES, template_path
    from kit.course.load import load_city
    from kit.course.render import render_notebook

    city = load_city(REPO / "cities" / "riverton.yaml")
    rendered = {}
    for lang in ("en", "es"):
        context = TEMPLATES[module][1](city, lang)
        context = {"city": context["params"]["city"], "sample": True, **context}
        rendered[lang] = render_notebook(template_path(module, lang), context, lang=lang)
    _same_cells(rendered["en"], rendered["es"])
    _all_translated(rendered["en"], rendered["es"])


def test_the_check_tells_messages_from_data_values():
    cell = (
        'assert calendar["event"].eq("Regular voter registration deadline").any(), '
        '"Pick the row of the regular registration deadline first."\n'
        'ax.set_title("Turnout by precinct in 2025")\nprint("Every precinct is shown here")'
    )
    assert learner_strings(cell) == [
        "Pick the row of the regular registration deadline first.",
        "Turnout by precinct in 2025",
        "Every precinct is shown here",
    ]
    assert code_tokens(cell) == code_tokens(cell.replace("Pick the row", "Elige la fila"))
    assert code_tokens(cell) != code_tokens(cell.replace("calendar", "calendario"))
