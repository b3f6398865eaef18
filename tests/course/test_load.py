"""load_city: each loader rule on the awkward city, checked against plain pandas; Chicago; Riverton."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import yaml
from helpers import REPO

import kit
from kit.course import CityData, load_city, load_profile
from kit.course.load import ProfileDataError
from kit.errors import CourseError

DAYFIRST = "%d/%m/%Y %H:%M"


@pytest.fixture(scope="module")
def awkward(awkward_city_profile) -> CityData:
    return load_city(awkward_city_profile)


@pytest.fixture(scope="module")
def raw(awkward_city_profile) -> pd.DataFrame:
    """The awkward city's requests as written, read independently of the kit."""
    return pd.read_csv(awkward_city_profile.parent / "solicitudes.csv", dtype=str, keep_default_na=False)


def _note(city: CityData, what: str):
    (note,) = [n for n in city.notes if n.what == what]
    return note


def _copy_city(awkward_city_profile, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    for path in awkward_city_profile.parent.iterdir():
        shutil.copy(path, tmp_path)
    return tmp_path / awkward_city_profile.name


def _edit(profile, old: str, new: str):
    text = profile.read_text()
    assert old in text
    profile.write_text(text.replace(old, new))
    return profile


# --- the bundled sample city ---------------------------------------------------------------------------


def test_riverton_loads_as_the_bundled_datasets_do():
    city = load_city(REPO / "cities" / "riverton.yaml")
    requests = city.service_requests
    pd.testing.assert_frame_equal(requests.drop(columns=["is_duplicate", "area"]), kit.load_dataset("service_requests"))
    pd.testing.assert_frame_equal(city.areas, kit.load_dataset("neighborhoods"))
    pd.testing.assert_frame_equal(city.population, kit.load_dataset("neighborhood_population"))
    sample = kit.load_dataset("service_requests")
    flagged = sample["resolution_description"].str.contains("is a duplicate of", na=False)
    assert requests["is_duplicate"].tolist() == flagged.tolist()
    assert requests["area"].tolist() == sample["community_board"].str.split().str[0].str.lstrip("0").tolist()


# --- the awkward city: each rule against plain pandas ----------------------------------------------------


def test_columns_are_renamed_to_the_standard_names_and_others_kept(awkward, raw):
    requests = awkward.service_requests
    for name in ("unique_key", "created_date", "closed_date", "complaint_type", "status", "latitude", "longitude"):
        assert name in requests.columns
    assert "distrito" in requests.columns and "fecha_creacion" not in requests.columns
    assert requests["unique_key"].tolist() == raw["folio"].tolist()
    assert len(requests) == len(raw)


def test_day_first_dates_are_read_day_first(awkward, raw):
    expected = pd.to_datetime(raw["fecha_creacion"], format=DAYFIRST)
    assert (awkward.service_requests["created_date"] == expected).all()
    ambiguous = raw["fecha_creacion"].str.slice(0, 2).astype(int) <= 12
    assert ambiguous.any() and (~ambiguous).any()  # the data holds both kinds, and both are read day first
    first = raw.index[ambiguous][0]
    day, month = int(raw.loc[first, "fecha_creacion"][:2]), int(raw.loc[first, "fecha_creacion"][3:5])
    when = awkward.service_requests.loc[first, "created_date"]
    assert (when.day, when.month) == (day, month)


def test_sentinel_closed_dates_are_open_and_counted(awkward, raw):
    sentinel = raw["fecha_cierre"].str.startswith("01/01/1900")
    assert sentinel.sum() > 0
    assert set(raw.loc[sentinel, "estado"]) == {"Asignado"}
    assert _note(awkward, "sentinel_closed").count == sentinel.sum()
    assert awkward.service_requests.loc[sentinel, "closed_date"].isna().all()


def test_closed_before_created_is_missing_and_counted(awkward, raw):
    created = pd.to_datetime(raw["fecha_creacion"], format=DAYFIRST)
    closed = pd.to_datetime(raw["fecha_cierre"].replace("", None), format=DAYFIRST)
    closed = closed.mask(closed.dt.year == 1900)
    negative = closed < created
    assert negative.sum() > 0
    assert _note(awkward, "negative_duration").count == negative.sum()
    loaded = awkward.service_requests["closed_date"]
    assert loaded[negative].isna().all()
    kept = closed.notna() & ~negative
    assert (loaded[kept] == closed[kept]).all()
    assert _note(awkward, "zero_day_closures").count == (closed[kept] == created[kept]).sum()
    days = (loaded - awkward.service_requests["created_date"]).dt.total_seconds()
    assert (days.dropna() >= 0).all()


def test_empty_text_is_missing_not_invisible(awkward, raw):
    empty = raw["latitud"] == ""
    assert empty.sum() > 0
    requests = awkward.service_requests
    assert requests["latitude"].isna().sum() == empty.sum()
    assert requests["latitude"].dtype == "float64"
    assert _note(awkward, "no_coordinates").count == (empty | (raw["longitud"] == "")).sum()
    assert requests["unique_key"].isna().sum() == 0


def test_no_duplicate_markers_means_no_duplicate_column(awkward):
    assert "is_duplicate" not in awkward.service_requests.columns
    assert not [n for n in awkward.notes if n.what == "duplicates"]


def test_the_area_code_names_the_area(awkward, raw):
    assert awkward.service_requests["area"].tolist() == raw["distrito"].str.slice(0, 3).tolist()


def test_composite_area_keys_and_the_label(awkward, awkward_city_profile):
    features = json.loads((awkward_city_profile.parent / "distritos.geojson").read_text())["features"]
    expected = {
        str(int(f["properties"]["cve_mun"]) * 100 + int(f["properties"]["num_distrito"])): f["properties"][
            "nombre_distrito"
        ]
        for f in features
    }
    areas = awkward.areas
    assert dict(zip(areas["area_numbe"], areas["community"], strict=True)) == {
        k: v for k, v in expected.items() if k not in ("250", "380")
    }
    assert areas.crs.to_epsg() == 4326
    population = awkward.population
    people = pd.read_csv(awkward_city_profile.parent / "poblacion.csv", dtype=str)
    keys = (people["municipio"].astype(int) * 100 + people["distrito"].astype(int)).astype(str)
    assert population["community_area"].tolist() == keys.tolist()
    assert population["population"].tolist() == people["habitantes"].str.replace(",", "").astype(int).tolist()
    assert str(population["population"].dtype) == "Int64" and set(population["year"]) == {2023}
    assert set(population["community_area"]) == set(areas["area_numbe"])  # every area left has residents


def test_excluded_areas_are_left_out_and_noted(awkward):
    assert not awkward.areas["community"].isin(["Parque Central", "Aeropuerto"]).any()
    note = _note(awkward, "excluded_areas")
    assert note.count == 2 and note.example == "Parque Central, Aeropuerto"
    assert "2 areas were left out" in note.text()


def test_open_statuses_are_compared_with_closed_dates(awkward, raw):
    note = _note(awkward, "closed_without_date")  # the closed requests whose closed date was before created
    created = pd.to_datetime(raw["fecha_creacion"], format=DAYFIRST)
    closed = pd.to_datetime(raw["fecha_cierre"].replace("", None), format=DAYFIRST)
    assert note.count == ((raw["estado"] == "Cerrado") & (closed < created)).sum()
    assert not [n for n in awkward.notes if n.what == "open_with_closed_date"]


# --- the real Chicago export -----------------------------------------------------------------------------


def test_chicago_loads_with_its_duplicates_and_missing_coordinates(chicago_profile):
    city = load_city(chicago_profile)
    requests = city.service_requests
    assert len(requests) == 74_401
    assert requests["latitude"].isna().sum() == 24
    assert _note(city, "no_coordinates").count == 24
    assert requests["is_duplicate"].sum() == 3_509 + 124
    assert requests.loc[requests["is_duplicate"], "status"].str.endswith("- Dup").all()
    assert requests["created_date"].dtype.kind == "M" and requests["closed_date"].isna().sum() == 325
    assert requests["area"].isin(city.areas["area_numbe"]).mean() > 0.99
    assert len(city.areas) == 77 and city.population is None
    assert (requests["descriptor"].isna()).sum() == 3_753  # empty strings, not NA, in the file


# --- never a raw pandas error: the profile field to fix ---------------------------------------------------


def test_a_missing_column_names_the_profile_field(awkward_city_profile, tmp_path):
    profile = _edit(_copy_city(awkward_city_profile, tmp_path), "tipo", "tipo_de_solicitud")
    with pytest.raises(ProfileDataError) as caught:
        load_city(profile)
    assert caught.value.field == "service_requests.columns.complaint_type"
    assert "no column 'tipo_de_solicitud' in solicitudes.csv" in caught.value.message
    assert "fecha_creacion" in caught.value.message and caught.value.hint
    assert isinstance(caught.value, CourseError)


def test_a_missing_file_names_the_source(awkward_city_profile, tmp_path):
    profile = _edit(_copy_city(awkward_city_profile, tmp_path), "poblacion.csv", "habitantes.csv")
    with pytest.raises(ProfileDataError) as caught:
        load_city(profile)
    assert caught.value.field == "population.source.file"


def test_dates_that_read_two_ways_are_refused_without_dayfirst(tmp_path):
    (tmp_path / "r.csv").write_text("id,creado\n1,05/03/2025\n2,06/03/2025\n")
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "slug: x\nname: {en: X, es: X}\nservice_requests:\n  source: {file: r.csv}\n"
        "  columns: {unique_key: id, created_date: creado}\n"
    )
    with pytest.raises(ProfileDataError) as caught:
        load_city(profile)
    assert caught.value.field == "service_requests.dates.dayfirst"
    assert "dayfirst" in caught.value.hint
    text = profile.read_text() + "  dates: {dayfirst: true}\n"
    profile.write_text(text)
    assert load_city(profile).service_requests["created_date"].dt.month.tolist() == [3, 3]


