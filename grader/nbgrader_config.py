"""nbgrader configuration for the kit's course.

Start the formgrader from this folder (`cd grader && jupyter lab`) or let
`kit grade …` drive nbgrader in-process; both read this file.

The assignments' source notebooks live in ../exercises (one folder per module);
release/, submitted/, autograded/, feedback/ and gradebook.db are created here
and are git-ignored.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "civic-data-training-kit"
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = os.path.join("..", "exercises")
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

# Late submissions: see kit/grading; the course has no deadline by default.

# Feedback never shows hidden tests: strip them, and cut test tracebacks (which
# quote the failing line) to the message written for the learner.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from kit.grading.preprocessors import HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
