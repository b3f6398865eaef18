"""City profiles: every mistake at once, each with its line and field; the starter; Riverton's profile."""

from __future__ import annotations

import pytest
from helpers import REPO

from kit.course import CityProfile, load_profile, write_city_starter
from kit.course.profile import check_profile
from kit.course.schema import REQUEST_COLUMNS
from kit.errors import SpecError

BROKEN = """\
slug: Villa Rota
name: {en: Villa Rota}
colour: blue
service_requests:
  source: {file: a.csv, domain: data.example.gov, dataset: abcd-1234}
  columns:
    fecha: fecha_creacion
    created_date: fecha_creacion
  dates: {format: "%d/%m/%Y", dayfirst: true}
  closed_sentinels: [not a date]
  duplicates: {column: estado, pattern: "dup("}
areas:
  source: {domain: data.example.gov}
  columns: {area_name: nombre}
population:
  source: {file: p.csv}
  columns: {area_id: distrito}
  key: __import__('os').system('true')
teaching:
  focus_types: [Bache]
  period: {start: 2025-01-01, end: 2024-01-01}
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        check_profile(text, "broken.yaml")
    return caught.value.problems


def test_a_broken_profile_lists_every_mistake_with_its_line_and_field():
    problems = _problems(BROKEN)
    expected = [
        ("broken.yaml:1: slug:", "should match pattern"),
        ("broken.yaml:2: name:", "name has no es"),
        ("broken.yaml:3: colour:", "unknown field 'colour'; fields here: slug, languages, name"),
        ("broken.yaml:5: service_requests.source:", "give either file, or domain and dataset, not both"),
        ("broken.yaml:7: service_requests.columns.fecha:", "'fecha' is not a standard column name"),
        ("broken.yaml:9: service_requests.dates:", "give format or dayfirst, not both"),
        ("broken.yaml:10: service_requests.closed_sentinels[0]:", "date"),
        ("broken.yaml:11: service_requests.duplicates.pattern:", "'dup(' is not a regular expression"),
        ("broken.yaml:13: areas.source:", "a portal source needs both domain and dataset"),
        ("broken.yaml:12: areas:", "give the area id as columns.area_id or as key"),
        ("broken.yaml:18: population.key:", "not a call"),
        ("broken.yaml:21: teaching.period:", "the period ends (2024-01-01) before it starts (2025-01-01)"),
    ]
    for start, words in expected:
        assert any(p.startswith(start) and words in p for p in problems), (start, words, problems)
    assert len(problems) >= len(expected)


def test_an_unknown_standard_name_is_refused_with_the_list_of_standard_names():
    problems = _problems(BROKEN)
    (line,) = [p for p in problems if "'fecha'" in p]
    assert "created_date" in line and "closed_date" in line and "complaint_type" in line
    assert all(name in line for name in REQUEST_COLUMNS)


def test_population_needs_its_figures_and_one_way_to_its_area_id():
    problems = _problems(BROKEN)
    assert any(p.startswith("broken.yaml:15: population:") and "columns.area_id or as key" in p for p in problems)
    assert any("columns.population is required" in p for p in problems)


def test_a_profile_that_is_not_yaml_names_the_line():
    with pytest.raises(SpecError) as caught:
        check_profile("slug: x\nname: {en: X\n", "bad.yaml")
    assert caught.value.problems[0].startswith("bad.yaml:3: not valid YAML")


def test_the_path_is_not_a_field_of_the_file(tmp_path):
    text = (REPO / "cities" / "riverton.yaml").read_text() + "path: /etc\n"
    problems = _problems(text)
    assert any("unknown field 'path'" in p for p in problems)


def test_riverton_profile_loads_and_resolves_its_sources_against_its_folder():
    profile = load_profile(REPO / "cities" / "riverton.yaml")
    assert isinstance(profile, CityProfile)
    assert profile.path == (REPO / "cities" / "riverton.yaml").resolve()
    assert profile.resolve(profile.service_requests.source.file).resolve() == REPO / "datasets" / "service_requests.csv"
    assert profile.name == {"en": "Riverton", "es": "Riverton"}
    assert profile.teaching.focus_types == ["HEAT/HOT WATER"]


def test_an_absolute_source_is_read_as_written(tmp_path):
    profile = check_profile("slug: x\nname: {en: X, es: X}\nareas:\n  source: {file: /data/a.geojson}\n"
                            "  columns: {area_id: id}\n", "x.yaml", tmp_path / "x.yaml")  # fmt: skip
    assert str(profile.resolve(profile.areas.source.file)) == "/data/a.geojson"


def test_the_repo_holds_no_absolute_source_path():
    for path in (REPO / "cities").glob("*.yaml"):
        profile = load_profile(path)
        for role in (profile.service_requests, profile.areas, profile.population):
            if role is not None and role.source.file:
                assert not role.source.file.startswith("/"), path


def test_the_starter_is_a_valid_profile_and_is_never_written_over(tmp_path):
    path = write_city_starter(tmp_path / "cities" / "mine.yaml")
    profile = load_profile(path)
    assert profile.slug == "yourcity"
    assert path.read_text().startswith("# A city profile")
    path.write_text("mine")
    with pytest.raises(SpecError, match="already exists"):
        write_city_starter(path)
    assert path.read_text() == "mine"
    write_city_starter(path, force=True)
    assert "service_requests:" in path.read_text()


def test_a_missing_profile_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="cannot be read"):
        load_profile(tmp_path / "none.yaml")


def test_the_standard_columns_are_the_sample_citys(tmp_path):
    from kit.data.catalog import load_catalog

    card = load_catalog(REPO / "datasets").card("service_requests")
    kinds = {"point": "text"}
    assert {c.name: kinds.get(c.type, c.type) for c in card.columns} == {
        k: v for k, v in REQUEST_COLUMNS.items() if k != "area"
    }


def test_a_role_without_its_source_is_a_mistake_named_on_its_line():
    from kit.course.profile import check_profile

    text = "slug: ok\nname: {en: A, es: A}\nservice_requests:\n  columns: {created_date: fecha}\n"
    with pytest.raises(SpecError) as caught:
        check_profile(text + "teaching: {focus_types: [x]}\n", "city.yaml")
    assert caught.value.problems == ["city.yaml:3: service_requests.source: Field required"]
