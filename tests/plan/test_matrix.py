"""The audience × module matrix and the learner-bundle specs, on the sample spec."""

from __future__ import annotations

import yaml
from helpers import REPO

from kit.plan.curriculum import datasets_for
from kit.plan.matrix import audience_matrix, bundle_specs, write_bundle_specs, write_matrix_csv

M1, M2, M3 = "01-intro-movement-data", "02-electoral-cycle", "03-issue-campaigns"


def test_the_matrix_marks_topic_modules_and_pulled_in_prerequisites(spec, syllabus):
    matrix = audience_matrix(spec, syllabus)
    assert list(matrix.index) == ["tenant-orgs", "neighborhood-councils", "city-311-team"]
    assert list(matrix.columns) == [M1, M2, M3]
    assert matrix.to_dict(orient="index") == {
        "tenant-orgs": {M1: "topic", M2: "", M3: "topic"},
        "neighborhood-councils": {M1: "topic", M2: "topic", M3: "topic"},
        "city-311-team": {M1: "prerequisite", M2: "", M3: "topic"},
    }


def test_the_matrix_csv_is_exact_and_byte_identical_across_builds(spec, syllabus, tmp_path):
    first = write_matrix_csv(audience_matrix(spec, syllabus), tmp_path / "a" / "matrix.csv")
    second = write_matrix_csv(audience_matrix(spec, syllabus), tmp_path / "b" / "matrix.csv")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().decode("utf-8") == (
        f"audience,{M1},{M2},{M3}\n"
        "tenant-orgs,topic,,topic\n"
        "neighborhood-councils,topic,topic,topic\n"
        "city-311-team,prerequisite,,topic\n"
    )


def test_tenant_orgs_take_modules_1_and_3_in_spanish(spec, syllabus):
    bundle = bundle_specs(spec, syllabus)["tenant-orgs"]
    assert {k: bundle[k] for k in ("audience", "name", "language", "size")} == {
        "audience": "tenant-orgs",
        "name": "Tenant associations",
        "language": "es",
        "size": 20,
    }
    assert bundle["modules"] == [
        {
            "number": 1,
            "id": M1,
            "title": "Introducción a los datos del movimiento",
            "notebook": f"modules/es/{M1}.ipynb",
            "assignment": f"{M1}-es",
            "pulled_in": False,
        },
        {
            "number": 3,
            "id": M3,
            "title": "Datos para campañas de organización por causas",
            "notebook": f"modules/es/{M3}.ipynb",
            "assignment": f"{M3}-es",
            "pulled_in": False,
        },
    ]
    assert bundle["datasets"][:3] == ["service_requests", "neighborhoods", "neighborhood_population"]


def test_the_311_team_gets_module_1_pulled_in_and_councils_take_1_2_3_in_english(spec, syllabus):
    bundles = bundle_specs(spec, syllabus)
    team = bundles["city-311-team"]["modules"]
    assert [(m["number"], m["pulled_in"]) for m in team] == [(1, True), (3, False)]
    assert team[0] == {
        "number": 1,
        "id": M1,
        "title": "Intro to movement data",
        "notebook": f"modules/{M1}.ipynb",
        "assignment": M1,
        "pulled_in": True,
    }
    councils = bundles["neighborhood-councils"]["modules"]
    assert [m["number"] for m in councils] == [1, 2, 3]
    assert all(m["notebook"] == f"modules/{m['id']}.ipynb" and m["assignment"] == m["id"] for m in councils)


def test_bundles_list_the_curriculum_s_datasets_and_their_notebooks_exist(spec, syllabus):
    bundles = bundle_specs(spec, syllabus)
    assert list(bundles) == [a.id for a in spec.audiences]
    for audience in spec.audiences:
        bundle = bundles[audience.id]
        assert bundle["datasets"] == datasets_for(spec, audience, syllabus)
        for module in bundle["modules"]:
            assert (REPO / module["notebook"]).is_file(), module["notebook"]
            assert (REPO / "exercises" / module["assignment"]).is_dir(), module["assignment"]


def test_bundle_files_round_trip_keep_their_key_order_and_are_byte_identical(spec, syllabus, tmp_path):
    first = write_bundle_specs(bundle_specs(spec, syllabus), tmp_path / "a")
    second = write_bundle_specs(bundle_specs(spec, syllabus), tmp_path / "b")
    assert [p.relative_to(tmp_path / "a").as_posix() for p in first] == [
        "bundles/tenant-orgs.yaml",
        "bundles/neighborhood-councils.yaml",
        "bundles/city-311-team.yaml",
    ]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes()
    text = (tmp_path / "a" / "bundles" / "tenant-orgs.yaml").read_text(encoding="utf-8")
    assert text.startswith("audience: tenant-orgs\nname: Tenant associations\nlanguage: es\nsize: 20\nmodules:\n")
    assert "Introducción" in text  # unicode kept, not escaped
    assert yaml.safe_load(text) == bundle_specs(spec, syllabus)["tenant-orgs"]
