"""Translations are complete and change nothing but what a learner reads.

A translated notebook has the same cells, metadata (grade ids, points) and code
as its English original, token for token, except string literals and comments;
and every prose cell and learner-facing message is translated.
"""

from __future__ import annotations

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


def strings(source: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.STRING]


def is_prose(text: str) -> bool:
    """Long enough, with enough words, to be a sentence a learner reads."""
    return len([w for w in text.split() if re.search(r"[A-Za-z]{2,}", w)]) >= 4


@pytest.mark.parametrize(("english", "translated"), PAIRS, ids=IDS)
def test_same_cells_metadata_and_code(english, translated):
    assert translated.is_file(), f"missing translation {translated.relative_to(REPO)}"
    en, tr = nbformat.read(english, as_version=4), nbformat.read(translated, as_version=4)
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
    en, tr = nbformat.read(english, as_version=4), nbformat.read(translated, as_version=4)
    untranslated = []
    for i, (a, b) in enumerate(zip(en.cells, tr.cells)):
        if a.cell_type == "markdown" and is_prose(a.source) and a.source.strip() == b.source.strip():
            untranslated.append(f"cell {i}: {a.source[:60]!r}")
        if a.cell_type == "code":
            english_strings = {s for s in strings(a.source) if is_prose(s)}
            untranslated += [f"cell {i}: {s[:60]}" for s in strings(b.source) if s in english_strings]
    assert not untranslated, "untranslated text:\n" + "\n".join(untranslated)
