"""Survey instruments: the forms a program lead pastes, and the mappings that read their exports."""

from __future__ import annotations

import re
import string

import pytest
import yaml

from kit.data.syllabus import Skill, load_syllabus
from kit.errors import KitError
from kit.feedback.instruments import KINDS, SURVEYS_DIR, check_messages, survey_questions, write_instruments
from kit.feedback.mapping import SurveyError, load_mapping
from kit.languages import available_languages

CITY = "Riverton"
LANGS = list(available_languages())
QUESTION = re.compile(r"^### (\d+)\. (.+)$", re.M)


@pytest.fixture(scope="module")
def skills() -> list[Skill]:
    return load_syllabus().skills_for([1, 2, 3, 4])


@pytest.fixture(scope="module")
def written(tmp_path_factory, skills):
    directory = tmp_path_factory.mktemp("instruments")
    return directory, write_instruments(CITY, skills, LANGS, directory)


def titles_in(markdown: str) -> list[str]:
    found = QUESTION.findall(markdown)
    assert [int(n) for n, _ in found] == list(range(1, len(found) + 1))
    return [title for _, title in found]


def mapped_headers(mapping) -> list[str]:
    return list(mapping.columns().values())


def test_six_files_for_each_language(written):
    directory, paths = written
    names = [p.name for p in paths]
    expected = [f"{kind}.{lang}.md" for lang in LANGS for kind in KINDS] + [
        f"mapping-{kind}.{lang}.yaml" for lang in LANGS for kind in KINDS
    ]
    assert len(paths) == 6 * len(LANGS) and sorted(names) == sorted(expected)
    assert all(p.parent == directory and p.is_file() for p in paths)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_mapped_header_is_a_question_title_in_its_form(written, skills, kind, lang):
    directory, _ = written
    mapping = load_mapping(directory / f"mapping-{kind}.{lang}.yaml")
    titles = titles_in((directory / f"{kind}.{lang}.md").read_text(encoding="utf-8"))
    assert set(mapped_headers(mapping)) <= set(titles)
    assert titles == [q.title for q in survey_questions(kind, CITY, skills, lang)]
    assert mapping.learner_id == titles[0]


def test_what_each_mapping_reads(written, skills):
    directory, _ = written
    pre, post, session = (load_mapping(directory / f"mapping-{kind}.en.yaml") for kind in KINDS)
    ids = [s.id for s in skills]
    assert list(pre.skills) == ids and not pre.retrospective
    assert all(cols.after is None for cols in pre.skills.values())
    assert list(post.skills) == ids and post.retrospective
    assert (post.satisfaction, post.comments, post.dataset_requests) == (
        "How useful was the course?",
        "What should we change?",
        "What data do you wish Riverton published?",
    )
    assert post.skills["read-tables"].before == "Before the course: loading and reading a table of data"
    assert post.skills["read-tables"].after == "Now: loading and reading a table of data"
    assert pre.skills["read-tables"].before == "How confident are you today: loading and reading a table of data"
    assert list(session.skills) == ["today"] and session.satisfaction and session.comments
    assert session.dataset_requests is None


def test_spanish_titles(written):
    directory, _ = written
    post = load_mapping(directory / "mapping-post.es.yaml")
    assert post.skills["read-tables"].before == "Antes del curso: cargar y leer una tabla de datos"
    assert post.skills["read-tables"].after == "Ahora: cargar y leer una tabla de datos"
    assert post.dataset_requests == "¿Qué datos te gustaría que Riverton publicara?"


def test_portuguese_titles(skills, tmp_path):
    write_instruments(CITY, skills, ["pt"], tmp_path)
    post, pre = (load_mapping(tmp_path / f"mapping-{kind}.pt.yaml") for kind in ("post", "pre"))
    assert post.skills["read-tables"].before == "Antes do curso: carregar e ler uma tabela de dados"
    assert post.skills["read-tables"].after == "Agora: carregar e ler uma tabela de dados"
    confidence = "Quão confiante você se sente hoje para carregar e ler uma tabela de dados?"
    assert pre.skills["read-tables"].before == confidence
    assert post.dataset_requests == "Que dados você gostaria que Riverton publicasse?"


