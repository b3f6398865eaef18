"""Errors the sign-up and engagement steps report (see :mod:`kit.analysis.engagement`).

They derive from :class:`kit.analysis.errors.AnalysisError`, itself a
:class:`kit.errors.KitError`, so notebooks and the CLI treat them like every other
mistake a user can make.
"""

from __future__ import annotations

from collections.abc import Iterable

from kit.analysis.errors import AnalysisError


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
