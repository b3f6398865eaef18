"""nbgrader configuration for the kit's course.

Start the formgrader from this folder (`cd grader && jupyter lab`) or let
`kit grade …` drive nbgrader in-process; both read this file. `kit course new DIR`
copies it, unchanged, into every course folder it makes.

The assignments' source notebooks live in ../exercises (one folder per module;
kit-course.yaml says where); release/, submitted/, autograded/, feedback/ and
gradebook.db are created here and are git-ignored.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

here = os.path.dirname(os.path.abspath(__file__))

# The course folder's marker (kit-course.yaml) names the course and where its
# exercises are: `exercises: ../exercises` here, `exercises` in a folder made by
# `kit course new`. Without a marker: the checkout's layout.
import yaml  # noqa: E402

marker = os.path.join(here, "kit-course.yaml")
course = {}
if os.path.isfile(marker):
    with open(marker, encoding="utf-8") as f:
        course = yaml.safe_load(f) or {}
    default_source = "exercises"
else:
    default_source = os.path.join("..", "exercises")

c.CourseDirectory.course_id = course.get("course_id") or "civic-data-training-kit"
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = course.get("exercises") or default_source
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")

# Only notebooks and data files travel with an assignment: never text twins
# (.py/.md), which would carry solutions into the release.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py", "*.md", "*.txt", ".*",
]

# A learner's cell that runs longer than this is stopped (seconds).
c.ExecutePreprocessor.timeout = 60
# Grading kernels log errors only (ipykernel otherwise warns once per notebook
# that its local connection is unencrypted).
c.ExecutePreprocessor.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
# Cap what one cell may print into a graded notebook.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Late submissions (kit/grading/late.py). An assignment has a deadline once it is
# released with one (`kit grade release ASSIGNMENT --due 2026-10-07T17:00`) or set in
# formgrader; within the grace period nothing is taken off, then a percentage of the
# score per started day late, up to a cap. nbgrader's own AssignLatePenalties step
# applies it, so formgrader shows the penalty next to the score.
from kit.grading.late import GracePeriodPenalty  # noqa: E402

c.AssignLatePenalties.plugin_class = GracePeriodPenalty
c.GracePeriodPenalty.grace_hours = 24
c.GracePeriodPenalty.percent_per_day = 10
c.GracePeriodPenalty.max_percent = 50

# Feedback never shows hidden tests: strip them, and cut test tracebacks (which
# quote the failing line) to the message written for the learner.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from kit.grading.preprocessors import HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]

# Feedback pages load nothing from the network (nbconvert's MathJax comes from a CDN: offline the page
# errors, online it runs third-party code next to the learner's notebook): the kit's templates first,
# then nbgrader's own feedback template.
from kit.grading.feedback import FEEDBACK_TEMPLATES  # noqa: E402

c.HTMLExporter.extra_template_basedirs = FEEDBACK_TEMPLATES

# Answer stubs in the notebook's language (kit/grading/preprocessors.py, the words in
# kit/grading/messages/<lang>.yaml): Spanish exercises are released with "# ESCRIBE TU CÓDIGO AQUÍ",
# Portuguese ones with "# ESCREVA SEU CÓDIGO AQUI", English ones with nbgrader's own stubs; formgrader's Generate button uses the same steps as `kit grade release`.
from kit.grading.preprocessors import generate_assignment_steps  # noqa: E402

c.GenerateAssignment.preprocessors = generate_assignment_steps()

# Learner HTML never runs in the trainer's browser (kit/grading/sanitize.py): formgrader's
# submission page and the feedback above both render a learner's notebook with nbconvert's
# HTMLExporter, so every HTMLExporter first cleans the notebook's HTML outputs, raw cells and
# attachments (SanitizeLearnerHTML) and cleans the HTML its markdown renders to (SanitizedMarkdown).
from kit.grading.sanitize import SanitizedMarkdown, SanitizeLearnerHTML  # noqa: E402

c.HTMLExporter.preprocessors = [SanitizeLearnerHTML]
c.HTMLExporter.filters = {"markdown2html": SanitizedMarkdown}

# --- kit autograding sandbox (kit/grading/autograde.py, kit/grading/sandbox/) ---
# `kit grade autograde` runs each learner's notebook in a sandbox with these limits;
# what it isolates is in the README, "The grading sandbox". The time limit per cell
# is c.ExecutePreprocessor.timeout above (as in nbgrader).
c.SandboxExecute.notebook_seconds = 300    # whole notebook (seconds)
c.SandboxExecute.memory_mb = 3072          # memory of the notebook's process (MiB)
c.SandboxExecute.output_bytes = 1_000_000  # everything a notebook prints or displays (bytes)
c.SandboxExecute.processes = 32            # processes a notebook may run at once
c.SandboxExecute.file_mb = 100             # largest file a notebook may write (MiB)
c.SandboxExecute.tmp_files = 10_000        # files a notebook may create in its private /tmp and /dev/shm
c.SandboxExecute.workers = 0               # notebooks run at once (0: one per CPU core)
# A learner who deletes a test (or other locked) cell gets it back, with a note,
# instead of silently keeping that test's old grade or none (nbgrader's behaviour).
c.SandboxedAutograde.restore_tests = True
# --- end of the kit autograding sandbox ---
