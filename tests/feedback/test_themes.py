"""Recurring themes in comments: kit.feedback.themes (and the words it sees, kit.feedback.words).

Comments are made up, in English, Spanish and both at once.
"""

from __future__ import annotations

import math
import os

import pytest

from kit.data.text import fold
from kit.errors import KitError
from kit.feedback.themes import Theme, ThemeError, group_comments, load_themes, themes_of
from kit.feedback.words import is_non_answer, words
from kit.languages import available_languages

THEME_IDS = [
    "pace",
    "practice-time",
    "local-examples",
    "language",
    "setup",
    "maps-visuals",
    "breaks-length",
    "follow-up",
    "materials",
]


def ids(comment: str) -> list[str]:
    return [theme.id for theme, _ in themes_of(comment)]


def keywords(comment: str, theme_id: str) -> tuple[str, ...]:
    return {t.id: kws for t, kws in themes_of(comment)}[theme_id]


# ---- words ---------------------------------------------------------------------------


def test_fold_and_words_ignore_case_and_accents():
    assert fold("RÁPIDO Año") == "rapido ano"
    assert words("¿Más PRÁCTICA? wi-fi_x") == ["mas", "practica", "wi", "fi", "x"]
    assert words("e\u0301xito") == ["exito"]  # a decomposed accent too


@pytest.mark.parametrize("text", ["", "  ", "n/a", "N/A.", "None", "-", "nada", "Ninguna", "no sé", "No se"])
def test_non_answers(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["não sei", "Nao sei.", "Nenhum", "nada a declarar", "Sem comentários"])
def test_portuguese_non_answers(text):
    assert is_non_answer(text)


def test_a_real_answer_is_not_a_non_answer():
    assert not is_non_answer("none of the maps loaded")


# ---- the packaged themes -------------------------------------------------------------


def test_packaged_themes_load_in_file_order_with_every_language():
    themes = load_themes()
    assert [t.id for t in themes] == THEME_IDS
    languages = {*available_languages(), "pt"}  # Portuguese's keywords are there before it is complete
    for theme in themes:
        assert set(theme.label) == languages, theme.id
        assert all(theme.keywords.get(lang) for lang in languages), theme.id
        assert all(theme.label_in(lang) != theme.label_in("en") for lang in languages - {"en"}), theme.id


@pytest.mark.parametrize(
    ("comment", "theme_id"),
    [
        ("It was too fast for me", "pace"),
        ("The pace felt rushed", "pace"),
        ("Muy rápido, no alcancé a copiar", "pace"),
        ("más despacio por favor", "pace"),
        ("We needed more time to practice", "practice-time"),
        ("Más tiempo para practicar", "practice-time"),
        ("More exercises!", "practice-time"),
        ("más ejercicios", "practice-time"),
        ("Use examples from our neighborhood", "local-examples"),
        ("Datos de nuestro barrio", "local-examples"),
        ("Más ejemplos reales", "local-examples"),
        ("Please offer it in Spanish", "language"),
        ("Necesitamos traducción al español", "language"),
        ("I could not install Jupyter on my laptop", "setup"),
        ("The wifi kept dropping", "setup"),
        ("No pude instalar nada en la computadora", "setup"),
        ("Sin internet no pude seguir", "setup"),
        ("More maps and charts", "maps-visuals"),
        ("Me gustó el mapa; más gráficas", "maps-visuals"),
        ("We need a break halfway", "breaks-length"),
        ("Three hours is too long, I was tired", "breaks-length"),
        ("La sesión fue muy larga", "breaks-length"),
        ("Un descanso, estaba cansado", "breaks-length"),
        ("Is there a follow-up course?", "follow-up"),
        ("I'd come to more sessions", "follow-up"),
        ("Queremos seguimiento y otra sesión", "follow-up"),
        ("Quiero continuar aprendiendo", "follow-up"),
        ("Share the slides and a handout", "materials"),
        ("Print the notes", "materials"),
        ("Los materiales y los apuntes", "materials"),
        ("Mandar las diapositivas", "materials"),
    ],
)
def test_examples_in_english_and_spanish(comment, theme_id):
    assert theme_id in ids(comment)


