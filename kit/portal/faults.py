"""Faults a portal can be told to inject, for teaching retries and for testing clients.

- ``throttle``: at most N answered requests in any window of a minute; the next ones get
  ``429 Too Many Requests`` with ``Retry-After`` (whole seconds until a slot frees).
- ``fail_rate``: that share of requests, drawn at random (seeded), get a ``500`` with the
  body a real portal sends (``{"error": true, "message": "Internal error", "status": 500}``).
- ``latency_ms``: every answer waits that long first.

A refused request does not count towards the throttle, so a client that waits as told
gets through.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from kit.errors import KitError

__all__ = ["Fault", "Faults"]

INTERNAL_ERROR = {"error": True, "message": "Internal error", "status": 500}


@dataclass(frozen=True)
class Fault:
    """An injected failure: the status, the Socrata-shaped body and extra headers to send."""

    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)


class Faults:
    """Decide, request by request, whether to delay and whether to fail.

    Parameters
    ----------
    throttle
        Requests allowed in any window of ``window_s`` seconds (``None``: no limit).
    fail_rate
        Share of requests answered with a 500, 0 to 1.
    latency_ms
        Delay before every answer, in milliseconds.
    seed
        Seed of the random draws of ``fail_rate`` (``None``: a different run each time).
    window_s
        The throttle's window (a minute, as Socrata's limits are counted; tests shorten it).
    clock
        Seconds, monotonic (injectable for tests).
    """

    def __init__(
        self,
        throttle: int | None = None,
        fail_rate: float = 0.0,
        latency_ms: int = 0,
        seed: int | None = None,
        *,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        if throttle is not None and throttle < 1:
            raise KitError(f"throttle must be at least 1 request a minute, not {throttle}")
        if not 0.0 <= fail_rate <= 1.0:
            raise KitError(f"fail rate must be between 0 and 1, not {fail_rate}", hint="0.2 fails one request in 5")
        if latency_ms < 0:
            raise KitError(f"latency must be 0 ms or more, not {latency_ms}")
        self.throttle, self.fail_rate, self.latency_ms = throttle, fail_rate, latency_ms
        self.window_s, self._clock = window_s, clock
        self._random = random.Random(seed)
        self._answered: deque[float] = deque()
        self._lock = threading.Lock()

    def describe(self) -> str:
        """The faults in one line, ``"none"`` without any (sent as the ``X-Kit-Portal-Faults`` header)."""
        parts = []
        if self.throttle is not None:
            parts.append(f"throttle={self.throttle}")
        if self.fail_rate:
            parts.append(f"fail-rate={self.fail_rate:g}")
        if self.latency_ms:
            parts.append(f"latency={self.latency_ms}ms")
        return "; ".join(parts) or "none"

    def check(self) -> Fault | None:
        """Wait the latency, then the fault to answer this request with, or ``None`` to answer it."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        with self._lock:
            if self.throttle is not None:
                now = self._clock()
                while self._answered and self._answered[0] <= now - self.window_s:
                    self._answered.popleft()
                if len(self._answered) >= self.throttle:
                    wait = max(1, math.ceil(self._answered[0] + self.window_s - now))
                    return _throttled(self.throttle, self.window_s, wait)
                self._answered.append(now)
            if self.fail_rate and self._random.random() < self.fail_rate:
                return Fault(500, INTERNAL_ERROR)
        return None


def _throttled(limit: int, window_s: float, wait: int) -> Fault:
    per = "a minute" if window_s == 60 else f"in {window_s:g} s"
    body = {
        "code": "too_many_requests",
        "error": True,
        "message": f"Too many requests: this portal answers {limit} {per}; retry after {wait} s",
    }
    return Fault(429, body, {"Retry-After": str(wait)})
