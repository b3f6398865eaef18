"""Retrying a call to an open-data portal: exponential backoff with jitter, honouring Retry-After.

What is retried: HTTP 429 (throttled) and every 5xx, a refused or dropped connection, a timeout,
and an answer cut off mid-body. Anything else (a 400 for bad SoQL, a 403, a 404) is an answer,
not a hiccup, and is reported at once. The number of attempts is bounded; the last failure
becomes one :class:`~kit.errors.PortalError` naming the domain, the dataset and the status.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests

from kit.errors import PortalError

__all__ = ["RetryPolicy", "call_with_retries", "retry_after_seconds"]

T = TypeVar("T")
_RETRIED_STATUS = frozenset({429, 500, 502, 503, 504, 520, 522, 524})
# no answer, or half of one: a refused or dropped connection, a timeout, a body cut off
_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.JSONDecodeError,
)


@dataclass
class RetryPolicy:
    """How often and how long to wait before asking a portal again.

    Parameters
    ----------
    retries
        Attempts after the first (``5``: at most six requests).
    backoff
        The first wait in seconds; each later wait doubles, up to ``max_wait``.
    max_wait
        The longest wait, backoff or ``Retry-After`` alike; a portal asking for more is
        reported at once rather than waited for.
    sleep, random
        Injectable for tests (a clock that records instead of sleeping, a seeded generator).

    Examples
    --------
    >>> policy = RetryPolicy(backoff=1.0, random=lambda: 0.5)
    >>> [policy.wait(attempt) for attempt in range(4)]
    [0.75, 1.5, 3.0, 6.0]
    >>> policy.wait(0, retry_after=7.0)
    7.0
    """

    retries: int = 5
    backoff: float = 0.5
    max_wait: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt`` (0-based): the portal's ``Retry-After``
        when it gave one, else ``backoff * 2**attempt`` with "equal jitter" (half fixed, half random),
        so that many clients throttled together do not come back together."""
        if retry_after is not None:
            return min(retry_after, self.max_wait)
        ceiling = min(self.backoff * 2**attempt, self.max_wait)
        return ceiling / 2 + ceiling / 2 * self.random()


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: the header is a number of seconds or an HTTP date.

    Examples
    --------
    >>> retry_after_seconds("3")
    3.0
    >>> retry_after_seconds("Wed, 21 Oct 2026 07:28:05 GMT", now=datetime(2026, 10, 21, 7, 28, tzinfo=UTC))
    5.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _socrata_body(response: requests.Response) -> tuple[str | None, str | None]:
    """Socrata's ``code`` and ``message`` from an error body, when it has them."""
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    return body.get("code") or body.get("errorCode"), body.get("message")


def _failure(exc: Exception, *, domain: str, dataset: str | None, attempts: int) -> PortalError:
    """The one error reported for the last failed attempt."""
    about = f"{domain}, dataset {dataset}" if dataset else domain
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    response = getattr(exc, "response", None)
    if response is None:
        kinds = {requests.Timeout: "timed out", requests.JSONDecodeError: "answered with a broken JSON body"}
        kind = next((word for cls, word in kinds.items() if isinstance(exc, cls)), "could not be reached")
        return PortalError(
            f"{about}: the portal {kind}{tried}",
            domain=domain,
            dataset=dataset,
            hint="check the domain (a local portal: `kit portal serve`) and your network",
        )
    code, message = _socrata_body(response)
    status = response.status_code
    said = f": {message}" if message else f" {response.reason}"
    hints = {
        429: "the portal is throttling requests: wait, or set SOCRATA_APP_TOKEN for a higher limit",
        403: "the dataset may be private, or SOCRATA_APP_TOKEN is not valid for this portal",
        404: "check the dataset id (four-by-four, e.g. erm2-nwe9) with `kit data search`",
        400: "check the query's SoQL ($select, $where, $order) and column names",
    }
    hint = hints.get(status, "the portal is failing; try again later" if status >= 500 else None)
    asked = response.headers.get("Retry-After")
    note = f" (Retry-After: {asked})" if asked else ""
    return PortalError(
        f"{about}: HTTP {status}{said}{tried}{note}",
        domain=domain,
        dataset=dataset,
        status=status,
        code=code,
        hint=hint,
    )


def _retry_wait(exc: Exception, attempt: int, policy: RetryPolicy) -> float | None:
    """Seconds to wait before trying again, or ``None`` when ``exc`` is not worth retrying."""
    response = getattr(exc, "response", None)
    if response is None:
        return policy.wait(attempt) if isinstance(exc, _TRANSIENT) else None
    if response.status_code not in _RETRIED_STATUS and response.status_code < 500:
        return None
    asked = retry_after_seconds(response.headers.get("Retry-After"))
    if asked is not None and asked > policy.max_wait:
        return None  # waiting that long is the user's call, not the client's
    return policy.wait(attempt, asked)


def call_with_retries(call: Callable[[], T], policy: RetryPolicy, *, domain: str, dataset: str | None = None) -> T:
    """``call()``, tried again after a transient failure as ``policy`` says; then a :class:`PortalError`.

    ``call`` raises :class:`requests.HTTPError` (with its ``response``) for an error status, as
    sodapy does, or a :mod:`requests` connection error or timeout.
    """
    for attempt in range(policy.retries + 1):
        try:
            return call()
        except requests.RequestException as exc:
            wait = _retry_wait(exc, attempt, policy)
            if wait is None or attempt == policy.retries:
                raise _failure(exc, domain=domain, dataset=dataset, attempts=attempt + 1) from None
            policy.sleep(wait)
    raise AssertionError("unreachable")  # the loop returns or raises
