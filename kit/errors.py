"""One error tree for the whole kit.

Every error a user can cause derives from :class:`KitError`. Each carries the
fields a user needs to fix the problem, and its message says what to do. The CLI
alone turns these into a one-line message and a non-zero exit code.
"""

from __future__ import annotations


class KitError(Exception):
    """Base class for every error the kit reports to a user.

    Parameters
    ----------
    message
        What went wrong, in one sentence.
    hint
        Optional: how to fix it.
    """

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")


class DatasetError(KitError):
    """A dataset is unknown, missing, corrupt or does not match its catalog entry."""

    def __init__(self, message: str, *, dataset: str | None = None, hint: str | None = None):
        self.dataset = dataset
        super().__init__(message, hint=hint)


class CatalogError(DatasetError):
    """The dataset catalog file itself is malformed."""


class QueryError(DatasetError):
    """A SoQL query is malformed, names a column the dataset lacks, or mixes types.

    Parameters
    ----------
    message
        What is wrong with the query, in Socrata's words where it has them
        (``No such column: foo``).
    code
        Socrata's error code: ``query.compiler.malformed``,
        ``query.soql.no-such-column``, ``query.soql.no-such-function`` or
        ``query.soql.type-mismatch``.
    dataset
        The dataset queried, when known.
    position
        Where in the clause parsing stopped, as ``(line, character)``, for malformed queries.
    hint
        How to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        dataset: str | None = None,
        position: tuple[int, int] | None = None,
        hint: str | None = None,
    ):
        self.code = code
        self.position = position
        super().__init__(message, dataset=dataset, hint=hint)


class PortalError(DatasetError):
    """An open-data portal (Socrata) refused a request, failed, or could not be reached.

    Parameters
    ----------
    message
        What went wrong, naming the domain, the dataset and the HTTP status.
    domain
        The portal's domain, e.g. ``data.cityofnewyork.us`` or ``127.0.0.1:8080``.
    dataset
        The dataset id (four-by-four), when the request was about one.
    status
        The last HTTP status, or ``None`` when no answer came (connection refused, timeout).
    code
        Socrata's error code from the answer's body, e.g. ``query.soql.no-such-column``.
    hint
        How to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        domain: str,
        dataset: str | None = None,
        status: int | None = None,
        code: str | None = None,
        hint: str | None = None,
    ):
        self.domain = domain
        self.status = status
        self.code = code
        super().__init__(message, dataset=dataset, hint=hint)


class CourseError(KitError):
    """The nbgrader course (grader/) is missing or misconfigured."""


class AssignmentError(CourseError):
    """An assignment is unknown or its source notebooks are broken."""

    def __init__(self, message: str, *, assignment: str | None = None, hint: str | None = None):
        self.assignment = assignment
        super().__init__(message, hint=hint)


class SubmissionError(KitError):
    """A learner's submission cannot be collected or graded."""

    def __init__(self, message: str, *, learner: str | None = None, hint: str | None = None):
        self.learner = learner
        super().__init__(message, hint=hint)


class GradingError(CourseError):
    """nbgrader failed on a step that is not one learner's fault."""


class IsolationUnavailableError(GradingError):
    """Learners' code would run without the sandbox's full isolation: nobody is graded
    unless the trainer explicitly allows it (``kit grade autograde --allow-unisolated``).

    Parameters
    ----------
    message
        What is missing, in one sentence.
    problems
        One line per missing measure: what it means and how to turn it on.
    hint
        How to fix it, and the override.
    """

    def __init__(self, message: str, *, problems: list[str] | None = None, hint: str | None = None):
        self.problems = list(problems or [])
        super().__init__(message, hint=hint)


class SpecError(KitError):
    """A plan spec has mistakes: every one of them, each naming its field and line.

    Parameters
    ----------
    path
        The spec file.
    problems
        One line per mistake, ``"<file>:<line>: <field.path>: <what is wrong>"``.
    """

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        noun = "mistake" if len(problems) == 1 else "mistakes"
        super().__init__(f"{path}: {len(problems)} {noun}:\n" + "\n".join(f"  {p}" for p in problems))
