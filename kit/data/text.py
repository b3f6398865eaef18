"""Comparing text the way people write it: one folding for the whole kit.

Learners, survey respondents and sign-up sheets write the same thing many ways
("Población", "poblacion", "POBLACIÓN "). Everything in the kit that compares
free text goes through these two functions.

- :func:`fold` -- casefold and strip accents, nothing else;
- :func:`fold_words` -- :func:`fold`, then punctuation to spaces and whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "fold_words"]

_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Casefold ``text`` and strip its accents.

    Examples
    --------
    >>> fold("Más PRÁCTICA, año")
    'mas practica, ano'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_words(text: str) -> str:
    """A comparison key: :func:`fold`, punctuation turned into spaces, single spaces, no ends.

    Examples
    --------
    >>> fold_words("  Éclairage public / Street-lights ")
    'eclairage public street lights'
    >>> fold_words("Down_Town") == fold_words("down town")
    True
    """
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())
