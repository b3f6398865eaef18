"""A city's election roles: the profile's results and precincts, their loaders and module 2's facts,
checked against plain pandas on the awkward city, Chicago's real 2023 results and Riverton's bundled module."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import CHICAGO_RESULTS
from helpers import REPO

from kit.course import load_city
from kit.course.adapt import adapt_course
from kit.course.election_facts import module2_facts
from kit.course.load import ProfileDataError
from kit.course.profile import check_profile
from kit.errors import CourseError, SpecError

BROKEN = """\
slug: broken
name: {en: B, es: B}
results:
  source: {file: r.csv}
  columns: {ward: W, precinct: P, voters: R}
  election: {date: 2024-13-01, name: {en: x}}
precincts:
  source: {file: p.geojson, dataset: abcd-1234}
  columns: {ward: w}
teaching:
  focus_ward: -1
"""


def test_a_broken_election_profile_lists_every_mistake():
    with pytest.raises(SpecError) as caught:
        check_profile(BROKEN, "broken.yaml")
    problems = caught.value.problems
    expected = [
        ("broken.yaml:5: results.columns.voters:", "'voters' is not a standard column name"),
        ("broken.yaml:6: results.election.date:", "date"),
        ("broken.yaml:8: precincts.source:", "give either file, or domain and dataset, not both"),
        ("broken.yaml:7: precincts:", "columns needs precinct"),
        ("broken.yaml:11: teaching.focus_ward:", "greater than or equal to 0"),
    ]
    for start, words in expected:
        assert any(p.startswith(start) and words in p for p in problems), (start, words, problems)


@pytest.fixture(scope="module")
def awkward(awkward_city_profile):
    return load_city(awkward_city_profile)


def test_the_awkward_results_load_as_the_sample_citys(awkward, awkward_city_profile):
    raw = pd.read_csv(awkward_city_profile.parent / "resultados_2024.csv", dtype=str, keep_default_na=False)
    results = awkward.results
    assert list(results.columns[:4]) == ["WARD", "PRECINCT", "REGISTERED VOTERS", "BALLOTS CAST"]
    assert all(str(results[c].dtype) == "Int64" for c in results.columns)
    assert len(results) == len(raw) - 1  # the TOTAL line is left out, and said so
    (total,) = [n for n in awkward.notes if n.what == "precincts_without_id"]
    assert total.role == "results" and total.example == str(len(raw) + 1)  # the file's row, header = row 1
    numbers = pd.to_numeric(raw["Lista nominal"].str.replace(",", "", regex=False), errors="coerce")
    assert results["REGISTERED VOTERS"].sum() == numbers.sum()  # "2,897" read as 2897
    assert (
        results['ANA "LA MAESTRA" RUIZ'].sum() == pd.to_numeric(raw['ANA "LA MAESTRA" RUIZ'].str.replace(",", "")).sum()
    )
    assert results["LUCÍA PEÑA"].isna().sum() == (raw["LUCÍA PEÑA"] == "").sum() - 1  # not on the ballot: missing
    (over,) = [n for n in awkward.notes if n.what == "more_ballots_than_registered"]
    assert over.count == 1 and "ward 2 precinct 99" in over.example


def test_the_awkward_precincts_get_the_results_key(awkward):
    shapes = awkward.precincts
    assert list(shapes.columns[:3]) == ["ward", "precinct", "ward_prec"]
    assert shapes.crs.to_epsg() == 4326 and len(shapes) == 12
    assert "01001" in set(shapes["ward_prec"]) and "tipo" in shapes.columns  # "0001" is precinct 1; other columns kept


def test_module2_facts_match_plain_pandas_on_the_awkward_city(awkward, awkward_city_profile):
    raw = pd.read_csv(awkward_city_profile.parent / "resultados_2024.csv", dtype=str, keep_default_na=False)
    raw = raw[raw["Sección"] != ""]
    ballots = pd.to_numeric(raw["Votos emitidos"].str.replace(",", "")).sum()
    registered = pd.to_numeric(raw["Lista nominal"].str.replace(",", "")).sum()
    found = module2_facts(awkward, "es")
    assert found["facts"]["citywide"] == pytest.approx(ballots / registered)
    assert found["params"]["election"] == "elección municipal"
    assert found["params"]["focus_ward"] == 1  # ward 2 has one candidate: the lowest turnout with a contest
    assert found["facts"]["quoted"]["name"] == 'ANA "LA MAESTRA" RUIZ'
    assert found["facts"]["no_shape"] == ["02099"]


def test_a_results_column_that_is_not_there_names_the_field(awkward_city_profile, tmp_path):
    for path in awkward_city_profile.parent.iterdir():
        shutil.copy(path, tmp_path)
    profile = tmp_path / awkward_city_profile.name
    profile.write_text(profile.read_text().replace("ballots: Votos emitidos", "ballots: Votos"))
    with pytest.raises(ProfileDataError, match="no column 'Votos' in resultados_2024.csv") as caught:
        load_city(profile)
    assert caught.value.field == "results.columns.ballots"


def test_a_text_column_among_the_candidates_says_to_list_them(awkward_city_profile, tmp_path):
    for path in awkward_city_profile.parent.iterdir():
        shutil.copy(path, tmp_path)
    raw = pd.read_csv(tmp_path / "resultados_2024.csv", dtype=str, keep_default_na=False)
    raw.insert(4, "Fecha de corte", "02/06/2024")
    raw.to_csv(tmp_path / "resultados_2024.csv", index=False)
    with pytest.raises(ProfileDataError, match="'Fecha de corte' holds '02/06/2024', not a number") as caught:
        load_city(tmp_path / awkward_city_profile.name)
    assert caught.value.field == "results.candidates"


def test_riverton_module2_facts_are_the_bundled_modules():
    """The city edition rendered for the sample city states what the bundled module 2 states."""
    facts = module2_facts(load_city(REPO / "cities" / "riverton.yaml"))
    f = facts["facts"]
    assert round(f["citywide"], 3) == 0.380 and f["highest_ward"]["ward"] == 5 and round(f["focus_turnout"], 2) == 0.23
    assert (f["ward_race"]["winner"], f["ward_race"]["margin"]) == ("Rosa Quintero", 35)
    assert f["ward_race"]["closest"] == {"ward_prec": "02007", "margin": 1}
    assert f["quoted"]["name"] == 'MARIA "MAYA" SOTO'


def test_chicago_results_load_with_every_candidate(chicago_profile):
    city = load_city(chicago_profile)
    raw = pd.read_csv(CHICAGO_RESULTS)
    assert city.results.shape == raw.shape == (1291, 208)
    assert city.results["PAUL VALLAS"].sum() == raw["PAUL VALLAS"].sum() == 185_743
    assert city.results['JESUS "CHUY" GARCIA'].sum() == 77_222
    assert len(city.precincts) == 1291 and city.precincts["ward_prec"].is_unique


def test_adapt_says_why_modules_1_and_4_are_not_adapted(awkward_city_profile, tmp_path):
    with pytest.raises(CourseError, match="organization's own records"):
        adapt_course(awkward_city_profile, tmp_path / "a", modules=["01-intro-movement-data"])
    result = adapt_course(awkward_city_profile, tmp_path / "b", languages=["en"], execute=False)
    assert set(result.skipped) == {"01-intro-movement-data", "04-ladder-of-engagement", "05-open-data"}
    report = (tmp_path / "b" / "adapt-report.md").read_text(encoding="utf-8")
    assert "## Modules not adapted" in report and "01-intro-movement-data: it teaches with" in report


def test_a_profile_with_only_election_roles_adapts_module_2_only(awkward_city_profile, tmp_path):
    for path in awkward_city_profile.parent.iterdir():
        shutil.copy(path, tmp_path)
    text = (tmp_path / awkward_city_profile.name).read_text()
    start, end = text.index("service_requests:"), text.index("results:")
    (tmp_path / "elections.yaml").write_text(text[:start] + text[end:])
    result = adapt_course(tmp_path / "elections.yaml", tmp_path / "course", execute=False)
    assert set(result.notebooks) == {"02-electoral-cycle/en", "02-electoral-cycle/es"} and not result.exercises
    assert "the profile has no service_requests and areas" in result.skipped["03-issue-campaigns"]
    with pytest.raises(CourseError, match="module 03-issue-campaigns needs the roles service_requests and areas"):
        adapt_course(tmp_path / "elections.yaml", tmp_path / "other", modules=["03-issue-campaigns"])


def test_check_reports_the_election_roles_and_blocks_an_unknown_focus_ward(awkward_city_profile, tmp_path):
    from kit.course.check import check_city

    found = check_city(awkward_city_profile)
    assert found.ok
    keys = {f.key: f for f in found.findings["precincts"]}
    assert keys["precinct_join"].params == {"share": "92.3%", "n": 12, "total": 13}
    assert keys["no_shape"].params["keys"] == "02099" and keys["no_shape"].level == "warning"
    notes = [f.text() for f in found.findings["results"] if f.key == "load_note"]
    assert any("left out, such as row 15" in n for n in notes) and any("more ballots" in n for n in notes)
    assert "distritos con una contienda disputada" in found.to_markdown("es")
    for path in awkward_city_profile.parent.iterdir():
        shutil.copy(path, tmp_path)
    profile = tmp_path / awkward_city_profile.name
    profile.write_text(profile.read_text().replace("teaching:\n", "teaching:\n  focus_ward: 7\n"))
    blocked = check_city(profile)
    assert [(p.field, p.key) for p in blocked.problems] == [("teaching.focus_ward", "unknown_ward")]
    assert "the results have no ward 7; wards: 1, 2, 3" in blocked.problems[0].text()


def test_the_cli_adapts_one_module_and_says_what_it_did_not_adapt(awkward_city_profile, tmp_path):
    from typer.testing import CliRunner

    from kit.cli import app

    out = tmp_path / "course"
    args = ["course", "adapt", "--city", str(awkward_city_profile), "-o", str(out), "--module", "02-electoral-cycle"]
    result = CliRunner().invoke(app, [*args, "--lang", "en", "--no-execute"])
    assert result.exit_code == 0, result.output
    assert (out / "modules" / "02-electoral-cycle.ipynb").is_file()
    assert not (out / "modules" / "03-issue-campaigns.ipynb").exists()
    assert "not adapted 01-intro-movement-data: it teaches with an organization's own records" in " ".join(
        result.output.split()
    )
