"""Socrata-style dataset ids ("four-by-fours") for the datasets the portal serves.

A real portal names every dataset by eight letters and digits in two groups of
four (``erm2-nwe9`` is NYC 311). The local portal makes one from the dataset's
name, so the same dataset keeps the same id on every machine and every run.
"""

from __future__ import annotations

import hashlib

__all__ = ["four_by_four"]

# Socrata's alphabet: lower-case letters and digits without the look-alikes 0, 1, l and o
_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"


def four_by_four(name: str) -> str:
    """The stable four-by-four id of a dataset name.

    The id is the first 40 bits of the name's SHA-256, eight characters of
    Socrata's 32-letter alphabet: the same name always gets the same id.

    Parameters
    ----------
    name
        The dataset's name, e.g. ``"service_requests"``.

    Returns
    -------
    str
        ``"xxxx-xxxx"``.

    Examples
    --------
    >>> four_by_four("service_requests")
    '2wvk-4vcn'
    """
    number = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:5], "big")
    letters = "".join(_ALPHABET[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"{letters[:4]}-{letters[4:]}"
