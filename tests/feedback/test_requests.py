"""Dataset requests matched to a catalog: kit.feedback.requests and kit.feedback.catalogs.

Requests are made up, in English and Spanish; city catalogs are small files
written in tmp_path in the shapes real portals export, plus the real Boston
Discovery API export when the shared fixtures are present.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from helpers import REPO

from kit.errors import CatalogError, KitError
from kit.feedback import requests
from kit.feedback.catalogs import bundled_catalog, load_city_catalog
from kit.feedback.requests import (
    GLOSSARY,
    REQUEST_WORDS_FILE,
    CatalogEntry,
    RequestMatch,
    _load_request_words,
    match_request,
    match_requests,
    split_requests,
)

SHARED = REPO.parent / "shared"  # fixtures shared by the checkouts, beside the repository
BOSTON = SHARED / "realdata" / "socrata_wire" / "sodapy_fixtures" / "catalog_api_get_datasets.json"


@pytest.fixture(scope="module")
def catalog() -> list[CatalogEntry]:
    return bundled_catalog()


# ---- the bundled catalog -----------------------------------------------------------------


def test_bundled_catalog_has_every_card_in_both_languages(catalog):
    from kit.data.catalog import load_catalog

    assert [e.name for e in catalog] == [c.name for c in load_catalog().datasets]
    requests = next(e for e in catalog if e.name == "service_requests")
    assert requests.title == "Riverton 311 service requests, 2024-2025"
    assert "quejas" in requests.keywords  # a synonym
    assert "Solicitudes de servicio al 311 de Riverton, 2024-2025" in requests.keywords  # the Spanish title
    assert "complaint_type" in requests.columns
    assert any("barrio" in note for note in requests.notes)  # the Spanish description
    assert requests.url is None


@pytest.mark.parametrize(
    ("request_text", "dataset", "terms"),
    [
        ("311 complaints by neighborhood", "service_requests", ("311", "complaints", "neighborhood")),
        ("quejas al 311 por barrio", "service_requests", ("quejas", "311", "barrio")),
        ("election results by precinct", "precinct_results_2025", ("election", "results", "precinct")),
        ("resultados electorales por precinto", "precinct_results_2025", ("resultados", "electorales", "precinto")),
        ("voter turnout", "vote_history", ("voter", "turnout")),
        ("participación electoral", "vote_history", ("participación", "electoral")),
        ("population of each neighborhood", "neighborhood_population", ("population", "neighborhood")),
        ("población por barrio", "neighborhood_population", ("población", "barrio")),
        ("neighborhood boundaries", "neighborhoods", ("neighborhood", "boundaries")),
        ("mapa de los barrios", "neighborhoods", ("mapa", "barrios")),
        ("donaciones", "donations", ("donaciones",)),
        ("noise complaints", "service_requests", ("noise", "complaints")),
    ],
)
def test_published_requests_name_the_right_dataset(catalog, request_text, dataset, terms):
    match = match_request(request_text, catalog)
    assert (match.status, match.dataset, match.terms) == ("published", dataset, terms)
    assert match.title == next(e.title for e in catalog if e.name == dataset)
    assert 0.5 <= match.score <= 1.0


@pytest.mark.parametrize(
    "request_text",
    [
        "bus stop locations",
        "paradas de autobús",
        "eviction filings",
        "desalojos",
        "tree canopy",
        "rent prices",
        "permisos de construcción",
        "building permits",
        "lead pipes",
        "crime by neighborhood",
        "noise levels",
        "bus routes by neighborhood",
        "más datos",
    ],
)
def test_gaps(catalog, request_text):
    match = match_request(request_text, catalog)
    assert (match.status, match.dataset, match.title, match.terms) == ("gap", None, None, ())
    assert 0 <= match.score < 0.5


@pytest.mark.parametrize(
    "request_text", ["QUEJAS AL 311 POR BARRIO", "Quejas al 311 por barrio", "quejas   al 311 por Barrio!"]
)
def test_case_accents_and_punctuation_do_not_matter(catalog, request_text):
    assert match_request(request_text, catalog).dataset == "service_requests"
    assert match_request("POBLACION por BARRIO", catalog).dataset == "neighborhood_population"


def test_terms_are_the_words_as_written_and_only_those_that_matched(catalog):
    match = match_request("I'd love to see 311 complaints by neighborhood and zip code", catalog)
    assert match.dataset == "service_requests"
    assert match.terms == ("311", "complaints", "neighborhood", "zip", "code")  # not "love", "see", "and"


def test_matching_is_deterministic_and_ties_go_to_catalog_order(catalog):
    first = match_request("neighborhood", catalog)
    assert first.dataset == "neighborhoods"  # neighborhood_population has it in its title too, but comes later
    assert match_request("neighborhood", catalog) == first
    swapped = [catalog[1], catalog[0], *catalog[2:]]
    assert match_request("neighborhood", swapped).dataset == "neighborhood_population"


def test_request_status():
    assert RequestMatch("x", "a", "A", 1.0, ("x",)).status == "published"
    assert RequestMatch("x", None, None, 0.1, ()).status == "gap"


def test_glossary_is_bilingual():
    assert "complaint" in GLOSSARY["queja"] and "permiso" in GLOSSARY["permit"]


def test_an_empty_catalog_makes_every_request_a_gap():
    assert match_request("311 complaints", []).status == "gap"


# ---- the request words file --------------------------------------------------------------


def test_the_request_words_ship_beside_the_module_and_are_read_once():
    assert REQUEST_WORDS_FILE.parent == Path(requests.__file__).parent and REQUEST_WORDS_FILE.is_file()
    assert _load_request_words() is _load_request_words()
    assert {"data", "por", "de"} <= requests.STOPWORDS
    assert "311" in requests.SYNONYMS["service_requests"] and "ruido" in requests.TOPICS["service_requests"]


GOOD_WORDS = {
    "stopwords": {"en": "data by", "es": "datos por"},
    "glossary": ["bus autobus"],
    "synonyms": {"service_requests": ["311"]},
    "topics": {},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stopwords: [unclosed", "not valid YAML"),
        ("- a list", "expected a mapping with stopwords, glossary, synonyms and topics"),
        (json.dumps({k: v for k, v in GOOD_WORDS.items() if k != "glossary"}), "glossary: Field required"),
        (json.dumps({**GOOD_WORDS, "synonyms": {"service_requests": [311]}}), "synonyms.service_requests.0"),
        ("stopwords: {en: data}\nglossary: [no]\nsynonyms: {}\ntopics: {}", "glossary.0: Input should be"),
        (json.dumps({**GOOD_WORDS, "extra": 1}), "extra: Extra inputs are not permitted"),
    ],
)
def test_a_malformed_request_words_file_fails_with_one_line_naming_it(tmp_path, text, expected):
    path = tmp_path / "request_words.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KitError) as err:
        _load_request_words(path)
    message = str(err.value)
    assert expected in message and str(path) in message and "\n" not in message


def test_a_well_formed_request_words_file_is_folded_and_split(tmp_path):
    path = tmp_path / "request_words.yaml"
    path.write_text(json.dumps({**GOOD_WORDS, "stopwords": {"en": "Data  by", "es": "más\npor"}}), encoding="utf-8")
    words = _load_request_words(path)
    assert words.stopwords == {"data", "by", "mas", "por"}
    assert words.glossary == ("bus autobus",) and words.synonyms == {"service_requests": ("311",)}


# ---- splitting answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "parts"),
    [
        (None, []),
        ("", []),
        ("   ", []),
        ("n/a", []),
        ("N/A.", []),
        ("None", []),
        ("nada", []),
        ("Ninguna", []),
        ("-", []),
        ("no sé", []),
        ("bus stops", ["bus stops"]),
        ("bus stops\ntree canopy", ["bus stops", "tree canopy"]),
        ("bus stops; tree canopy;", ["bus stops", "tree canopy"]),
        ("• bus stops • tree canopy", ["bus stops", "tree canopy"]),
        ("- bus stops\n- tree canopy\n- n/a", ["bus stops", "tree canopy"]),
        ("* quejas al 311\r\n* desalojos", ["quejas al 311", "desalojos"]),
        ("1. bus stops\n2. tree canopy", ["bus stops", "tree canopy"]),
        ("1) bus stops 2) tree canopy 3) rent prices", ["bus stops", "tree canopy", "rent prices"]),
        ("(1) paradas (2) desalojos", ["paradas", "desalojos"]),
        ("a) paradas b) desalojos", ["paradas", "desalojos"]),
        ("Riverton 311 service requests, 2024-2025", ["Riverton 311 service requests, 2024-2025"]),
        ("results for ward 2. Also turnout", ["results for ward 2. Also turnout"]),
    ],
)
def test_split_requests(answer, parts):
    assert split_requests(answer) == parts


def test_match_requests_splits_each_answer_and_skips_blanks(catalog):
    answers = [
        "311 complaints by neighborhood; bus stop locations",
        None,
        "",
        float("nan"),
        "nada",
        "- resultados electorales por precinto\n- desalojos",
    ]
    matches = match_requests(answers, catalog)
    assert [(m.request, m.status, m.dataset) for m in matches] == [
        ("311 complaints by neighborhood", "published", "service_requests"),
        ("bus stop locations", "gap", None),
        ("resultados electorales por precinto", "published", "precinct_results_2025"),
        ("desalojos", "gap", None),
    ]
    assert matches[0] == match_request("311 complaints by neighborhood", catalog)


# ---- a city's catalog --------------------------------------------------------------------

DISCOVERY = {
    "results": [
        {
            "resource": {
                "name": "Approved Building Permits",
                "id": "msk6-43c6",
                "description": "Data of approved building/construction permits",
                "columns_name": ["ISSUED_DATE", "PermitNumber", "WORKTYPE"],
                "columns_description": ["", "", ""],
            },
            "classification": {
                "categories": ["housing & development"],
                "tags": [],
                "domain_tags": ["permits", "construction", "building"],
            },
            "permalink": "https://data.example.gov/d/msk6-43c6",
            "link": "https://data.example.gov/Permitting/Approved-Building-Permits/msk6-43c6",
        },
        {
            "resource": {
                "name": "311 Service Requests",
                "id": "abcd-1234",
                "description": None,
                "columns_name": ["Unique Key", "Complaint Type", "Descriptor"],
            },
            "classification": {"domain_category": "City Services"},
            "permalink": "https://data.example.gov/d/abcd-1234",
        },
    ],
    "resultSetSize": 2,
}

VIEWS = [
    {
        "id": "3k2p-39jp",
        "name": "Police 911 Incident Response",
        "description": "Police responses to 9-1-1 calls",
        "category": "Public Safety",
        "tags": ["911", "police", "crime"],
        "columns": [{"name": "Event Clearance Group", "description": ""}, {"name": "Latitude"}],
    },
    {
        "id": "gza6-uqxz",
        "name": "Private Schools",
        "description": "Private schools in the city",
        "tags": ["schools"],
        "columns": [],
    },
]


def write_json(tmp_path, data, name="catalog.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_socrata_discovery_api_export(tmp_path):
    entries = load_city_catalog(write_json(tmp_path, DISCOVERY))
    assert [(e.name, e.title) for e in entries] == [
        ("msk6-43c6", "Approved Building Permits"),
        ("abcd-1234", "311 Service Requests"),
    ]
    permits = entries[0]
    assert permits.keywords == ("housing & development", "permits", "construction", "building")
    assert permits.columns == ("ISSUED_DATE", "PermitNumber", "WORKTYPE")
    assert permits.url.endswith("/Approved-Building-Permits/msk6-43c6")
    assert entries[1].description == "" and entries[1].url == "https://data.example.gov/d/abcd-1234"
    assert entries[1].keywords == ("City Services",)
    match = match_request("permisos de construcción", entries)
    assert (match.dataset, match.title, match.terms) == (
        "msk6-43c6",
        "Approved Building Permits",
        ("permisos", "construcción"),
    )
    assert match_request("quejas al 311", entries).dataset == "abcd-1234"


def test_socrata_views_export(tmp_path):
    entries = load_city_catalog(write_json(tmp_path, VIEWS))
    assert [(e.name, e.title) for e in entries] == [
        ("3k2p-39jp", "Police 911 Incident Response"),
        ("gza6-uqxz", "Private Schools"),
    ]
    assert entries[0].keywords == ("911", "police", "crime", "Public Safety")
    assert entries[0].columns == ("Event Clearance Group", "Latitude")
    assert match_request("llamadas a la policía", entries).dataset == "3k2p-39jp"
    assert match_request("escuelas privadas", entries).dataset == "gza6-uqxz"
    single = load_city_catalog(write_json(tmp_path, VIEWS[1], "one-view.json"))  # /api/views/<id>.json
    assert [e.name for e in single] == ["gza6-uqxz"]


def test_plain_csv_catalog(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(
        "name,title,description,keywords,url\n"
        "bus-stops,Bus stops,Every stop with its routes,transit; paradas,https://example.gov/bus\n"
        "\n"
        "evictions,Eviction filings,Court filings by month,desalojos,\n",
        encoding="utf-8",
    )
    entries = load_city_catalog(path)
    assert entries[0] == CatalogEntry(
        "bus-stops", "Bus stops", "Every stop with its routes", ("transit", "paradas"), "https://example.gov/bus"
    )
    assert entries[1].url is None
    assert match_request("paradas de autobús", entries).dataset == "bus-stops"
    assert match_request("desalojos", entries).dataset == "evictions"


def test_portal_csv_headers_in_any_case(tmp_path):
    path = tmp_path / "export.csv"
    text = (
        "U ID,Name,Description,Category,URL\r\n"
        'ab12-cd34,Tree Canopy,"Tree canopy cover, by block",Environment,https://example.gov/trees\r\n'
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # Excel's BOM
    entries = load_city_catalog(path)
    assert entries == [
        CatalogEntry(
            "ab12-cd34", "Tree Canopy", "Tree canopy cover, by block", ("Environment",), "https://example.gov/trees"
        )
    ]
    assert match_request("tree canopy", entries).dataset == "ab12-cd34"


def test_ckan_style_csv_keeps_slug_and_title(tmp_path):
    path = tmp_path / "ckan.csv"
    path.write_text(
        "name,title,notes,tags\nlead-service-lines,Lead Service Lines,Pipes made of lead,water|lead\n",
        encoding="cp1252",
    )
    entry = load_city_catalog(path)[0]
    assert (entry.name, entry.title, entry.description, entry.keywords) == (
        "lead-service-lines",
        "Lead Service Lines",
        "Pipes made of lead",
        ("water", "lead"),
    )
    assert match_request("lead pipes", [entry]).status == "published"


def test_windows_1252_csv(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_bytes("name,description\nPoblación,Censo\n".encode("cp1252"))
    assert load_city_catalog(path)[0].title == "Población"


UTF16 = {
    "little-endian": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "big-endian": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
}


@pytest.mark.parametrize("encode", UTF16.values(), ids=UTF16.keys())
def test_a_catalog_saved_as_utf16_loads(tmp_path, encode):
    """Excel's "Unicode text" and some Windows tools save UTF-16 with a byte-order mark."""
    csv_path = tmp_path / "catalog.csv"
    csv_path.write_bytes(encode("name,title,description\r\npoblacion,Población,Censo por barrio\r\n"))
    assert [(e.name, e.title, e.description) for e in load_city_catalog(csv_path)] == [
        ("poblacion", "Población", "Censo por barrio")
    ]
    json_path = tmp_path / "catalog.json"
    json_path.write_bytes(encode(json.dumps(DISCOVERY, ensure_ascii=False)))
    assert load_city_catalog(json_path) == load_city_catalog(write_json(tmp_path, DISCOVERY, "utf8.json"))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file"),
        (b"donation_id,amount\nD1,5\n", "expected a catalog CSV with a name or title column"),
        (b'{"results": [', "not valid JSON"),
        (b'{"type": "FeatureCollection", "features": []}', "not a Socrata catalog"),
        (
            b'{"code": "not_found", "error": true, "message": "Cannot find view with id missing"}',
            "Socrata error response, not a catalog: Cannot find view",
        ),
        (b'[{":id": "row-1", "temp": "12"}]', "not a dataset view"),
        (b'{"results": [{"classification": {}}]}', "has no 'resource'"),
        (b'{"results": []}', "lists no datasets"),
        (b"[]", "lists no datasets"),
        (b"PK\x03\x04\x00\x00binary", "not a text file"),
        (b"name,title,description\nx,,\n,,\n , ,something\n", "line 4 has no name or title"),
    ],
)
def test_a_file_that_is_not_a_catalog(tmp_path, content, expected):
    path = tmp_path / "catalog.json"
    path.write_bytes(content)
    with pytest.raises(CatalogError) as err:
        load_city_catalog(path)
    message = str(err.value)
    assert isinstance(err.value, KitError)
    assert expected in message and str(path) in message and "\n" not in message


