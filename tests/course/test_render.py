"""Rendering templates: strict names, dropped empty cells, numbers per language; the bundled module 3
is the Riverton rendering of its template."""

from __future__ import annotations

import nbformat
import pytest
from helpers import REPO

from kit.course.render import MESSAGES_DIR, format_number, join_names, render_notebook, render_text
from kit.errors import CourseError
from kit.languages import available_languages
from kit.pages import check_catalogs


def _template(tmp_path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(s) for s in sources])
    path = tmp_path / "t.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_missing_fact_names_the_cell_and_the_name(tmp_path):
    path = _template(tmp_path, "fine", "{{ facts.nowhere }} requests")
    with pytest.raises(CourseError, match=r"t.ipynb cell 1: .*nowhere"):
        render_notebook(path, {"facts": {}})


def test_a_cell_that_renders_empty_is_dropped_and_outputs_are_empty(tmp_path):
    path = _template(tmp_path, "{{ city }}", "{% if facts.duplicates %}dups{% endif %}", "end")
    nb = render_notebook(path, {"city": "Villa", "facts": {"duplicates": None}})
    assert [c.source for c in nb.cells] == ["Villa", "end"]
    assert [c.id for c in nb.cells] == ["cell-000", "cell-001"]


def test_numbers_months_and_lists_in_each_language():
    assert format_number(4695) == "4,695" and format_number(45.63, 1) == "45.6"
    assert join_names(["A", "B", "C"], "es") == "A, B y C"
    assert render_text("{{ [12, 1] | months }}", {}, lang="es") == "diciembre y enero"
    assert render_text("{{ 0.057 | pct }} {{ 'X' | py }}", {}) == "6% 'X'"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "4,695 · 45.6 · 35.8% · A, B and C · December and January · February 28, 2023"),
        ("es", "4,695 · 45.6 · 35.8% · A, B y C · diciembre y enero · 28 de febrero de 2023"),
        ("pt", "4.695 · 45,6 · 35,8% · A, B e C · dezembro e janeiro · 28 de fevereiro de 2023"),
    ],
)
def test_every_filter_in_each_language(lang, expected):
    source = "{{ 4695 | num }} · {{ 45.63 | num(1) }} · {{ 0.358 | pct(1) }} · {{ ['A', 'B', 'C'] | names }}"
    source += " · {{ [12, 1] | months }} · {{ '2023-02-28' | day }}"
    assert render_text(source, {}, lang=lang) == expected


def test_a_language_the_kit_lacks_writes_numbers_and_dates_in_english():
    assert format_number(1234.5, 1, lang="xx") == "1,234.5" and join_names(["A", "B"], "xx") == "A and B"
    assert render_text("{{ '2023-02-28' | day }}", {}, lang="xx") == "February 28, 2023"


def test_the_course_catalogs_have_the_same_keys_and_placeholders_in_every_language():
    assert check_catalogs(MESSAGES_DIR, available_languages()) == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_bundled_module_3_is_the_riverton_rendering_of_its_template(lang):
    from kit.course.adapt import template_path
    from kit.course.facts import module3_facts
    from kit.course.load import load_city

    city = load_city(REPO / "cities" / "riverton.yaml")
    context = module3_facts(city, lang)
    context = {"city": context["params"]["city"], "sample": True, **context}
    rendered = render_notebook(template_path("03-issue-campaigns", lang), context, lang=lang)
    folder = REPO / "modules" if lang == "en" else REPO / "modules" / lang
    committed = nbformat.read(folder / "03-issue-campaigns.ipynb", as_version=4)
    assert [(c.cell_type, c.source, c.metadata) for c in committed.cells] == [
        (c.cell_type, c.source, c.metadata) for c in rendered.cells
    ], "the template is the source: kit course adapt --city cities/riverton.yaml -o DIR --no-execute, copy DIR/modules"
    parameters = next(c for c in rendered.cells if c.cell_type == "code")
    assert parameters.metadata["tags"] == ["parameters"] and "CITY = 'Riverton'" in parameters.source
