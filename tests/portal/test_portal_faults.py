"""Injected faults: throttling (429 + Retry-After), random 500s, latency."""

from __future__ import annotations

import time

import pytest
import requests

from kit.errors import KitError
from kit.portal import serve_in_thread
from kit.portal.faults import Faults


def test_the_throttle_counts_a_sliding_window_and_says_how_long_to_wait():
    now = [100.0]
    faults = Faults(throttle=2, clock=lambda: now[0])
    assert faults.check() is None and faults.check() is None
    refused = faults.check()
    assert refused.status == 429 and refused.headers == {"Retry-After": "60"}
    assert refused.body["error"] is True and refused.body["code"] == "too_many_requests"
    now[0] += 59.5  # the first answer leaves the window in half a second: wait 1 s
    assert faults.check().headers == {"Retry-After": "1"}
    now[0] += 0.5
    assert faults.check() is None  # a refused request does not count


def test_fail_rate_draws_from_the_seed():
    one, two = Faults(fail_rate=0.5, seed=7), Faults(fail_rate=0.5, seed=7)
    draws = [one.check() for _ in range(40)]
    assert [d is None for d in draws] == [two.check() is None for _ in range(40)]
    assert {d.status for d in draws if d} == {500} and 5 < draws.count(None) < 35


@pytest.mark.parametrize("bad", [{"throttle": 0}, {"fail_rate": 1.5}, {"latency_ms": -1}])
def test_impossible_faults_are_refused(bad):
    with pytest.raises(KitError):
        Faults(**bad)


def test_a_throttled_portal_answers_429_with_retry_after_then_lets_the_client_in():
    with serve_in_thread(throttle=2, throttle_window_s=1.0) as portal:
        url = f"{portal.url}/api/views/{portal.datasets['events']}.json"
        assert [requests.get(url, timeout=10).status_code for _ in range(2)] == [200, 200]
        refused = requests.get(url, timeout=10)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert refused.json()["error"] is True
        time.sleep(float(refused.headers["Retry-After"]))
        assert requests.get(url, timeout=10).status_code == 200


def test_a_failing_portal_answers_socratas_500(wire):
    with serve_in_thread(fail_rate=1.0) as portal:
        answer = requests.get(f"{portal.url}/resource/{portal.datasets['events']}.json", timeout=10)
        assert answer.status_code == 500
        assert answer.json() == wire("koop-socrata_seattle_2015/filtered-count.json")


def test_some_requests_fail_and_the_same_seed_fails_the_same_ones():
    def statuses(seed: int) -> list[int]:
        with serve_in_thread(fail_rate=0.5, seed=seed) as portal:
            url = f"{portal.url}/api/catalog/v1"
            return [requests.get(url, timeout=10).status_code for _ in range(30)]

    first = statuses(3)
    assert set(first) == {200, 500} and first == statuses(3)


def test_latency_delays_every_answer():
    with serve_in_thread(latency_ms=300) as portal:
        started = time.monotonic()
        requests.get(f"{portal.url}/api/catalog/v1", timeout=10)
        assert time.monotonic() - started >= 0.3
