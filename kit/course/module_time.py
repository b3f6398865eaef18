"""How long a teaching notebook takes a newcomer: the model behind the syllabus's teaching minutes.

A learner new to code reads the prose while following the code beside it, runs every cell and looks at
what it shows, and works the "try it" cells — editing given code, or writing new code from a blank cell.
The model adds those up::

    minutes = words / WORDS_PER_MINUTE + code cells x RUN_MINUTES
              + try-its that edit given code x EDIT_MINUTES + blank try-its x BLANK_MINUTES

``WORDS_PER_MINUTE`` is about half an adult's silent reading pace of plain prose (~240 words a minute):
instructions read while doing them, in a field new to the reader. The prose counted is what a learner
reads: markdown without code blocks and without the hidden solutions of the try-its (``<details>``).

A module longer than one sitting (:data:`SITTING_MINUTES`) is split in two by a *break* cell (a markdown
cell starting with :data:`BREAK`): a good place to stop, with how to pick up again. Each part must fit in
one sitting. The syllabus (``modules/syllabus.yaml``) states the minutes; ``tests/notebooks`` holds every
module, in every language, to them with this model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from kit.pages import read_catalog

__all__ = ["BREAK", "SITTING_MINUTES", "ModuleTime", "is_blank", "module_time", "try_it_marker"]

WORDS_PER_MINUTE = 120
RUN_MINUTES = 0.5
EDIT_MINUTES = 3
BLANK_MINUTES = 6
SITTING_MINUTES = 60
BREAK = "### ☕"
MESSAGES_DIR = Path(__file__).with_name("messages")


def try_it_marker(lang: str) -> str:
    """The first line of a try-it cell in ``lang`` (``try_it.marker`` in the language's catalog)."""
    return read_catalog(MESSAGES_DIR, lang)["try_it.marker"]


_HIDDEN = re.compile(r"<details>.*?</details>|```.*?```", re.S)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class ModuleTime:
    """A notebook's minutes for a newcomer, in total and per part (split at its break cells)."""

    parts: tuple[float, ...]

    @property
    def total(self) -> float:
        return sum(self.parts)


def is_blank(source: str) -> bool:
    """A try-it cell with nothing but comments: the learner writes the code."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in source.splitlines())


def cell_minutes(cell, lang: str) -> float:
    """One cell's minutes: its prose read, or the code run, edited or written."""
    if cell.cell_type == "markdown":
        return len(_WORD.findall(_HIDDEN.sub(" ", cell.source))) / WORDS_PER_MINUTE
    if cell.cell_type != "code":
        return 0.0
    if cell.source.startswith(try_it_marker(lang)):
        return BLANK_MINUTES if is_blank(cell.source) else EDIT_MINUTES
    return RUN_MINUTES


def module_time(notebook: nbformat.NotebookNode, lang: str) -> ModuleTime:
    """The newcomer's minutes of ``notebook`` (a teaching module in ``lang``), part by part."""
    parts = [0.0]
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith(BREAK):
            parts.append(0.0)
        parts[-1] += cell_minutes(cell, lang)
    return ModuleTime(tuple(parts))
