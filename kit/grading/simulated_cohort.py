"""A simulated cohort: realistic submissions written into the course.

``simulate_cohort`` writes N learners' submissions of an assignment into
``grader/submitted/<learner>/<assignment>/``, as if they had handed them in:
some perfect, some partial, some blank, some raising errors. The same seed gives
the same cohort. The demo, the tests and the benchmarks all grade these.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from kit.data.synth.names import FIRST_NAMES, LAST_NAMES
from kit.grading.course import Course, not_released_error, write_timestamp
from kit.grading.profile import SimulationProfile, load_profile

_SOLUTION = re.compile(r"[ \t]*### BEGIN SOLUTION\n(.*?)[ \t]*### END SOLUTION\n?", re.S)
REGISTRY_FILE = ".simulated.json"

# archetype: chances of (correct, wrong, blank, error) for each answer
ARCHETYPES = {
    "perfect": (1.0, 0.0, 0.0, 0.0),
    "strong": (0.8, 0.15, 0.05, 0.0),
    "partial": (0.5, 0.25, 0.15, 0.10),
    "struggling": (0.2, 0.3, 0.35, 0.15),
    "crashing": (0.45, 0.05, 0.0, 0.5),
    "blank": (0.0, 0.0, 1.0, 0.0),
}
ARCHETYPE_WEIGHTS = {"perfect": 3, "strong": 6, "partial": 6, "struggling": 4, "crashing": 2, "blank": 1}


@dataclass(frozen=True)
class SimulatedLearner:
    learner: str
    archetype: str
    answers: dict[str, str]  # grade_id -> correct / wrong / wrong-visible / blank / error


def solution_code(source: str) -> str:
    """The code between the solution markers of a source cell."""
    match = _SOLUTION.search(source)
    return match.group(1).rstrip("\n") if match else source


def _learner_ids(rng: random.Random, n: int) -> list[str]:
    ids: list[str] = []
    while len(ids) < n:
        base = f"{rng.choice(FIRST_NAMES)[0]}{rng.choice(LAST_NAMES)}".lower()
        candidate, k = base, 2
        while candidate in ids:
            candidate, k = f"{base}{k}", k + 1
        ids.append(candidate)
    return ids


def _archetypes(rng: random.Random, n: int) -> list[str]:
    names = list(ARCHETYPE_WEIGHTS)
    picks = rng.choices(names, weights=[ARCHETYPE_WEIGHTS[a] for a in names], k=n)
    # every cohort of five or more has at least one perfect and one blank submission
    if n >= 5:
        picks[0], picks[-1] = "perfect", "blank"
        rng.shuffle(picks)
    return picks


def _answer_cell(cell, kind: str, rng: random.Random, profile: SimulationProfile, source_cell) -> str:
    gid = cell.metadata["nbgrader"]["grade_id"]
    if cell.cell_type == "markdown":  # the manually graded reflection
        return cell.source if kind == "blank" else rng.choice(profile.reflections)
    question = profile.questions.get(gid)
    if kind == "correct" or (question is None and kind != "blank"):
        return solution_code(source_cell.source)
    if kind == "blank":
        return cell.source  # the release's stub, untouched
    if kind == "error":
        return question.error
    wrong = [w for w in question.wrong if w.passes_visible == (kind == "wrong-visible")] or question.wrong
    return rng.choice(wrong).code


def build_submission(release_nb, source_nb, answers: dict[str, str], profile: SimulationProfile, rng: random.Random):
    """A copy of the release notebook with each answer cell filled as ``answers`` says."""
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    source_cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in source_nb.cells}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            gid = meta["grade_id"]
            cell.source = _answer_cell(cell, answers.get(gid, "correct"), rng, profile, source_cells[gid])
    return nb


def _read_registry(course: Course) -> tuple[Path, dict[str, list[str]]]:
    """The registry of simulated learners (assignment -> learners), and its file."""
    registry = course.root / course.coursedir.submitted_directory / REGISTRY_FILE
    return registry, json.loads(registry.read_text()) if registry.is_file() else {}


def _clear_previous(course: Course, assignment: str, keep: set[str]) -> None:
    _, previous = _read_registry(course)
    stale = [learner for learner in previous.get(assignment, []) if learner not in keep]
    for learner in stale + sorted(keep):
        for step in ("submitted", "autograded", "feedback"):
            shutil.rmtree(course.step_dir(step, learner, assignment), ignore_errors=True)
    if stale:
        with course.gradebook() as gb:
            for learner in stale:
                try:
                    gb.remove_submission(assignment, learner)
                except MissingEntry:
                    pass


def _record(course: Course, assignment: str, learners: list[str]) -> None:
    registry, previous = _read_registry(course)
    previous[assignment] = learners
    registry.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")


def simulate_cohort(course: Course, assignment: str, learners: int, seed: int = 0) -> list[SimulatedLearner]:
    """Write ``learners`` simulated submissions of ``assignment`` into the course.

    The assignment must have been released (its release notebooks are the
    starting point, as for a real learner). Learners simulated earlier for the
    same assignment are replaced, with their grades; real submissions are never
    touched.
    """
    course.check_assignment(assignment)
    profile = load_profile(course.root, assignment)
    release_dir = course.step_dir("release", ".", assignment)
    releases = sorted(release_dir.glob("*.ipynb"))
    if not releases:
        raise not_released_error(assignment)
    rng = random.Random(seed)
    ids = _learner_ids(rng, learners)
    kinds = _archetypes(rng, learners)
    _clear_previous(course, assignment, set(ids))
    base_time = datetime(2026, 3, 2, 17, 0, 0)
    cohort = []
    source_dir = course.step_dir("source", ".", assignment)
    notebooks = [
        (path.name, nbformat.read(path, as_version=4), nbformat.read(source_dir / path.name, as_version=4))
        for path in releases
    ]
    for learner, archetype in zip(ids, kinds):
        chances = ARCHETYPES[archetype]
        answers: dict[str, str] = {}
        target = course.step_dir("submitted", learner, assignment)
        target.mkdir(parents=True, exist_ok=True)
        for name, release_nb, source_nb in notebooks:
            for cell in release_nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("solution"):
                    kind = rng.choices(("correct", "wrong", "blank", "error"), weights=chances)[0]
                    if kind == "wrong":
                        kind = rng.choice(("wrong", "wrong-visible"))
                    answers[meta["grade_id"]] = kind
            nb = build_submission(release_nb, source_nb, answers, profile, rng)
            nbformat.write(nb, target / name)
        stamp = base_time + timedelta(minutes=rng.randrange(0, 60 * 24 * 5))
        write_timestamp(target, stamp)
        cohort.append(SimulatedLearner(learner, archetype, answers))
    _record(course, assignment, ids)
    return cohort