@pytest.mark.parametrize(
    ("comment", "theme_id"),
    [
        ("O ritmo foi rápido demais, não consegui acompanhar", "pace"),
        ("Vão mais devagar, por favor", "pace"),
        ("Mais tempo para praticar durante a aula", "practice-time"),
        ("Menos teoria e mais exercícios práticos", "practice-time"),
        ("Exemplos do nosso bairro", "local-examples"),
        ("Usar dados reais da nossa cidade", "local-examples"),
        ("Faltou traduzir alguns slides para o português", "language"),
        ("Não consegui instalar nada no meu computador", "setup"),
        ("A internet caiu e o notebook travou", "setup"),
        ("Adorei os mapas e os gráficos", "maps-visuals"),
        ("Precisamos de um intervalo no meio", "breaks-length"),
        ("A aula foi muito longa, fiquei cansada", "breaks-length"),
        ("Queremos acompanhamento e outro curso", "follow-up"),
        ("Quero continuar aprendendo", "follow-up"),
        ("Mandem a apostila e as apresentações antes", "materials"),
    ],
)
def test_examples_in_portuguese(comment, theme_id):
    assert theme_id in ids(comment)


@pytest.mark.parametrize("comment", ["TOO FAST", "too fast", "Too Fast", "MUY RÁPIDO", "muy rapido", "Muy Rápido"])
def test_case_and_accents_do_not_matter(comment):
    assert ids(comment) == ["pace"]


def test_keywords_are_word_starts():
    assert keywords("Quiero practicar", "practice-time") == ("practic",)  # stem "practic"
    assert keywords("Los mapas", "maps-visuals") == ("mapa",)
    assert ids("The speaker's accent") == []  # no theme hides inside another word


def test_words_that_only_look_like_keywords_do_not_match():
    assert ids("Latitude and longitude were confusing") == []  # not "long"
    assert ids("A lo largo del curso aprendí mucho") == []  # not "largo"
    assert ids("For example, I liked it") == []  # "examples", not "example"
    assert "materials" not in ids("The notebook was clear")  # "notes", not "note"


def test_a_comment_can_belong_to_several_themes():
    comment = "Too fast, and in English only; the wifi failed. Más mapas!"
    assert ids(comment) == ["pace", "language", "setup", "maps-visuals"]


def test_mixed_language_comment_uses_both_keyword_lists():
    assert ids("Great class pero muy rápido, need more practice") == ["pace", "practice-time"]


def test_explanation_keeps_the_most_specific_keywords():
    assert keywords("It was too fast", "pace") == ("too fast",)
    assert keywords("too fast, way faster than I can type", "pace") == ("too fast", "fast")
    assert keywords("maps! mapas!", "maps-visuals") == ("map", "mapa")


def test_phrases_match_words_in_a_row():
    assert keywords("Set up took an hour", "setup") == ("set up",)
    assert "setup" not in ids("Set the table up")


# ---- grouping --------------------------------------------------------------------------


def test_group_comments_counts_ranks_and_explains():
    comments = [
        "Too fast",
        "muy rápido",
        "More maps",
        "Need more time to practice, too fast",
        "Loved it",
        None,
        "",
        "   ",
        float("nan"),
        "n/a",
        "Nada",
    ]
    summary = group_comments(comments)
    assert summary.total == 5
    assert [(c.theme.id, c.count) for c in summary.themes] == [("pace", 3), ("practice-time", 1), ("maps-visuals", 1)]
    pace = summary.themes[0]
    assert pace.comments == ("Too fast", "muy rápido", "Need more time to practice, too fast")
    assert pace.keywords == (("too fast", 2), ("rápid", 1))
    assert summary.unthemed == ("Loved it",)


def test_ties_keep_theme_order_and_keywords_rank_by_count():
    summary = group_comments(["maps", "slides", "too slow", "charts and maps"])
    assert [c.theme.id for c in summary.themes] == ["maps-visuals", "pace", "materials"]
    assert summary.themes[0].keywords == (("map", 2), ("chart", 1))


def test_group_nothing():
    summary = group_comments([None, " ", "N/A"])
    assert summary.themes == () and summary.unthemed == () and summary.total == 0


def test_comments_are_stripped():
    assert group_comments(["  too fast \n"]).themes[0].comments == ("too fast",)


