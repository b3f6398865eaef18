"""`kit course adapt`: modules 2 and 3 adapted to two cities that are not Riverton, run top to bottom, with
their figures checked against plain pandas on the raw files."""

from __future__ import annotations

import json
import re

import geopandas
import nbformat
import pandas as pd
import pytest
from conftest import CHICAGO_AREAS, CHICAGO_PRECINCTS, CHICAGO_REQUESTS, CHICAGO_RESULTS
from module2_expected import check_module2, expected_module2

from kit.course.adapt import adapt_course
from kit.errors import CourseError

pytestmark = pytest.mark.notebooks

RIVERTON = [
    "Riverton",
    "RTU",
    "WESTBROOK",
    "Westbrook",
    "Harbor Flats",
    "Old Mill",
    "Downtown",
    "Eastport",
    "Ironworks",
    "Southfield",
    "Fairview",
    "Cedar Heights",
    "4,695",
    "604",
    "578",
    "10,370",
    "21,650",
    "QUINTERO",
    "Quintero",
    "KAVANAGH",
    "Kavanagh",
    "38.0%",
]


def _texts(result):
    return {key: path.read_text(encoding="utf-8") for key, path in result.notebooks.items()}


def _output(notebook, source_start: str) -> str:
    """The text output of the first code cell whose source starts with ``source_start``."""
    cell = next(c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(source_start))
    return "\n".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def _located(points: pd.DataFrame, areas: geopandas.GeoDataFrame, name: str) -> pd.Series:
    """Plain geopandas: the area name of each point (NaN outside every area or without coordinates)."""
    has = points["lat"].notna() & points["lon"].notna()
    gdf = geopandas.GeoDataFrame(
        points[has], geometry=geopandas.points_from_xy(points.loc[has, "lon"], points.loc[has, "lat"]), crs=4326
    )
    joined = geopandas.sjoin(gdf, areas[[name, "geometry"]].to_crs(4326), predicate="within", how="left")
    joined = joined[~joined.index.duplicated()]
    return joined[name].reindex(points.index)


def _check_against_raw(result, expected):
    """Prose and executed outputs state the numbers plain pandas found."""
    en = result.notebooks["03-issue-campaigns/en"].read_text(encoding="utf-8")
    facts = result.facts["03-issue-campaigns/en"]["facts"]
    assert facts["requests"] == expected["requests"]
    assert f"{expected['requests']:,} requests and" in en
    assert facts["no_coordinates"] == expected["no_coordinates"]
    assert facts["open_requests"] == expected["open_requests"]
    assert facts["top_count"][0].upper() == expected["top_count"].upper()
    assert facts["slowest"][0]["name"].upper() == expected["slowest"].upper()
    assert facts["slowest"][0]["median"] == pytest.approx(expected["slowest_median"], abs=1e-6)
    executed = result.executed["03-issue-campaigns/en"]
    assert _output(executed, "requests = kit.load_dataset").strip().startswith(f"({expected['requests']},")
    counts = _output(executed, "counts = count_by_area")
    assert expected["top_count"].upper() in counts.splitlines()[1].upper()  # sorted by requests: the top first
    assert any("image/png" in o.get("data", {}) for c in executed.cells if c.cell_type == "code" for o in c.outputs)


def _no_riverton_left(result):
    for key, text in _texts(result).items():
        left = [word for word in RIVERTON if re.search(rf"(?<![\d,.]){re.escape(word)}(?![\d,])", text)]
        assert not left, f"{key} still states Riverton facts: {left}"


def test_modules_2_and_3_adapt_to_the_awkward_city_and_run(awkward_city_profile, tmp_path):
    folder = awkward_city_profile.parent
    result = adapt_course(awkward_city_profile, tmp_path / "course")
    modules = {"03-issue-campaigns/en", "03-issue-campaigns/es"}
    elections = {"02-electoral-cycle/en", "02-electoral-cycle/es"}
    assert set(result.executed) == modules | elections | {f"exercise {key}" for key in modules}  # solutions in
    raw = pd.read_csv(folder / "solicitudes.csv", dtype=str, keep_default_na=False)
    created = pd.to_datetime(raw["fecha_creacion"], format="%d/%m/%Y %H:%M")
    closed = pd.to_datetime(raw["fecha_cierre"].replace("01/01/1900 00:00", ""), format="%d/%m/%Y %H:%M")
    closed = closed.where(~raw["fecha_cierre"].str.startswith("01/01/1900"))
    days = (closed - created).dt.total_seconds() / 86400
    points = pd.DataFrame({"lat": pd.to_numeric(raw["latitud"]), "lon": pd.to_numeric(raw["longitud"])})
    areas = geopandas.read_file(folder / "distritos.geojson")
    areas = areas[~areas["nombre_distrito"].isin(["Parque Central", "Aeropuerto"])]
    area = _located(points, areas, "nombre_distrito")
    medians = days[days >= 0].groupby(area).median().sort_values()
    expected = {
        "requests": len(raw),
        "no_coordinates": int(points["lat"].isna().sum()),
        "open_requests": int(closed.isna().sum() + (days < 0).sum()),
        "top_count": area.value_counts().index[0],
        "slowest": medians.index[-1],
        "slowest_median": medians.iloc[-1],
    }
    _check_against_raw(result, expected)
    _no_riverton_left(result)
    texts = _texts(result)
    assert "does not mark duplicate reports, so this step is skipped" in texts["03-issue-campaigns/en"]
    assert "no marca los reportes duplicados, así que" in texts["03-issue-campaigns/es"]
    assert "DUPLICATE_COLUMN = None" in texts["03-issue-campaigns/en"]
    report = (tmp_path / "course" / "adapt-report.md").read_text(encoding="utf-8")
    assert "duplicate reports: the export marks none" in report
    results = pd.read_csv(folder / "resultados_2024.csv", dtype=str, keep_default_na=False)
    results = results[results["Sección"] != ""]  # the TOTAL line
    names = {"Distrito": "WARD", "Sección": "PRECINCT", "Lista nominal": "REGISTERED", "Votos emitidos": "BALLOTS"}
    numbers = results.rename(columns=names).apply(lambda c: pd.to_numeric(c.str.replace(",", ""), errors="coerce"))
    shapes = geopandas.read_file(folder / "secciones.geojson")
    shapes = shapes.assign(ward=shapes["distrito_electoral"].astype(int), precinct=shapes["seccion"].astype(int))
    expected = expected_module2(numbers, shapes)
    assert expected["no_shape_count"] == 1 and expected["winner"] == "JOSÉ MARÍA ÁLVAREZ"  # the generated city's traps
    check_module2(result, expected, ["en", "es"])
    module2 = nbformat.read(result.notebooks["02-electoral-cycle/en"], as_version=4)
    prose = " ".join(" ".join(c.source.split()) for c in module2.cells if c.cell_type == "markdown")
    assert "one precinct of the results has no shape in the map file (02099)" in prose


