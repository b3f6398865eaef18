"""A local Socrata-compatible portal: the kit's datasets behind real SODA endpoints.

Learners practise real SODA calls (sodapy, the kit's client, a browser) with no
network: ``kit portal serve`` serves the bundled datasets, and any folder of
CSV/GeoJSON files with cards, under stable four-by-four ids on 127.0.0.1, with
SoQL answered by :mod:`kit.data.soql`. Faults (throttling, random failures,
latency) can be switched on to teach retries.

- :mod:`kit.portal.ids`: four-by-four ids from dataset names
- :mod:`kit.portal.store`: the served datasets, loaded into the SoQL engine
- :mod:`kit.portal.wire`: rows as SODA's JSON, CSV and GeoJSON
- :mod:`kit.portal.views`: view metadata and the Discovery API's catalog
- :mod:`kit.portal.faults`: throttle, fail rate, latency
- :mod:`kit.portal.handler`: the HTTP endpoints
- :mod:`kit.portal.running`: serving in the foreground, in a thread, or reusing one

This part imports only :mod:`kit.data` (and the shared :mod:`kit.errors`, :mod:`kit.paths`).
"""

from __future__ import annotations

from kit.portal.ids import four_by_four
from kit.portal.running import RunningPortal, serve_forever, serve_in_thread, start_portal

__all__ = ["RunningPortal", "four_by_four", "serve_forever", "serve_in_thread", "start_portal"]
