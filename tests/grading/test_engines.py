"""The grading engines: one registry, by name."""

from __future__ import annotations

import pytest
from helpers import ASSIGNMENT

from kit.errors import KitError
from kit.grading.engines import GradingEngines, UnknownEngineError, engine_names, get_engine


def test_the_kit_and_nbgrader_engines_are_registered():
    assert engine_names() == ["kit", "nbgrader"]
    assert all(callable(get_engine(name)) for name in engine_names())


def test_an_unknown_engine_is_a_kit_error_listing_the_engines():
    with pytest.raises(UnknownEngineError) as raised:
        get_engine("papermill")
    assert isinstance(raised.value, KitError) and isinstance(raised.value, ValueError)
    assert raised.value.engine == "papermill" and raised.value.names == ["kit", "nbgrader"]
    assert "unknown grading engine 'papermill'" in str(raised.value) and "kit, nbgrader" in str(raised.value)


def test_an_engine_registers_under_its_name():
    engines = GradingEngines()
    engines.register("fake", print)
    assert engines.names() == ["fake"] and engines.get_engine("fake") is print
    with pytest.raises(UnknownEngineError, match="use one of: fake"):
        engines.get_engine("kit")


def test_autograde_refuses_an_unknown_engine_before_grading(released):
    from kit.grading.autograde import autograde

    with pytest.raises(UnknownEngineError):
        autograde(released, ASSIGNMENT, engine="papermill")
    assert not (released.root / "autograded").exists()


def test_an_engine_grades_into_the_run_it_is_given(released, monkeypatch):
    from kit.grading import engines
    from kit.grading.autograde import AutogradeRun, LearnerResult, autograde

    def fake(course, run, learners, options):
        assert isinstance(run, AutogradeRun) and run.engine == "fake" and options.workers == 3
        run.results.append(LearnerResult("ana", True, 1.0, 2.0))

    monkeypatch.setitem(engines.ENGINES._engines, "fake", fake)
    run = autograde(released, ASSIGNMENT, [], engine="fake", workers=3)
    assert [r.learner for r in run] == ["ana"] and run.seconds >= 0
