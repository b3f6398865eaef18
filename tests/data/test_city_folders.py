"""A city's own datasets folder: unreadable values are named, and `kit data generate` never writes there."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from typer.testing import CliRunner

import kit
from kit.cli import app
from kit.data.bundle import check_bundle, is_bundled_sample, regenerate, repair_hint
from kit.errors import DatasetError
from kit.paths import datasets_dir

runner = CliRunner()

CITY_CATALOG = """\
city: Ciudad Ejemplo
datasets:
  - name: service_requests
    file: service_requests.csv
    title: Solicitudes 311
    description: The city's own export.
    source: the city's portal
    license: public domain
    made_by: kit course adapt
    rows: {rows}
    sha256: "{sha}"
    columns:
      - {{name: unique_key, type: text, description: id}}
      - {{name: created_date, type: datetime, description: created}}
      - {{name: count, type: integer, description: a count}}
  - name: neighborhoods
    file: neighborhoods.geojson
    title: Distritos
    description: The city's own boundaries.
    source: the city's portal
    license: public domain
    made_by: kit course adapt
    rows: 0
    sha256: "{geo_sha}"
    columns: []
"""
CITY_GEOJSON = b'{"type": "FeatureCollection", "features": []}'


def _city_home(tmp_path, monkeypatch, rows: str) -> tuple:
    """An adapted course folder (KIT_HOME) holding a city's datasets: a CSV and its own boundary file."""
    folder = tmp_path / "city" / "datasets"
    folder.mkdir(parents=True)
    content = ("unique_key,created_date,count\n" + rows).encode()
    (folder / "service_requests.csv").write_bytes(content)
    (folder / "neighborhoods.geojson").write_bytes(CITY_GEOJSON)
    (folder / "catalog.yaml").write_text(
        CITY_CATALOG.format(
            rows=rows.count("\n"),
            sha=hashlib.sha256(content).hexdigest(),
            geo_sha=hashlib.sha256(CITY_GEOJSON).hexdigest(),
        )
    )
    monkeypatch.setenv("KIT_HOME", str(tmp_path / "city"))
    return folder, content


def test_load_dataset_names_file_column_and_value_of_a_date_that_is_not_iso(tmp_path, monkeypatch):
    _city_home(tmp_path, monkeypatch, "A1,05/03/2025 10:00,1\nA2,2025-03-06,2\n")
    with pytest.raises(DatasetError, match=r"service_requests.csv: column 'created_date' .*'05/03/2025 10:00'") as info:
        kit.load_dataset("service_requests")
    assert "ISO 8601" in info.value.hint and info.value.dataset == "service_requests"


def test_load_dataset_names_a_count_that_is_not_a_whole_number(tmp_path, monkeypatch):
    _city_home(tmp_path, monkeypatch, "A1,2025-03-05,1\nA2,2025-03-06,2.5\n")
    with pytest.raises(DatasetError, match=r"column 'count' \(integer\) .*whole numbers, such as '2.5'"):
        kit.load_dataset("service_requests")


def test_generate_refuses_a_city_s_folder_and_writes_nothing(tmp_path, monkeypatch):
    folder, _ = _city_home(tmp_path, monkeypatch, "A1,2025-03-05,1\n")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert not is_bundled_sample()
    with pytest.raises(DatasetError, match="not the kit's bundled sample.*nothing was written"):
        regenerate()
    result = runner.invoke(app, ["data", "generate"])
    assert result.exit_code == 1 and "not the kit's bundled sample" in result.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # the city's boundaries untouched


def test_generate_refuses_a_riverton_named_folder_that_is_not_the_whole_sample(tmp_path):
    """An adaptation of Riverton itself (three datasets) is not the bundled sample either."""
    (tmp_path / "catalog.yaml").write_text(
        CITY_CATALOG.replace("Ciudad Ejemplo", "Riverton").format(rows=0, sha="", geo_sha="")
    )
    with pytest.raises(DatasetError, match="not the kit's bundled sample"):
        regenerate(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.yaml"]


def test_generate_still_rebuilds_a_copy_of_the_bundled_sample(tmp_path):
    shutil.copy(datasets_dir() / "catalog.yaml", tmp_path / "catalog.yaml")
    assert is_bundled_sample(tmp_path)
    written = regenerate(tmp_path)
    assert set(written) == {p.name for p in tmp_path.iterdir()} - {"catalog.yaml"}
    assert repair_hint(tmp_path) == "run `kit data generate` to rebuild the bundled files"


def test_verify_suggests_fixing_the_file_or_card_in_a_city_s_folder(tmp_path, monkeypatch):
    folder, _ = _city_home(tmp_path, monkeypatch, "A1,2025-03-05,1\n")
    assert check_bundle().problems == []
    with open(folder / "service_requests.csv", "a") as fh:
        fh.write("A2,2025-03-06,2\n")
    checked = check_bundle()
    assert checked.problems and "kit data generate" not in checked.hint
    assert "card" in checked.hint and "catalog.yaml" in checked.hint
    result = runner.invoke(app, ["data", "verify"])
    assert result.exit_code == 1 and "kit data generate" not in result.output
    (folder / "service_requests.csv").unlink()
    with pytest.raises(DatasetError, match="missing its file") as info:
        kit.load_dataset("service_requests")
    assert "kit data generate" not in info.value.hint
