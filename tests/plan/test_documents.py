"""The plan documents: both languages from parallel catalogs, every section, deterministic, well-formed."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from helpers import REPO

from kit.plan.documents import (
    TEMPLATES_DIR,
    Messages,
    check_messages,
    load_messages,
    markdown_to_html,
    placeholders,
    render_plan,
    write_documents,
)
from kit.plan.schedule import session_dates

SAMPLE = REPO / "plans" / "riverton.yaml"
LANGS = ("en", "es")

# the sample's seven sessions (2026-09-30 is skipped, so the sprint slides a week)
SESSION_DATES = {
    "en": [
        "Wednesday, September 9, 2026",
        "Wednesday, September 16, 2026",
        "Wednesday, September 23, 2026",
        "Wednesday, October 7, 2026",
        "Wednesday, October 14, 2026",
        "Wednesday, October 21, 2026",
        "Wednesday, October 28, 2026",
    ],
    "es": [
        "miércoles 9 de septiembre de 2026",
        "miércoles 16 de septiembre de 2026",
        "miércoles 23 de septiembre de 2026",
        "miércoles 7 de octubre de 2026",
        "miércoles 14 de octubre de 2026",
        "miércoles 21 de octubre de 2026",
        "miércoles 28 de octubre de 2026",
    ],
}


@pytest.fixture(scope="module")
def plans(spec, syllabus) -> dict[str, str]:
    return {lang: render_plan(spec, syllabus, lang) for lang in LANGS}


def section(md: str, heading: str) -> str:
    """The text of the ``## heading`` section, up to the next ``## ``."""
    start = md.index(f"\n## {heading}\n")
    end = md.find("\n## ", start + 1)
    return md[start:] if end < 0 else md[start:end]


# --- the catalogs ------------------------------------------------------------------------


def test_both_catalogs_have_the_same_keys():
    en, es = load_messages("en"), load_messages("es")
    assert sorted(set(en) - set(es)) == [] and sorted(set(es) - set(en)) == []


def test_each_message_keeps_its_placeholders_in_both_languages():
    en, es = load_messages("en"), load_messages("es")
    differ = {
        key: (placeholders(en[key]), placeholders(es[key]))
        for key in en
        if placeholders(en[key]) != placeholders(es[key])
    }
    assert differ == {}
    assert check_messages() == []


def test_the_template_holds_no_prose():
    """Outside its {{ }}, {% %} and {# #} tags the template is Markdown punctuation only."""
    text = (TEMPLATES_DIR / "plan.md.j2").read_text(encoding="utf-8")
    structure = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text, flags=re.S)
    assert re.findall(r"[^\W\d_]{2,}", structure) == []


# --- both languages -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_sample_plan_renders_every_section(plans, spec, lang):
    md, t = plans[lang], Messages(lang)
    assert md.startswith(f"# {t('title', city=spec.city)}\n")
    headings = [
        t(f"heading.{key}")
        for key in (
            "goals",
            "team",
            "audiences",
            "topics",
            "matrix",
            "schedule",
            "workplan",
            "roadmap",
            "feedback",
            "wwc",
        )
    ]
    positions = [md.index(f"\n## {h}\n") for h in headings]
    assert positions == sorted(positions)
    for goal in spec.goals:
        assert goal in section(md, t("heading.goals"))


def test_no_english_sentence_is_left_in_the_spanish_plan(plans):
    """Every run of four or more English words from the catalog (between placeholders) is absent."""
    leftovers = []
    for key, text in load_messages("en").items():
        for fragment in re.split(r"\{[^{}]*\}", text):
            fragment = fragment.strip(" ,.;:()")
            if len(fragment.split()) > 3 and fragment in plans["es"]:
                leftovers.append((key, fragment))
    assert leftovers == []


def test_the_english_sentences_do_appear_in_the_english_plan(plans):
    """The check above has teeth: the same fragments are found in the English plan."""
    found = [
        text
        for text in load_messages("en").values()
        if any(len(f.split()) > 3 and f.strip(" ,.;:()") in plans["en"] for f in re.split(r"\{[^{}]*\}", text))
    ]
    assert len(found) > 50


@pytest.mark.parametrize("lang", LANGS)
def test_all_seven_session_dates_appear(plans, spec, lang):
    md, t = plans[lang], Messages(lang)
    assert [t.date(d) for d in session_dates(spec.sprint)] == SESSION_DATES[lang]
    for number, day in enumerate(SESSION_DATES[lang], start=1):
        assert f"| {day} |" in md  # in the schedule table
        assert f"#### {t('session.heading', number=number, date=day)}\n" in md  # and its own agenda
    assert t.date(date(2026, 9, 30)) in md  # the skipped day is named


@pytest.mark.parametrize("lang", LANGS)
def test_the_sessions_say_what_they_cover_with_minutes(plans, syllabus, lang):
    md, t = plans[lang], Messages(lang)
    agenda = md[md.index(f"### {t('heading.sessions')}") :]
    for number in (1, 2, 3):
        title = syllabus.module(number).title[lang]
        assert t("session.item.teach", module=t("module.inline", number=number, title=title)) in agenda
    assert f"| {t('unit.minutes', minutes=20)} | {t('session.item.orientation')} |" in agenda
    assert t("session.item.showcase") in agenda