def test_modules_2_and_3_adapt_to_chicago_and_run(chicago_profile, tmp_path):
    result = adapt_course(chicago_profile, tmp_path / "course", languages=["en"])
    raw = pd.read_csv(CHICAGO_REQUESTS, dtype=str, keep_default_na=False)
    dup = raw["Status"].str.endswith("- Dup")
    originals = raw[~dup].drop_duplicates()  # three records are exported twice
    created = pd.to_datetime(originals["Creation_Date"])
    closed = pd.to_datetime(originals["Completion_Date"].replace("", None))
    days = (closed - created).dt.total_seconds() / 86400
    points = pd.DataFrame({"lat": pd.to_numeric(originals["Latitude"]), "lon": pd.to_numeric(originals["Longitude"])})
    area = _located(points, geopandas.read_file(CHICAGO_AREAS), "community")
    medians = days[days >= 0].groupby(area).median().sort_values()
    expected = {
        "requests": len(raw),
        "no_coordinates": int(points["lat"].isna().sum()),
        "open_requests": int(closed.isna().sum()),
        "top_count": area.value_counts().index[0],
        "slowest": medians.index[-1],
        "slowest_median": medians.iloc[-1],
    }
    _check_against_raw(result, expected)
    _no_riverton_left(result)
    assert result.facts["03-issue-campaigns/en"]["facts"]["duplicates"] == int(dup.sum())
    facts = result.facts["03-issue-campaigns/en"]["facts"]
    assert "has_population" in facts and not facts["has_population"]
    assert "names no population table, so this step" in result.notebooks["03-issue-campaigns/en"].read_text()
    assert "the profile names no population" in (tmp_path / "course" / "adapt-report.md").read_text()
    results = pd.read_csv(CHICAGO_RESULTS)
    shapes = geopandas.read_file(CHICAGO_PRECINCTS)
    numbers = results.rename(columns={"REGISTERED VOTERS": "REGISTERED", "BALLOTS CAST": "BALLOTS"})
    expected = expected_module2(numbers, shapes)
    # the figures the data's own README gives for the mayoral race (datamade's export)
    assert (expected["winner"], expected["winner_votes"]) == ("PAUL VALLAS", 185_743)
    check_module2(result, expected, ["en"])
    en = result.notebooks["02-electoral-cycle/en"].read_text(encoding="utf-8")
    assert 'results[\\"JESUS \\"CHUY\\" GARCIA\\"].sum()' in en  # the failing-on-purpose cell, as JSON writes it


def test_adapt_refuses_a_folder_that_is_not_a_previous_adaptation(tmp_path):
    (tmp_path / "mine.txt").write_text("a user's file")
    with pytest.raises(CourseError, match="not empty and is not a previous adaptation"):
        adapt_course(tmp_path / "nowhere.yaml", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_an_adapted_catalog_is_valid_and_matches_its_files(awkward_city_profile, tmp_path):
    from kit.data.catalog import load_catalog

    adapt_course(awkward_city_profile, tmp_path / "course", languages=["en"], execute=False)
    catalog = load_catalog(tmp_path / "course" / "datasets")
    assert {c.name for c in catalog.datasets} == {
        "service_requests",
        "neighborhoods",
        "neighborhood_population",
        "precinct_results",
        "precincts",
    }
    spanish = json.loads(
        json.dumps(__import__("yaml").safe_load((tmp_path / "course/datasets/catalog.es.yaml").read_text()))
    )
    assert set(spanish["datasets"]) == {c.name for c in catalog.datasets}


def test_a_failing_cell_stops_adapt_naming_the_notebook_and_the_cell(tmp_path):
    from kit.course.adapt import _execute

    (tmp_path / "modules").mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")])
    with pytest.raises(CourseError, match=r"modules/03.ipynb: cell 1 failed: ZeroDivisionError"):
        _execute(notebook, tmp_path, "modules/03.ipynb")