def test_custom_themes_in_code():
    wifi = Theme(id="wifi", label={"en": "Wi-fi"}, keywords={"en": ["wi fi", "wifi"]})
    summary = group_comments(["The Wi-Fi!", "wifi again", "fine"], [wifi])
    assert summary.themes[0].count == 2 and summary.unthemed == ("fine",)
    assert wifi.keywords == {"en": ("wi fi", "wifi")}
    assert wifi.label_in("es") == "Wi-fi"
    assert len({wifi, wifi}) == 1


def test_nan_is_not_a_comment():
    assert group_comments([math.nan]).total == 0


# ---- a city's themes file --------------------------------------------------------------

GOOD = """\
themes:
  - id: transit
    label: {en: Getting there, es: Cómo llegar}
    keywords:
      en: [bus, parking]
      es: [autobús, estacionamiento]
"""


def test_a_city_file_replaces_the_packaged_themes(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text(GOOD, encoding="utf-8")
    themes = load_themes(path)
    assert [t.id for t in themes] == ["transit"]
    assert themes[0].label["es"] == "Cómo llegar"
    assert ids_with(themes, "No había autobús") == ["transit"]


def ids_with(themes, comment):
    return [t.id for t, _ in themes_of(comment, themes)]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("themes: []\n", "themes"),
        ("- id: pace\n", "themes"),
        ("themes:\n  - id: Pace!\n    label: {en: P}\n    keywords: {en: [fast]}\n", "themes.0.id"),
        ("themes:\n  - id: pace\n    label: {}\n    keywords: {en: [fast]}\n", "themes.0.label"),
        ("themes:\n  - id: pace\n    label: {en: P}\n    keywords: {en: []}\n", "themes.0.keywords"),
        ("themes:\n  - id: pace\n    label: {en: P}\n    keywords: {en: ['?!']}\n", "themes.0.keywords"),
        ("themes:\n  - id: pace\n    label: {en: P}\n    keywords: {english: [fast]}\n", "themes.0.keywords"),
        ("themes:\n  - id: pace\n    label: {en: P}\n", "themes.0.keywords"),
        ("themes:\n  - id: pace\n    label: {en: P}\n    keywords: {en: [fast]}\n    colour: red\n", "themes.0.colour"),
        (
            "themes:\n  - {id: a, label: {en: A}, keywords: {en: [x]}}\n"
            "  - {id: a, label: {en: B}, keywords: {en: [y]}}\n",
            "themes",
        ),
    ],
)
def test_a_bad_themes_file_names_file_and_field(tmp_path, text, field):
    path = tmp_path / "themes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ThemeError) as err:
        load_themes(path)
    assert isinstance(err.value, KitError)
    assert err.value.field is not None and err.value.field.startswith(field)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and field in message


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text("themes:\n  - id: pace\n    label: [unclosed\n", encoding="utf-8")
    with pytest.raises(ThemeError, match=r"themes\.yaml:\d+: not valid YAML"):
        load_themes(path)


def test_a_missing_or_unreadable_themes_file(tmp_path):
    with pytest.raises(ThemeError, match="no such themes file"):
        load_themes(tmp_path / "nope.yaml")
    path = tmp_path / "latin1.yaml"
    path.write_bytes("themes: [caf\xe9]".encode("latin-1"))
    with pytest.raises(ThemeError, match="cannot be read"):
        load_themes(path)


def test_an_edited_file_is_read_again(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert [t.id for t in load_themes(path)] == ["transit"]
    path.write_text(GOOD.replace("transit", "getting-there"), encoding="utf-8")
    os.utime(path, (1, 1))  # a different mtime, even on a coarse clock
    assert [t.id for t in load_themes(path)] == ["getting-there"]


def test_the_keywords_are_indexed_once_per_list_of_themes(monkeypatch):
    from kit.feedback import themes as module

    built = []
    init = module._KeywordIndex.__init__
    monkeypatch.setattr(module._KeywordIndex, "__init__", lambda self, t: built.append(len(t)) or init(self, t))
    module._keyword_index.cache_clear()
    comments = ["Too fast!", "muy rápido", "More maps please", "más práctica", "the setup took an hour"] * 40
    summary = group_comments(comments)
    assert summary.total == 200 and {t.theme.id for t in summary.themes} >= {"pace", "maps-visuals"}
    assert [t.id for t, _ in themes_of("too fast")] == ["pace"]
    assert built == [len(load_themes())]  # one index for the packaged themes, not one per comment
    module._keyword_index.cache_clear()