@pytest.mark.parametrize("lang", LANGS)
def test_the_matrix_has_a_row_per_audience_and_a_column_per_module(plans, spec, syllabus, lang):
    md, t = plans[lang], Messages(lang)
    matrix = section(md, t("heading.matrix"))
    header = next(line for line in matrix.splitlines() if line.startswith(f"| {t('matrix.audience')} |"))
    for number in (1, 2, 3):
        assert f"| {number}. {syllabus.module(number).title[lang]} |" in header
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in matrix.splitlines()
        if line.startswith("| ") and line != header
    }
    asked, prerequisite = t("matrix.asked"), t("matrix.prerequisite")
    assert rows == {
        "Tenant associations": [asked, "", asked],
        "Neighborhood councils": [asked, asked, asked],
        "311 and code enforcement staff": [prerequisite, "", asked],
    }
    # the sentence saying which module was pulled in, and why
    assert (
        t(
            "matrix.pulled_in.one",
            audience="311 and code enforcement staff",
            module=t("module.inline", number=1, title=syllabus.module(1).title[lang]),
            needed_by=t("module.inline", number=3, title=syllabus.module(3).title[lang]),
        )
        in matrix
    )


@pytest.mark.parametrize("lang", LANGS)
def test_topics_list_their_datasets_by_their_translated_titles(plans, lang):
    topics = section(plans[lang], Messages(lang)("heading.topics"))
    expected = {"en": "Riverton population by neighborhood", "es": "Población de Riverton por barrio"}[lang]
    assert f"{expected} (`neighborhood_population`)" in topics


@pytest.mark.parametrize("lang", LANGS)
def test_the_wwc_section_quotes_the_upskilling_criterion(plans, lang):
    t = Messages(lang)
    assert t("wwc.upskill.quote") in section(plans[lang], t("heading.wwc"))


def test_personas_come_from_the_spec_or_are_written_from_its_fields(spec, syllabus):
    custom = spec.model_copy(
        update={
            "audiences": [
                spec.audiences[0].model_copy(update={"persona": "Renters who organize building by building."})
            ]
            + spec.audiences[1:]
        }
    )
    md = render_plan(custom, syllabus, "es")
    assert "Renters who organize building by building." in md
    assert "Un equipo del personal municipal de unas 15 personas que trabaja en prestación de servicios" in md


def test_default_goals_come_from_the_catalog_when_the_spec_has_none(spec, syllabus):
    md = render_plan(spec.model_copy(update={"goals": []}), syllabus, "es")
    assert Messages("es")("goals.default.1") in md


def test_dates_and_times_are_formatted_by_the_catalog_not_the_locale():
    from datetime import time

    en, es = Messages("en"), Messages("es")
    assert en.date(date(2026, 9, 9)) == "Wednesday, September 9, 2026"
    assert es.date(date(2026, 9, 9)) == "miércoles 9 de septiembre de 2026"
    assert (en.clock(time(15, 0)), es.clock(time(9, 5))) == ("3:00 p.m.", "9:05 a. m.")
    assert es.join(["a", "b", "c"]) == "a, b y c" and en.join(["a", "b", "c"]) == "a, b, and c"


# --- files ------------------------------------------------------------------------------------


def test_write_documents_writes_markdown_and_html_per_language(spec, syllabus, tmp_path):
    written = write_documents(spec, syllabus, tmp_path)
    assert [p.name for p in written] == ["plan.en.md", "plan.en.html", "plan.es.md", "plan.es.html"]
    assert (tmp_path / "plan.es.md").read_text(encoding="utf-8") == render_plan(spec, syllabus, "es")


def test_two_builds_are_byte_identical(spec, syllabus, tmp_path):
    first = {p.name: p.read_bytes() for p in write_documents(spec, syllabus, tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_documents(spec, syllabus, tmp_path / "b")}
    assert first == second
    assert render_plan(spec, syllabus, "en") == render_plan(spec, syllabus, "en")


class _Checker(HTMLParser):
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("link", "script", "img", "iframe") or any(
            n in ("src", "href") and v and "://" in v for n, v in attrs
        ):
            self.errors.append(f"external resource <{tag} {attrs}>")
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):  # <hr />: fine for a void element only
        self.tags.append(tag)
        if tag not in self.VOID:
            self.errors.append(f"<{tag} /> is not a void element")

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1] if self.open else 'nothing'}")
        else:
            self.open.pop()


@pytest.mark.parametrize("lang", LANGS)
def test_the_html_is_well_formed_and_standalone(spec, syllabus, tmp_path, lang):
    write_documents(spec, syllabus, tmp_path)
    page = (tmp_path / f"plan.{lang}.html").read_text(encoding="utf-8")
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.open == []
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in page
    assert {"table", "style", "title", "h1", "h2"} <= set(checker.tags)
    assert "@media print" in page


def test_markdown_to_html_escapes_the_title_and_raw_html():
    page = markdown_to_html("# Hi <script>x</script>\n\n| a |\n|---|\n| 1 |\n", "A & <B>")
    assert "<title>A &amp; &lt;B&gt;</title>" in page
    assert "<script>" not in page and "<table>" in page
