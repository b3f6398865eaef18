"""The usual gender of the first names in :mod:`kit.data.synth.names`.

The name pools carry no gender; generators that need one (a voter file's
``gender_code``, what a person writes in a sign-in sheet's gender box) look it up
here so every table agrees.
"""

from __future__ import annotations

FEMININE_FIRST_NAMES = frozenset(
    name.upper()
    for name in (
        "Ana",
        "Maria",
        "Aisha",
        "Rosa",
        "Mei",
        "Fatima",
        "Keisha",
        "Linh",
        "Sarah",
        "Guadalupe",
        "Tanisha",
        "Emily",
        "Yesenia",
        "Nadia",
        "Sofia",
        "Lucia",
        "Grace",
        "Hannah",
        "Carmen",
        "Alejandra",
        "Priya",
        "Elena",
        "Ximena",
        "Julia",
        "Veronica",
        "Laura",
    )
)


def is_feminine(first_name: str) -> bool:
    """Whether a pool first name is usually a woman's (case-insensitive)."""
    return first_name.upper() in FEMININE_FIRST_NAMES
