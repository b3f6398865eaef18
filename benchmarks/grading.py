"""Benchmark: `nbgrader autograde` against `kit grade autograde` on one simulated cohort.

Usage (from the repository, after `make demo` or `make test` installed .venv)::

    .venv/bin/python benchmarks/grading.py                  # 100 submissions of module 1
    .venv/bin/python benchmarks/grading.py --learners 200 --assignment 03-issue-campaigns

It builds two identical throwaway copies of the course, releases the exercise,
writes the same simulated cohort into both (kit.grading.simulated_cohort: perfect,
partial, blank and crashing submissions), then grades one copy with nbgrader's
own autograde (one learner after another, a fresh kernel each) and the other
with the kit's grader (parallel, sandboxed, pre-warmed). It checks that every
learner's score on every graded cell is identical in the two gradebooks and
prints notebooks per second for both and their ratio. Nothing in the repository
is touched. Speed is measured here, never asserted in the tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from helpers import make_project  # noqa: E402  (the same throwaway course copy the tests use)


def prepare(base: Path, assignment: str, learners: int, seed: int):
    from kit.grading.course import open_course
    from kit.grading.release import release_assignment
    from kit.grading.simulated_cohort import simulate_cohort

    root = make_project(base)
    os.environ["KIT_HOME"] = str(root)
    course = open_course(root / "grader")
    release_assignment(course, assignment, archive=False)
    cohort = simulate_cohort(course, assignment, learners, seed)
    return course, [c.learner for c in cohort]


def grade(course, assignment: str, learners: list[str], engine: str, workers: int | None) -> tuple[float, object]:
    from kit.grading.autograde import autograde

    os.environ["KIT_HOME"] = str(course.root.parent)
    start = time.perf_counter()
    # plain nbgrader has no sandbox: the reference, run on purpose (throwaway course, simulated learners)
    unisolated = engine == "nbgrader"
    run = autograde(
        course, assignment, learners, engine=engine, workers=workers, force=True, allow_unisolated=unisolated
    )
    return time.perf_counter() - start, run


def cell_scores(course, assignment: str) -> dict[tuple[str, str], float]:
    from kit.grading.grades import question_scores

    frame = question_scores(course, [assignment])
    return {(r.learner, r.question): r.score for r in frame.itertuples()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="01-intro-movement-data")
    parser.add_argument("--learners", type=int, default=100, help="submissions in the cohort (default 100)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None, help="kit grader workers (default: one per core)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kit-bench-") as tmp:
        tmp = Path(tmp)
        print(
            f"preparing two copies of the course with {args.learners} simulated submissions "
            f"of {args.assignment} (seed {args.seed}) …",
            flush=True,
        )
        reference, learners = prepare(tmp / "nbgrader", args.assignment, args.learners, args.seed)
        kit_course, kit_learners = prepare(tmp / "kit", args.assignment, args.learners, args.seed)
        assert learners == kit_learners

        print("grading with nbgrader autograde (one learner after another) …", flush=True)
        nb_seconds, nb_run = grade(reference, args.assignment, learners, "nbgrader", None)
        print(f"grading with kit grade autograde ({args.workers or os.cpu_count()} workers) …", flush=True)
        kit_seconds, kit_run = grade(kit_course, args.assignment, learners, "kit", args.workers)

        ref, ours = cell_scores(reference, args.assignment), cell_scores(kit_course, args.assignment)
        differ = sorted(k for k in ref.keys() | ours.keys() if ref.get(k) != ours.get(k))
        graded_nb = sum(r.graded for r in nb_run.results)
        graded_kit = sum(r.graded for r in kit_run.results)

    rate_nb, rate_kit = len(learners) / nb_seconds, len(learners) / kit_seconds
    print()
    print(f"{'grader':<26}{'notebooks':>10}{'graded':>8}{'seconds':>10}{'notebooks/s':>13}")
    print(f"{'nbgrader autograde':<26}{len(learners):>10}{graded_nb:>8}{nb_seconds:>10.1f}{rate_nb:>13.2f}")
    print(f"{'kit grade autograde':<26}{len(learners):>10}{graded_kit:>8}{kit_seconds:>10.1f}{rate_kit:>13.2f}")
    print(f"speed-up: {rate_kit / rate_nb:.1f}x  (machine: {os.cpu_count()} cores)")
    if kit_run.protections_off:
        print("protections off on this machine: " + "; ".join(kit_run.protections_off))
    if differ:
        print(
            f"scores DIFFER on {len(differ)} cells, e.g. "
            + ", ".join(
                f"{learner}/{q}: nbgrader {ref.get((learner, q))} kit {ours.get((learner, q))}"
                for learner, q in differ[:5]
            )
        )
        return 1
    print(f"scores identical: {len(ref)} graded cells of {len(learners)} submissions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
