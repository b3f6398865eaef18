"""The dataset catalog, the bundled files, and load_dataset's types."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import kit
from kit.data.bundle import regenerate, verify
from kit.data.catalog import load_catalog
from kit.data.synth import generate
from kit.errors import CatalogError, DatasetError
from kit.paths import datasets_dir


def test_every_bundled_file_matches_its_catalog_hash_rows_and_columns():
    assert verify() == []


def test_committed_files_equal_what_the_generator_makes():
    generated = generate()
    cards = {c.file for c in load_catalog().datasets}
    assert set(generated) == cards
    for name, content in generated.items():
        assert (datasets_dir() / name).read_bytes() == content, f"{name} differs from the generator's output"


def test_every_card_has_provenance_and_the_regenerate_command():
    for card in load_catalog().datasets:
        assert card.source and card.license and card.description
        assert card.made_by == "kit data generate"
        assert all(c.description for c in card.columns)


def test_regenerate_rewrites_files_and_catalog_lines_and_keeps_comments(tmp_path):
    shutil.copy(datasets_dir() / "catalog.yaml", tmp_path / "catalog.yaml")
    text = (tmp_path / "catalog.yaml").read_text()
    (tmp_path / "catalog.yaml").write_text(text.replace(load_catalog().card("contacts").sha256, "0" * 64))
    regenerate(tmp_path)
    assert (tmp_path / "catalog.yaml").read_text() == text
    assert verify(tmp_path) == []


def test_verify_names_a_tampered_file(tmp_path):
    shutil.copytree(datasets_dir(), tmp_path / "d")
    with open(tmp_path / "d" / "events.csv", "a") as fh:
        fh.write("E999,Extra,meeting,2025-12-31,Downtown,10\n")
    problems = [str(p) for p in verify(tmp_path / "d")]
    assert any(p.startswith("events: sha256") for p in problems)
    assert "events: 41 rows, the catalog says 40" in problems


@pytest.mark.parametrize("name", ["contacts", "events", "event_signups", "donations", "service_requests"])
def test_dates_are_datetimes_ids_are_text(name):
    frame = kit.load_dataset(name)
    card = kit.describe_dataset(name)
    for column in card.columns:
        series = frame[column.name]
        if column.type in ("date", "datetime"):
            assert pd.api.types.is_datetime64_any_dtype(series), column.name
        elif column.type == "text":
            assert pd.api.types.is_string_dtype(series), column.name
        elif column.type == "integer":
            assert pd.api.types.is_integer_dtype(series), column.name
        elif column.type == "number":
            assert pd.api.types.is_float_dtype(series), column.name
        elif column.type == "boolean":
            assert pd.api.types.is_bool_dtype(series), column.name


def test_service_request_coordinates_are_floats_and_ids_keep_text():
    requests = kit.load_dataset("service_requests")
    assert requests["latitude"].dtype == "float64"
    assert requests["longitude"].dtype == "float64"
    assert requests["incident_zip"].str.len().eq(5).all()
    assert requests["unique_key"].map(type).eq(str).all()


def test_neighborhoods_are_a_geodataframe_in_wgs84_with_text_properties():
    hoods = kit.load_dataset("neighborhoods")
    assert hoods.crs.to_epsg() == 4326
    assert len(hoods) == 12
    assert hoods["area_numbe"].tolist() == [str(i) for i in range(1, 13)]
    assert hoods.is_valid.all()


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(DatasetError, match="unknown dataset 'contact'.*contacts"):
        kit.load_dataset("contact")


def test_a_malformed_catalog_names_the_field(tmp_path):
    (tmp_path / "catalog.yaml").write_text("city: X\ndatasets:\n  - name: a\n    file: a.csv\n")
    with pytest.raises(CatalogError, match=r"datasets\.0\.title: Field required"):
        load_catalog(tmp_path)


def test_a_file_that_no_longer_matches_its_card_is_reported(tmp_path, monkeypatch):
    shutil.copytree(datasets_dir(), tmp_path / "datasets")
    path = tmp_path / "datasets" / "events.csv"
    path.write_text(path.read_text().replace("event_type", "kind", 1))
    monkeypatch.setenv("KIT_HOME", str(tmp_path))
    with pytest.raises(DatasetError, match=r"missing columns \['event_type'\], unexpected columns \['kind'\]"):
        kit.load_dataset("events")


def test_load_dataset_parses_a_file_once_and_hands_out_independent_copies(tmp_path, monkeypatch):
    import shutil

    from helpers import REPO

    from kit.data.catalog import load_dataset, warm_datasets

    root = tmp_path / "project"
    shutil.copytree(REPO / "datasets", root / "datasets")
    monkeypatch.setenv("KIT_HOME", str(root))
    first = load_dataset("events")
    first.iloc[0, 0] = "changed by a learner"
    again = load_dataset("events")
    assert again.iloc[0, 0] != "changed by a learner"  # a copy, not the cached frame
    path = root / "datasets" / "events.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:3]), encoding="utf-8")  # the file changes: read again
    assert len(load_dataset("events")) == 2
    assert "events" in warm_datasets()