def test_values_that_are_not_dates_are_missing_and_counted(tmp_path):
    (tmp_path / "r.csv").write_text("id,creado\n1,2025-03-05\n2,mañana\n3,\n")
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "slug: x\nname: {en: X, es: X}\nservice_requests:\n  source: {file: r.csv}\n"
        "  columns: {unique_key: id, created_date: creado}\n"
    )
    city = load_city(profile)
    assert city.service_requests["created_date"].isna().tolist() == [False, True, True]
    note = _note(city, "not_a_date")
    assert (note.count, note.example, note.column) == (1, "mañana", "created_date")


def test_an_unknown_excluded_area_names_its_entry(awkward_city_profile, tmp_path):
    profile = _edit(_copy_city(awkward_city_profile, tmp_path), "exclude: [Parque Central, 380]", "exclude: [999]")
    with pytest.raises(ProfileDataError) as caught:
        load_city(profile)
    assert caught.value.field == "areas.exclude[0]" and "San Rafael" in caught.value.message


def test_a_key_over_text_names_the_key(awkward_city_profile, tmp_path):
    profile = _edit(_copy_city(awkward_city_profile, tmp_path), "key: cve_mun * 100", "key: nombre_distrito * 100")
    with pytest.raises(ProfileDataError) as caught:
        load_city(profile)
    assert caught.value.field == "areas.key" and "not a whole number" in caught.value.message


