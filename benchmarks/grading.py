"""Benchmark: `nbgrader autograde` against `kit grade autograde` on one simulated cohort.

Usage (from the repository, after `make demo` or `make test` installed .venv)::

    .venv/bin/python benchmarks/grading.py                  # 100 submissions of module 1
    .venv/bin/python benchmarks/grading.py --learners 200 --assignment 03-issue-campaigns
    .venv/bin/python benchmarks/grading.py --scheduler          # also on a dask LocalCluster of 1, then 2 workers
    .venv/bin/python benchmarks/grading.py --scheduler tcp://10.0.0.5:8786   # also on a real cluster

It builds two identical throwaway copies of the course, releases the exercise,
writes the same simulated cohort into both (kit.grading.simulated_cohort: perfect,
partial, blank and crashing submissions), then grades one copy with nbgrader's
own autograde (one learner after another, a fresh kernel each) and the other
with the kit's grader (parallel, sandboxed, pre-warmed). It checks that every
learner's score on every graded cell is identical in the two gradebooks and
prints notebooks per second for both and their ratio, and the kit's one-writer
bookkeeping per learner (what a cluster would wait on). With ``--scheduler`` the
kit's copy is graded again on dask.distributed (a LocalCluster of one worker
process, then two; or the cluster at the address given): throughput, scaling,
identical scores, and an estimate for a 10-machine cluster from the measured
per-notebook and bookkeeping costs. Nothing in the repository is touched.
Speed is measured here, never asserted in the tests.
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


def grade(course, assignment: str, learners: list[str], engine: str, workers: int | None, scheduler=None):
    from kit.grading.autograde import autograde

    os.environ["KIT_HOME"] = str(course.root.parent)
    start = time.perf_counter()
    # plain nbgrader has no sandbox: the reference, run on purpose (throwaway course, simulated learners)
    unisolated = engine == "nbgrader"
    run = autograde(
        course,
        assignment,
        learners,
        engine=engine,
        workers=workers,
        force=True,
        allow_unisolated=unisolated,
        scheduler=scheduler,
    )
    return time.perf_counter() - start, run


def cell_scores(course, assignment: str) -> dict[tuple[str, str], float]:
    from kit.grading.grades import question_scores

    frame = question_scores(course, [assignment])
    return {(r.learner, r.question): r.score for r in frame.itertuples()}


def differences(ref: dict, ours: dict) -> list:
    return sorted(k for k in ref.keys() | ours.keys() if ref.get(k) != ours.get(k))


def report_differences(differ: list, ref: dict, ours: dict, what: str) -> None:
    shown = ", ".join(f"{who}/{q}: {ref.get((who, q))} vs {ours.get((who, q))}" for who, q in differ[:5])
    print(f"scores DIFFER ({what}) on {len(differ)} cells, e.g. {shown}")


def row(name: str, count: int, graded: int, seconds: float) -> str:
    return f"{name:<30}{count:>10}{graded:>8}{seconds:>10.1f}{count / seconds:>13.2f}"


def on_clusters(args, course, learners: list[str], reference: dict) -> int:
    """Grade the kit's copy again on dask: a LocalCluster of 1 then 2 workers, or the cluster at an address."""
    from distributed import LocalCluster

    rates, runs, failed = {}, {}, 0
    sizes = [1, 2] if args.scheduler == "local" else [None]
    for size in sizes:
        if size is None:
            seconds, run = grade(course, args.assignment, learners, "kit", None, args.scheduler)
            name = f"kit on {args.scheduler}"
        else:
            with LocalCluster(n_workers=size, threads_per_worker=1, dashboard_address=None) as cluster:
                seconds, run = grade(course, args.assignment, learners, "kit", None, cluster.scheduler_address)
            name = f"kit on dask, {size} worker{'s' if size > 1 else ''}"
        rates[size], runs[size] = len(learners) / seconds, run
        print(row(name, len(learners), sum(r.graded for r in run.results), seconds), flush=True)
        differ = differences(reference, cell_scores(course, args.assignment))
        if differ:
            report_differences(differ, reference, cell_scores(course, args.assignment), name)
            failed = 1
    if args.scheduler == "local":
        print(f"scaling, 2 workers vs 1: {rates[2] / rates[1]:.2f}x")
    run = runs[sizes[-1]]
    notebook = sum(r.seconds or 0 for r in run.results) / len(run.results)
    writer = run.bookkeeping_seconds / len(run.results)
    print(f"per learner: a notebook takes {notebook:.2f} s of a worker thread; the one writer {writer:.3f} s")
    for machines, cores in ((10, 2), (10, 8)):
        estimate = min(machines * cores / notebook, 1 / writer)
        bound = "workers" if machines * cores / notebook < 1 / writer else "the one writer"
        print(f"estimate, {machines} machines x {cores} cores: {estimate:.1f} notebooks/s (bound by {bound})")
    if not failed:
        print(f"scores identical on the cluster: {len(reference)} graded cells")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="01-intro-movement-data")
    parser.add_argument("--learners", type=int, default=100, help="submissions in the cohort (default 100)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None, help="kit grader workers (default: one per core)")
    parser.add_argument(
        "--scheduler",
        nargs="?",
        const="local",
        default=None,
        help="also grade on dask.distributed: a LocalCluster of 1 then 2 workers, or the scheduler at ADDRESS",
    )
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
        differ = differences(ref, ours)
        rate_nb, rate_kit = len(learners) / nb_seconds, len(learners) / kit_seconds
        print()
        print(f"{'grader':<30}{'notebooks':>10}{'graded':>8}{'seconds':>10}{'notebooks/s':>13}")
        print(row("nbgrader autograde", len(learners), sum(r.graded for r in nb_run.results), nb_seconds))
        print(row("kit grade autograde", len(learners), sum(r.graded for r in kit_run.results), kit_seconds))
        print(f"speed-up: {rate_kit / rate_nb:.1f}x  (machine: {os.cpu_count()} cores)")
        writer = kit_run.bookkeeping_seconds / len(learners)
        print(f"the kit's one-writer bookkeeping: {writer * 1000:.0f} ms a learner")
        if kit_run.protections_off:
            print("protections off on this machine: " + "; ".join(kit_run.protections_off))
        if differ:
            report_differences(differ, ref, ours, "nbgrader vs kit")
            return 1
        print(f"scores identical: {len(ref)} graded cells of {len(learners)} submissions")
        if args.scheduler:
            return on_clusters(args, kit_course, learners, ref)
    return 0


if __name__ == "__main__":
    sys.exit(main())
