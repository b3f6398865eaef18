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
