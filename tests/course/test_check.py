"""`kit course check`: findings checked against independent pandas computations, problems naming fields."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kit.cli import app
from kit.course.check import CityCheck, _settle_order

runner = CliRunner()


def _needs_loader():
    pytest.importorskip("kit.course.load", reason="kit.course.load (helper F) not there yet")


def _found(check: CityCheck, role: str, key: str) -> dict:
    rows = [f.params for f in check.findings.get(role, []) if f.key == key]
    assert rows, f"no {key!r} finding for {role}: {[f.key for f in check.findings.get(role, [])]}"
    return rows[0]


# --- the day/month order -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "settled", "field"),
    [
        (["05/03/2025", "07/11/2025"], False, "service_requests.dates"),  # either order: refused
        (["25/03/2025", "07/11/2025"], False, "service_requests.dates.dayfirst"),  # a day above 12 first
        (["03/25/2025", "07/11/2025"], True, None),  # month first, settled by the 25
        (["2025-03-05", "2025-11-07"], True, None),  # ISO: no doubt
    ],
)
def test_an_ambiguous_day_month_order_is_refused_never_guessed(values, settled, field):
    check = CityCheck(Path("city.yaml"), {"en": "X"})
    assert _settle_order(pd.Series(values, dtype="string"), "created_date", check) is settled
    assert [p.field for p in check.problems] == ([field] if field else [])


# --- the report ----------------------------------------------------------------------------------------


def test_the_markdown_report_reads_in_english_and_spanish():
    check = CityCheck(Path("cities/x.yaml"), {"en": "Riverside", "es": "Ribera"})
    check.add("service_requests", "zero_day", "warning", n=70, closed=100, share="70.0%")
    check.block("service_requests.dates", "ambiguous_dates", column="created_date", example="05/03/2025", n=12)
    english, spanish = check.to_markdown("en"), check.to_markdown("es")
    assert english.startswith("# City check: Riverside")
    assert "| `service_requests.dates` |" in english and "will not guess" in english
    assert "| closed the instant created | ⚠ 70 of 100 closures (70.0%)" in english
    assert spanish.startswith("# Revisión de la ciudad: Ribera")
    assert "el kit no adivina" in spanish and "| cerradas al crearse | ⚠ 70 de 100 cierres (70.0%)" in spanish
    assert not check.ok and "1 problem(s) block the modules" in english


def test_the_markdown_report_reads_in_portuguese_with_its_numbers():
    check = CityCheck(Path("cities/x.yaml"), {"en": "Riverside", "pt": "Beira-Rio"})
    check.add("service_requests", "zero_day", "warning", n=1234, closed=4597, share="26.8%")
    check.add("service_requests", "rows", rows=4695, source="x.csv")
    check.block("service_requests.dates", "ambiguous_dates", column="created_date", example="05/03/2025", n=1200)
    portuguese = check.to_markdown("pt")
    assert portuguese.startswith("# Verificação da cidade: Beira-Rio")
    assert "| `service_requests.dates` |" in portuguese and "o kit não adivinha" in portuguese
    assert "1.200 datas como '05/03/2025'" in portuguese
    assert "⚠ 1.234 de 4.597 fechamentos (26,8%)" in portuguese and "4.695 de x.csv" in portuguese
    spanish = check.to_markdown("es")  # Spanish keeps the course's Mexican style, and a city named in English
    assert spanish.startswith("# Revisión de la ciudad: Riverside") and "1,234 de 4,597 cierres (26.8%)" in spanish


# --- the awkward city --------------------------------------------------------------------------------


def test_the_awkward_city_findings_match_pandas(awkward_city_profile):
    _needs_loader()
    from kit.course.check import check_city
    from kit.course.profile import load_profile

    check = check_city(awkward_city_profile)
    profile = load_profile(awkward_city_profile)
    spec = profile.service_requests
    raw = pd.read_csv(profile.path.parent / spec.source.file, dtype=str, keep_default_na=False)
    created = pd.to_datetime(raw[spec.columns["created_date"]], dayfirst=True, format="mixed")
    closed = pd.to_datetime(raw[spec.columns["closed_date"]].replace("", None), dayfirst=True, format="mixed")
    sentinel = closed.dt.year == 1900
    assert _found(check, "service_requests", "sentinels")["n"] == int(sentinel.sum()) > 0
    days = (closed.mask(sentinel) - created).dt.total_seconds()
    good = days[days >= 0]
    assert _found(check, "service_requests", "zero_day")["n"] == int((good == 0).sum())
    assert _found(check, "service_requests", "negative")["n"] == int((days < 0).sum())
    lat = pd.to_numeric(raw[spec.columns["latitude"]], errors="coerce")
    assert _found(check, "service_requests", "no_coordinates")["n"] == int(lat.isna().sum())
    assert _found(check, "service_requests", "no_duplicates_rule") == {}
    assert _found(check, "population", "areas_without_population")["n"] == 0  # park and airport excluded
    assert check.ok, [str(p) for p in check.problems]


def test_the_awkward_city_without_dayfirst_is_refused(awkward_city_profile, tmp_path):
    _needs_loader()
    from kit.course.check import check_city

    text = awkward_city_profile.read_text(encoding="utf-8")
    broken = awkward_city_profile.with_name("no-dayfirst.yaml")
    broken.write_text(text.replace("dayfirst: true", "").replace("dayfirst: yes", ""), encoding="utf-8")
    check = check_city(broken)
    assert not check.ok
    assert any(p.field.startswith("service_requests.dates") for p in check.problems)


# --- Chicago -------------------------------------------------------------------------------------------


def test_chicago_spatial_join_agrees_with_community_area(chicago_profile):
    _needs_loader()
    import geopandas

    from kit.analysis.columns import as_key
    from kit.course.check import check_city

    check = check_city(chicago_profile)
    assert check.ok, [str(p) for p in check.problems]
    real = Path(__file__).resolve().parents[2].parent / "shared" / "realdata" / "chicago"
    raw = pd.read_csv(real / "chicago_311_sanitation_code_complaints_me59-5fac.csv", dtype=str, keep_default_na=False)
    areas = geopandas.read_file(real / "community_areas_cauq-8yn6_socrata_export.geojson")
    points = geopandas.GeoDataFrame(
        geometry=geopandas.points_from_xy(pd.to_numeric(raw["Longitude"]), pd.to_numeric(raw["Latitude"])),
        crs="EPSG:4326",
    )
    joined = geopandas.sjoin(points, areas[["area_numbe", "geometry"]], predicate="intersects")
    joined = joined[~joined.index.duplicated()]
    own = as_key(raw.loc[joined.index, "Community_Area"])
    both = own.notna()
    expected = (own[both] == as_key(joined["area_numbe"])[both]).mean()
    found = _found(check, "areas", "agreement")
    assert found["share"] == f"{expected:.1%}"
    assert _found(check, "service_requests", "no_coordinates")["n"] == 24
    assert _found(check, "service_requests", "duplicates")["n"] == 3_509 + 124


# --- the command ---------------------------------------------------------------------------------------


def test_a_broken_profile_lists_every_problem_exits_1_and_writes_nothing(tmp_path):
    pytest.importorskip("kit.course.profile", reason="kit.course.profile (helper F) not there yet")
    profile = tmp_path / "broken.yaml"
    profile.write_text(
        "slug: 12 broken\n"
        "name: Broken\n"  # not a dict per language
        "service_requests:\n"
        "  columns: {created_date: fecha}\n"  # no source
        "  dates: {dayfirst: perhaps}\n"  # not a boolean
        "teaching: {focus_types: nope}\n",  # not a list
        encoding="utf-8",
    )
    report = tmp_path / "report.md"
    result = runner.invoke(app, ["course", "check", "--city", str(profile), "--report", str(report)])
    assert result.exit_code == 1
    assert "mistakes" in result.output
    for field in ("name", "service_requests.source", "service_requests.dates.dayfirst", "teaching.focus_types"):
        assert field in result.output, result.output
    assert not report.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml"]


def test_check_writes_its_report_and_exits_0_when_nothing_blocks(chicago_profile, tmp_path):
    _needs_loader()
    report = tmp_path / "check.md"
    result = runner.invoke(app, ["course", "check", "--city", str(chicago_profile), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "nothing blocks the modules" in " ".join(result.output.split())
    assert report.read_text(encoding="utf-8").startswith("# City check: Chicago")


def test_init_city_writes_a_starter_and_refuses_to_overwrite(tmp_path):
    pytest.importorskip("kit.course.profile", reason="kit.course.profile (helper F) not there yet")
    path = tmp_path / "city.yaml"
    assert runner.invoke(app, ["course", "init-city", str(path)]).exit_code == 0
    starter = path.read_text(encoding="utf-8")
    assert "service_requests" in starter
    path.write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["course", "init-city", str(path)])
    assert result.exit_code == 1 and "--force" in result.output
    assert path.read_text(encoding="utf-8") == "mine"
    assert runner.invoke(app, ["course", "init-city", str(path), "--force"]).exit_code == 0
    assert path.read_text(encoding="utf-8") == starter