def test_an_unreadable_catalog(tmp_path):
    with pytest.raises(CatalogError, match="cannot be read") as err:
        load_city_catalog(tmp_path / "missing.json")
    assert "\n" not in str(err.value)
    with pytest.raises(CatalogError, match="cannot be read"):
        load_city_catalog(tmp_path)  # a folder


# ---- the real Boston export (Socrata Discovery API, 7 datasets) --------------------------


@pytest.fixture(scope="module")
def boston() -> list[CatalogEntry]:
    if not SHARED.is_dir():
        pytest.skip(f"the shared fixtures folder {SHARED} is absent (it sits beside the repository)")
    if not BOSTON.is_file():
        pytest.skip(f"the real Boston catalog export is not in the shared fixtures ({BOSTON})")
    return load_city_catalog(BOSTON)


def test_boston_export_loads(boston):
    assert len(boston) == 7
    assert boston[0].name == "msk6-43c6" and boston[0].title == "Approved Building Permits"
    assert boston[0].url == "https://data.cityofboston.gov/Permitting/Approved-Building-Permits/msk6-43c6"


@pytest.mark.parametrize(
    ("request_text", "terms"),
    [
        ("building permits", ("building", "permits")),
        ("permisos de construcción", ("permisos", "construcción")),
    ],
)
def test_boston_building_permits(boston, request_text, terms):
    match = match_request(request_text, boston)
    assert (match.status, match.title, match.terms) == ("published", "Approved Building Permits", terms)


