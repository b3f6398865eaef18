"""Words of free-text answers, the same way for English and Spanish.

Learners write "Rápido", "rapido" and "RÁPIDO"; the analyses of comments
(:mod:`kit.feedback.themes`) and of dataset requests (:mod:`kit.feedback.requests`)
must see one word. Everything here is plain and deterministic, and folds text
the kit's one way (:mod:`kit.data.text`: case and accents go, ``"Población"`` is
``"poblacion"``; ``ñ`` becomes ``n``, as it does when people type without a
Spanish keyboard):

- :func:`words` — the folded words of a text, in order.
- :func:`is_non_answer` — ``"n/a"``, ``"none"``, ``"nada"``, ``"no sé"``, ``"-"``
  and the like: answers that say nothing.
"""

from __future__ import annotations

import re

from kit.data.text import fold, fold_words

__all__ = ["NON_ANSWERS", "is_non_answer", "words"]

_WORD = re.compile(r"[^\W_]+")

# Answers that say nothing, as fold_words gives them (see is_non_answer).
NON_ANSWERS = frozenset(
    {
        "",
        "n a",
        "na",
        "none",
        "no",
        "nothing",
        "nope",
        "nothing else",
        "not sure",
        "no idea",
        "idk",
        "i don t know",
        "dont know",
        "don t know",
        "no comment",
        "no comments",
        "nil",
        "null",
        "nada",
        "ninguna",
        "ninguno",
        "ningun",
        "no se",
        "no lo se",
        "no sabria",
        "sin comentarios",
        "no tengo",
        "nada mas",
    }
)


def words(text: str) -> list[str]:
    """The folded words of ``text``: runs of letters and digits, in order.

    Punctuation, underscores and hyphens separate words (``"wi-fi"`` is
    ``["wi", "fi"]``, ``"turnout_score"`` is ``["turnout", "score"]``).

    Examples
    --------
    >>> words("¡Muy rápido! Wi-Fi, 311")
    ['muy', 'rapido', 'wi', 'fi', '311']
    """
    return _WORD.findall(fold(text))


def is_non_answer(text: str) -> bool:
    """Whether an answer says nothing (``"N/A"``, ``"none."``, ``"Nada"``, ``"no sé"``, ``"-"``).

    Examples
    --------
    >>> is_non_answer(" No sé "), is_non_answer("more maps")
    (True, False)
    """
    return fold_words(text) in NON_ANSWERS