def test_population_that_is_not_a_number_names_the_column(awkward_city_profile, tmp_path):
    profile = _edit(_copy_city(awkward_city_profile, tmp_path), "population: habitantes", "population: nombre")
    with pytest.raises(ProfileDataError) as caught:
        load_city(profile)
    assert caught.value.field == "population.columns.population"


def test_a_wrong_encoding_names_the_encoding(awkward_city_profile, tmp_path):
    profile = _copy_city(awkward_city_profile, tmp_path)
    (tmp_path / "solicitudes.csv").write_bytes((tmp_path / "solicitudes.csv").read_text().encode("utf-16"))
    with pytest.raises(ProfileDataError) as caught:
        load_city(profile)
    assert caught.value.field == "service_requests.source.encoding"


# --- other sources ---------------------------------------------------------------------------------------


def test_a_zipped_shapefile_in_another_projection_is_read_in_wgs84(awkward, awkward_city_profile, tmp_path):
    import geopandas

    profile = _copy_city(awkward_city_profile, tmp_path)
    districts = geopandas.read_file(tmp_path / "distritos.geojson").to_crs(32614)
    short = {"num_distrito": "num_dist", "nombre_distrito": "nombre"}  # a Shapefile's names have 10 letters at most
    districts.rename(columns=short).drop(columns="nombre_municipio").to_file(tmp_path / "distritos.shp.zip")
    _edit(profile, "distritos.geojson", "distritos.shp.zip")
    _edit(profile, "+ num_distrito", "+ num_dist")
    _edit(profile, "{nombre_distrito}", "{nombre}")
    areas = load_city(profile).areas
    assert areas.crs.to_epsg() == 4326
    assert areas["area_numbe"].tolist() == awkward.areas["area_numbe"].tolist()
    assert areas.geometry.bounds.round(6).equals(awkward.areas.geometry.bounds.round(6))


def _portal_folder(folder, csv_file) -> None:
    """A ``kit portal serve --data`` folder holding the city's population table and its card."""
    folder.mkdir()
    shutil.copy(csv_file, folder / "poblacion.csv")
    text = ["municipio", "distrito", "nombre", "habitantes"]  # habitantes is written "12,345": text
    columns = [{"name": c, "type": "text", "description": c} for c in text]
    columns.append({"name": "anio", "type": "integer", "description": "year"})
    rows = len(pd.read_csv(csv_file, dtype=str))
    card = {
        "name": "poblacion",
        "file": "poblacion.csv",
        "title": "Población",
        "description": "Habitantes",
        "source": "test",
        "license": "CC0-1.0",
        "made_by": "test",
        "rows": rows,
        "sha256": "0" * 64,
        "columns": columns,
    }
    (folder / "catalog.yaml").write_text(yaml.safe_dump({"city": "Villa Torcida", "datasets": [card]}))


def test_a_portal_source_is_fetched_through_the_socrata_client(awkward_city_profile, tmp_path, monkeypatch):
    from kit.portal import serve_in_thread

    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path / "cache"))
    profile = _copy_city(awkward_city_profile, tmp_path / "city")
    _portal_folder(tmp_path / "portal", profile.parent / "poblacion.csv")
    with serve_in_thread(tmp_path / "portal") as portal:  # real sodapy over real HTTP, to a local portal
        source = f'source: {{domain: "{portal.domain}", dataset: {portal.datasets["poblacion"]}, where: "anio = 2023"}}'
        _edit(profile, "source: {file: poblacion.csv}", source)
        (profile.parent / "poblacion.csv").unlink()  # only the portal has it now
        city = load_city(load_profile(profile), refresh=True)
    assert list(city.population["community_area"]) == list(load_city(awkward_city_profile).population["community_area"])
    assert city.population["population"].sum() == load_city(awkward_city_profile).population["population"].sum()