def test_boston_gaps(boston):
    assert [m.status for m in match_requests(["bus stops; quejas al 311; resultados electorales"], boston)] == [
        "gap",
        "gap",
        "gap",
    ]


def test_an_analysis_indexes_the_catalog_once_however_many_learners_ask(catalog, monkeypatch):
    import pandas as pd

    from kit.feedback.cohort import CohortInputs, analyse
    from kit.feedback.read import SurveyResponses

    indexed = []
    index = requests._index
    monkeypatch.setattr(requests, "_index", lambda entry: indexed.append(entry.name) or index(entry))
    answers = ["311 requests by neighborhood; bus stops", "Población por barrio", None, "Permisos"] * 50
    responses = pd.DataFrame({"learner_id": [f"L{i:03d}" for i in range(len(answers))], "dataset_requests": answers})
    inputs = CohortInputs(
        cohort="c",
        city="Riverton",
        modules=[],
        skills=[],
        languages=["en"],
        post=[SurveyResponses(responses, "csv", "utf-8")],
        catalog=catalog,
    )
    analysis = analyse(inputs)
    assert len(analysis.requests) == 50 * 4
    assert sorted(indexed) == sorted(e.name for e in catalog)  # once per entry, not once per learner


def test_a_matcher_matches_as_the_one_request_functions_do(catalog):
    matcher = requests.RequestMatcher(catalog)
    answers = ["311 complaints; tree canopy by block", "Quejas al 311 por barrio\n- N/A", None, "permits"]
    assert matcher.match_answers(answers) == match_requests(answers, catalog)
    assert [matcher.match(r) for r in ("bus stops", "votes")] == [
        match_request(r, catalog) for r in ("bus stops", "votes")
    ]
