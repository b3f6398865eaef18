"""`kit demo`: the main job, end to end on the bundled sample city, offline."""

from __future__ import annotations

from pathlib import Path

import typer

from kit.cli.grade import export_grades, print_summary, run_autograde
from kit.cli.output import console, report_errors
from kit.data.syllabus import load_syllabus
from kit.errors import GradingError
from kit.paths import output_dir, plans_dir


@report_errors
def demo(
    learners: int = typer.Option(25, "--learners", "-n", min=1, help="Simulated cohort size."),
    seed: int = typer.Option(2026, help="Seed of the simulated cohort."),
) -> None:
    """Run the main job on the sample city: build its plan, then release, simulate a cohort, autograde,
    give feedback and export grades for every available module."""
    from kit.grading.course import open_course
    from kit.grading.feedback import generate_feedback
    from kit.grading.release import release_assignment
    from kit.grading.simulated_cohort import simulate_cohort
    from kit.plan.build import build_plan

    console.rule("[bold]training plan")
    plan_dir = output_dir() / "plan"
    files = build_plan(plans_dir() / "riverton.yaml", plan_dir)
    console.print(f"[green]✓[/] built Riverton's training plan: {len(files)} files in {plan_dir}")
    course = open_course()
    output = course.root / "exports" / "grades.csv"
    assignments = [m.assignment for m in load_syllabus().available()]
    for assignment in assignments:
        console.rule(f"[bold]{assignment}")
        release = release_assignment(course, assignment)
        console.print(f"[green]✓[/] released {assignment} → {release.directory}")
        cohort = simulate_cohort(course, assignment, learners, seed)
        console.print(f"[green]✓[/] simulated {len(cohort)} learners' submissions")
        results = run_autograde(course, assignment, [c.learner for c in cohort])
        failed = [r for r in results if not r.graded]
        if failed:
            raise GradingError(f"{len(failed)} simulated submission(s) could not be graded")
        feedback = generate_feedback(course, assignment, [c.learner for c in cohort])
        console.print(
            f"[green]✓[/] feedback for {sum(1 for f in feedback if f.files)} learners → "
            f"{course.root / course.coursedir.feedback_directory}"
        )
    scores = export_grades(course, output, assignments)
    print_summary(scores)
    console.print(f"[green]✓[/] grades: {Path(output)}")
    console.rule("[bold]feedback")
    feedback_demo(course.root, [c.learner for c in cohort], seed)


COHORT = "riverton-2026-fall"


def feedback_demo(course_root: Path, learners: list[str], seed: int) -> None:
    """The cohort's feedback loop on simulated survey exports: instruments, then reports in English and Spanish.

    A third of the learners answer the Spanish form (Microsoft Forms), the rest the English one (Google Forms).
    """
    from kit.cli.feedback import build_report
    from kit.data.syllabus import load_syllabus
    from kit.feedback.instruments import write_instruments
    from kit.feedback.simulated_surveys import simulate_attendance, simulate_post_survey
    from kit.plan.curriculum import plan_modules
    from kit.plan.schedule import session_dates
    from kit.plan.validate import load_spec

    spec_path = plans_dir() / "riverton.yaml"
    spec = load_spec(spec_path)
    syllabus = load_syllabus()
    skills = syllabus.skills_for([m.number for m in plan_modules(spec, syllabus)])
    root = output_dir() / "feedback"
    instruments = root / "instruments"
    write_instruments(spec.city, skills, list(spec.languages), instruments)
    console.print(f"[green]✓[/] survey instruments (pre, post, session; en + es) → {instruments}")
    spanish, english = learners[: len(learners) // 3], learners[len(learners) // 3 :]
    exports = root / "exports"
    surveys = [
        simulate_post_survey(exports / "post-google-en.csv", english, spec.city, skills, "en", "google", seed),
        simulate_post_survey(exports / "post-microsoft-es.csv", spanish, spec.city, skills, "es", "microsoft", seed),
    ]
    attendance = simulate_attendance(exports / "attendance.csv", learners, session_dates(spec.sprint), seed)
    console.print(f"[green]✓[/] simulated survey exports and attendance → {exports}")
    mappings = [instruments / "mapping-post.en.yaml", instruments / "mapping-post.es.yaml"]
    outputs = {lang: root / f"report.{lang}" for lang in spec.languages}
    analysis, reports = build_report(
        cohort=COHORT,
        surveys=surveys,
        mappings=mappings,
        attendance=attendance,
        plan=spec_path,
        course=course_root,
        log=root / "you-said-we-did.sqlite",
        outputs=outputs,
    )
    for lang, files in zip(outputs, reports):
        console.print(f"[green]✓[/] feedback report ({lang}): {files.html}")
    console.print(
        f"  {analysis.respondents} responses, {len(analysis.requests)} dataset requests, "
        f"{len(analysis.recommendations)} recommendations; backlog: {reports[0].backlog}"
    )
