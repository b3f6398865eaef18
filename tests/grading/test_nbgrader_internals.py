"""The kit's copies of nbgrader's code stay those of the installed nbgrader.

:mod:`kit.grading.nbgrader_internals` holds every override of, copy of and reach
into nbgrader's internals, with a hash of each upstream function it copies. A
new nbgrader that changes one of them fails here, naming it: compare the
upstream change with the copy, carry it over, record the new hash.
"""

from __future__ import annotations

import nbgrader
import pytest

from kit.errors import KitError
from kit.grading import nbgrader_internals
from kit.grading.nbgrader_internals import (
    SUPPORTED_RANGE,
    UnsupportedNbgraderError,
    check_nbgrader_version,
    upstream_changes,
)


def test_the_upstream_code_the_kit_copies_is_unchanged_in_the_installed_nbgrader():
    changed = upstream_changes()
    assert changed == [], (
        f"nbgrader {nbgrader.__version__} changed {', '.join(changed)}: compare it with the copy in "
        "kit/grading/nbgrader_internals.py, carry the change over, then record the new hash"
    )


def test_a_changed_upstream_function_is_named(monkeypatch):
    name = "nbgrader.converters.autograde:Autograde.convert_single_notebook"
    monkeypatch.setitem(nbgrader_internals.UPSTREAM_SOURCES, name, "0" * 64)
    assert upstream_changes() == [name]
    value = "nbgrader.preprocessors:Execute.error_on_timeout"
    monkeypatch.setitem(nbgrader_internals.UPSTREAM_VALUES, value, {"ename": "Other"})
    assert upstream_changes() == [name, value]


def test_the_installed_nbgrader_is_supported():
    check_nbgrader_version()
    for version in ("0.9.0", "0.9.6", "0.9.12"):
        check_nbgrader_version(version)


@pytest.mark.parametrize("version", ["0.8.5", "0.10.0", "0.10.0a1", "1.0", "unknown"])
def test_an_unsupported_nbgrader_fails_clearly_naming_the_supported_range(version):
    with pytest.raises(UnsupportedNbgraderError) as raised:
        check_nbgrader_version(version)
    assert isinstance(raised.value, KitError)
    assert f"nbgrader {version} is installed" in str(raised.value) and SUPPORTED_RANGE in str(raised.value)


def test_the_sandboxed_converter_refuses_an_unsupported_nbgrader(monkeypatch):
    from kit.grading.converter import SandboxedAutograde

    monkeypatch.setattr(nbgrader, "__version__", "0.10.2")
    with pytest.raises(UnsupportedNbgraderError, match=r"0\.10\.2"):
        SandboxedAutograde()


def _gradebook_engines(db_url: str) -> tuple:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as first, Gradebook(db_url) as second:
        return first.engine, second.engine


@pytest.fixture
def new_gradebook(tmp_path, monkeypatch):
    """``new_gradebook(name)``: the URL of a new, empty nbgrader gradebook."""
    import os
    import sys

    from nbgrader.api import Gradebook

    # nbgrader runs its `alembic` script by name to create a gradebook
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))

    def create(name: str) -> str:
        url = f"sqlite:///{tmp_path / name}"
        Gradebook(url).close()
        return url

    return create


def test_gradebooks_share_an_engine_per_database_only_inside_the_block(new_gradebook):
    import nbgrader.api

    from kit.grading.nbgrader_internals import shared_gradebook_engines

    upstream = nbgrader.api.create_engine
    url_a, url_b = new_gradebook("a.db"), new_gradebook("b.db")
    first, second = _gradebook_engines(url_a)
    assert first is not second  # nbgrader alone: an engine per gradebook
    with shared_gradebook_engines():
        first, second = _gradebook_engines(url_a)
        assert first is second
        with shared_gradebook_engines():  # nested: still the same engine
            assert _gradebook_engines(url_a)[0] is first
        assert _gradebook_engines(url_a)[0] is first
        assert _gradebook_engines(url_b)[0] is not first  # another database, another engine
    assert nbgrader.api.create_engine is upstream
    first, second = _gradebook_engines(url_a)
    assert first is not second


def test_gradebooks_on_a_shared_engine_work_from_several_threads_at_once(new_gradebook):
    from concurrent.futures import ThreadPoolExecutor

    from nbgrader.api import Gradebook

    from kit.grading.nbgrader_internals import shared_gradebook_engines

    url = new_gradebook("gradebook.db")

    def add(learner: str) -> str:
        with Gradebook(url) as gb:
            return gb.add_student(learner).id

    with shared_gradebook_engines(), ThreadPoolExecutor(4) as pool:
        added = sorted(pool.map(add, [f"learner-{i}" for i in range(20)]))
    with Gradebook(url) as gb:
        assert sorted(s.id for s in gb.students) == added


def _nbgrader_cell(source: str, **meta) -> dict:
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": False, "schema_version": 3, **meta}
    return cell


@pytest.mark.parametrize(
    "meta",
    [
        {"grade_id": "ok", "grade": True, "points": 2},
        {"grade_id": "bad-points", "grade": True, "points": "two"},  # not a number: the schema refuses it
        {"grade_id": "extra", "colour": "red"},  # a key the schema does not allow
        {"grade_id": "", "solution": True},  # an empty grade id: nbgrader's own check
        {"grade_id": "old", "schema_version": 1},
    ],
)
def test_checking_cell_metadata_with_the_schema_checked_once_decides_as_nbgrader_does(meta):
    import nbformat
    from nbgrader.preprocessors import CheckCellMetadata

    from kit.grading.nbgrader_internals import CheckCellMetadataOnce

    nb = nbformat.v4.new_notebook(cells=[_nbgrader_cell("x = 1"), _nbgrader_cell("y = 2", **meta)])
    outcomes = []
    for step in (CheckCellMetadata(), CheckCellMetadataOnce()):
        try:
            step.preprocess(nb, {})
            outcomes.append("valid")
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0] == "valid") == (meta["grade_id"] == "ok")


def test_the_kit_converter_checks_cell_metadata_with_the_schema_checked_once():
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import CheckCellMetadata

    from kit.grading.converter import SandboxedAutograde
    from kit.grading.nbgrader_internals import CheckCellMetadataOnce

    converter = SandboxedAutograde(coursedir=CourseDirectory())
    converter.exporter = converter.exporter_class(parent=converter)
    for sanitizing in (True, False):
        converter._sanitizing = sanitizing
        converter._init_preprocessors()
        steps = [type(pp) for pp in converter.exporter._preprocessors]
        assert CheckCellMetadataOnce in steps and CheckCellMetadata not in steps