@pytest.mark.parametrize("kind", KINDS)
def test_every_language_asks_the_same_questions(written, skills, kind):
    directory, _ = written
    titles = [titles_in((directory / f"{kind}.{lang}.md").read_text(encoding="utf-8")) for lang in LANGS]
    assert len({len(t) for t in titles}) == 1 and all(len(set(t)) == len(t) for t in titles)
    keys = [[q.key for q in survey_questions(kind, CITY, skills, lang)] for lang in LANGS]
    assert all(k == keys[0] for k in keys)


def test_each_question_says_its_type_and_whether_it_is_required(written):
    directory, _ = written
    text = (directory / "post.en.md").read_text(encoding="utf-8")
    blocks = text.split("\n### ")[1:]
    assert len(blocks) == 20  # code, 8 skills x 2, useful, change, data
    for block in blocks:
        assert "- Type in Google Forms: " in block and "- Type in Microsoft Forms: " in block
        assert re.search(r"^- Required: (yes|no)$", block, re.M)
    assert "Linear scale 1–5 (1 = Not at all confident, 5 = Very confident)" in blocks[1]
    assert "Riverton community data course: end-of-course survey" in text
    assert "first two letters of your mother's first name" in blocks[0]


@pytest.mark.parametrize("lang", LANGS)
def test_no_placeholder_is_left_unfilled(written, lang):
    directory, _ = written
    for path in sorted(directory.glob(f"*.{lang}.*")):
        assert not re.search(r"\{[a-z_]+\}", path.read_text(encoding="utf-8")), path.name


def test_mappings_start_with_a_comment_naming_their_form(written):
    directory, _ = written
    for path in sorted(directory.glob("mapping-*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        form = path.name.removeprefix("mapping-").replace(".yaml", ".md")
        assert first.startswith("# ") and form in first, path.name


def test_the_same_input_gives_the_same_bytes(tmp_path, written, skills):
    _directory, paths = written
    again = write_instruments(CITY, skills, LANGS, tmp_path)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]


def test_message_catalogs_have_the_same_keys_and_placeholders():
    catalogs = {lang: yaml.safe_load((SURVEYS_DIR / f"{lang}.yaml").read_text(encoding="utf-8")) for lang in LANGS}
    assert len(catalogs) >= 2 and all(list(catalogs[lang]) == list(catalogs["en"]) for lang in LANGS), LANGS

    def names(text):
        return {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}

    for key, text in catalogs["en"].items():
        assert all(names(text) == names(catalogs[lang][key]) for lang in LANGS), key
    assert check_messages() == []


def test_question_titles_are_single_lines_in_every_language(skills):
    for lang in LANGS:
        for kind in KINDS:
            for q in survey_questions(kind, CITY, skills, lang):
                assert q.title == " ".join(q.title.split()), q.title
                assert (q.type == "scale") == (q.scale is not None)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s: survey_questions("post", CITY, s, "fr"), "no survey messages in language 'fr'"),
        (lambda s: survey_questions("mid", CITY, s, "en"), "unknown survey 'mid'"),
        (lambda s: survey_questions("post", CITY, [], "en"), "needs at least one skill"),
        (lambda s: survey_questions("post", " ", s, "en"), "city name"),
        (lambda s: survey_questions("pre", CITY, [s[0], s[0]], "en"), "skills listed twice"),
        (
            lambda s: survey_questions("post", CITY, [s[0], s[0].model_copy(update={"id": "other"})], "en"),
            "the same question twice",
        ),
        (lambda s: write_instruments(CITY, s, ["en", "en"], None), "each survey language once"),
    ],
)
def test_bad_input_fails_with_one_line(skills, call, message):
    with pytest.raises(SurveyError) as caught:
        call(skills)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert isinstance(caught.value, KitError)
