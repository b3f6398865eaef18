"""Errors the analysis steps report: a table without the column a step needs, a join that does not fit.

They derive from :class:`kit.errors.KitError`, so the CLI and notebooks treat them
like every other mistake a user can make, and each carries the fields a user needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from kit.errors import KitError


class AnalysisError(KitError):
    """An analysis step cannot run on the table it was given."""


class MissingColumnError(AnalysisError):
    """A table lacks a column that a step needs.

    Parameters
    ----------
    column
        The column that was asked for.
    table
        What the table is, in words (``"service requests"``).
    available
        The columns the table does have, to spot a spelling difference.
    parameter
        The keyword argument that names this column, so a city whose export
        spells it differently knows what to pass.
    """

    def __init__(self, column: str, *, table: str, available: Iterable[str] = (), parameter: str | None = None):
        self.column = column
        self.table = table
        self.available = [str(c) for c in available]
        self.parameter = parameter
        shown = ", ".join(self.available[:12]) + (", ..." if len(self.available) > 12 else "")
        hint = f"its columns are: {shown}" if self.available else None
        if parameter:
            hint = f"if your export calls it something else, pass {parameter}='<your column>'" + (
                f"; {hint}" if hint else ""
            )
        super().__init__(f"the {table} table has no column '{column}'", hint=hint)


class JoinError(AnalysisError):
    """Two tables do not join the way a step needs (missing or repeated keys).

    Parameters
    ----------
    message
        What does not fit.
    keys
        The key values concerned, for a user to look up.
    """

    def __init__(self, message: str, *, keys: Iterable[object] = (), hint: str | None = None):
        self.keys = list(keys)
        super().__init__(message, hint=hint)


class MappingError(AnalysisError):
    """A category mapping table cannot be used as it is.

    Parameters
    ----------
    message
        What is wrong with the table, in one sentence.
    values
        The values concerned (a missing column, a blank category...), to look up.
    hint
        How to fix it.
    """

    def __init__(self, message: str, *, values: Iterable[object] = (), hint: str | None = None):
        self.values = list(values)
        super().__init__(message, hint=hint)


class ZeroDayClosuresWarning(UserWarning):
    """Many requests were closed the moment they were opened (closed date = created date).

    Usually a sign of how a city records closures (dates without times, requests
    closed in bulk or on creation), not of instant service: a median of 0 days
    says little about how fast the city responds.
    """
