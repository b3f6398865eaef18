"""Render a template notebook for a city: Jinja2 text in every cell, numbers in the city's language.

A template is an ordinary notebook whose cell sources are Jinja2 templates. Its
first code cell is tagged ``parameters`` (the papermill convention) and holds
the city's parameters; prose states the city's facts with ``{{ facts.… }}``;
a step the city's data cannot support renders one sentence saying why. A cell
that renders to empty text is dropped. A name the context does not have is an
error naming the cell and the name, never a blank in the notebook.

Filters available in templates:

- ``num`` -- a number in the language's style: ``4,695``; ``num(1)`` keeps one
  decimal: ``45.6`` (the Spanish course writes numbers as Mexico does, like its prose).
- ``pct`` -- a share (0.06) as a whole percentage: ``6%``; ``pct(1)`` keeps one decimal: ``35.8%``.
- ``day`` -- an ISO date as the language writes it: ``February 28, 2023`` / ``28 de febrero de 2023``
  / ``28 de fevereiro de 2023``.
- ``py`` -- a Python literal of the value, for code cells (``"HEAT/HOT WATER"``).
- ``names`` -- a list joined as prose: ``A, B and C`` / ``A, B y C`` / ``A, B e C``.
- ``months`` -- month numbers as names, joined as prose: ``December, January and November``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import jinja2
import nbformat

from kit.data.months import MONTH_NAMES, write_day
from kit.errors import CourseError
from kit.languages import REFERENCE, available_languages
from kit.pages import read_catalog

__all__ = ["MONTHS", "format_number", "join_names", "render_notebook", "render_text"]

MESSAGES_DIR = Path(__file__).with_name("messages")  # number.* and list.and in each language's catalog
MONTHS = MONTH_NAMES  # month names per language (kit.data.months)


def format_number(value: float | int, digits: int = 0, lang: str = "en") -> str:
    """``value`` with thousands separators and ``digits`` decimals, in the style of ``lang``.

    Examples
    --------
    >>> format_number(4695, lang="es")
    '4,695'
    >>> format_number(45.63, 1)
    '45.6'
    >>> format_number(4695.5, 1, lang="pt")
    '4.695,5'
    """
    words = _words(lang)
    thousands, decimal = words["number.thousands"], words["number.decimal"]
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def join_names(items: list, lang: str = "en") -> str:
    """A list as prose: ``A, B and C`` (English), ``A, B y C`` (Spanish), ``A, B e C`` (Portuguese)."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_words(lang)['list.and']} {items[-1]}"


def _words(lang: str) -> dict[str, str]:
    """The course catalog of ``lang`` (English for a language the kit does not have)."""
    return read_catalog(MESSAGES_DIR, lang if lang in available_languages() else REFERENCE)


def _percent(share: float, lang: str, digits: int = 0) -> str:
    """A share as a percentage, with decimals only where rounding would say 0% or 100% of something else."""
    while digits < 2 and 0 < share < 1 and round(100 * share, digits) in (0, 100):
        digits += 1
    return format_number(100 * share, digits, lang) + "%"


def _day(iso: str, lang: str) -> str:
    """``2023-02-28`` as ``February 28, 2023`` (English) or ``28 de febrero de 2023`` (Spanish): ``date.day``
    in the language's data catalog."""
    return write_day(date.fromisoformat(str(iso)), lang)


def _environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)
    env.filters["num"] = lambda value, digits=0: format_number(value, digits, lang)
    env.filters["pct"] = lambda share, digits=0: _percent(share, lang, digits)
    env.filters["day"] = lambda iso: _day(iso, lang)
    env.filters["py"] = repr
    env.filters["names"] = lambda items: join_names(items, lang)
    env.filters["months"] = lambda numbers: join_names([MONTHS[lang][n - 1] for n in numbers], lang)
    return env


def render_text(source: str, context: dict, *, lang: str = "en", where: str = "template") -> str:
    """Render one Jinja2 text with ``context``; a missing name raises :class:`CourseError` naming ``where``."""
    env = _environment(lang)
    try:
        return env.from_string(source).render(**context).strip()
    except jinja2.UndefinedError as exc:
        raise CourseError(
            f"{where}: the template uses a name the city's facts do not have ({exc.message})",
            hint="add the fact to kit.course.facts or guard the sentence with {% if … %}",
        ) from None
    except jinja2.TemplateError as exc:
        raise CourseError(
            f"{where}: the template is not valid Jinja2 ({exc})", hint="fix the cell's template text"
        ) from None


def render_notebook(template: Path, context: dict, *, lang: str = "en") -> nbformat.NotebookNode:
    """The notebook ``template`` rendered with ``context``: empty outputs, empty cells dropped.

    Parameters
    ----------
    template
        A notebook whose cell sources are Jinja2 templates.
    context
        The names the templates use (``city``, ``params``, ``facts``…).
    lang
        The language numbers, lists and dates are written in: a code the kit has (``"en"``, ``"es"``, ``"pt"``…).

    Returns
    -------
    nbformat.NotebookNode
        A new notebook (nbformat 4) without outputs or execution counts.

    Raises
    ------
    CourseError
        When a cell uses a name the context lacks (the message names the cell
        and the name) or is not valid Jinja2.
    """
    source = nbformat.read(template, as_version=4)
    cells = []
    for index, cell in enumerate(source.cells):
        text = render_text(cell.source, context, lang=lang, where=f"{template.name} cell {index}")
        if not text:
            continue
        metadata = dict(cell.metadata)
        if cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(text, metadata=metadata))
        elif cell.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(text, metadata=metadata))
        else:
            cells.append(nbformat.v4.new_raw_cell(text, metadata=metadata))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    for number, cell in enumerate(notebook.cells):  # stable ids: the same city renders the same file
        cell["id"] = f"cell-{number:03d}"
    notebook.nbformat, notebook.nbformat_minor = 4, 5  # cell ids need 4.5
    return notebook
