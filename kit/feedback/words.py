"""Words of free-text answers, the same way in every language.

Learners write "Rápido", "rapido" and "RÁPIDO"; the analyses of comments
(:mod:`kit.feedback.themes`) and of dataset requests (:mod:`kit.feedback.requests`)
must see one word. Everything here is plain and deterministic, and folds text
the kit's one way (:mod:`kit.data.text`: case and accents go, ``"Población"`` is
``"poblacion"``; ``ñ`` becomes ``n``, as it does when people type without a
Spanish keyboard):

- :func:`words` — the folded words of a text, in order.
- :func:`is_non_answer` — ``"n/a"``, ``"none"``, ``"nada"``, ``"no sé"``, ``"não sei"``,
  ``"-"`` and the like: answers that say nothing, in every available language (the survey
  catalogs' ``read.non_answers``, :func:`kit.feedback.form_names.sheet_words`).
"""

from __future__ import annotations

import re

from kit.data.text import fold, fold_words

__all__ = ["is_non_answer", "words"]

_WORD = re.compile(r"[^\W_]+")


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
    from kit.feedback.form_names import sheet_words  # the survey catalogs, read when first needed

    return fold_words(text) in sheet_words().non_answers
