"""Learner HTML never runs in the trainer's browser, nor in a learner's feedback.

formgrader's submission page and nbgrader's feedback both render a learner's
notebook with nbconvert's ``HTMLExporter``, which copies the notebook's HTML —
``display(HTML(...))`` outputs, SVG, JavaScript and widget outputs, raw cells,
the HTML inside markdown — into the page as it is. formgrader runs with the
trainer's Jupyter rights, so a script there could open a terminal. The course
config (``grader/nbgrader_config.py``) gives every ``HTMLExporter`` two steps:

- :class:`SanitizeLearnerHTML`, a preprocessor: HTML outputs and raw cells go
  through :func:`clean_html`; PNG and JPEG images stay (checked to be base64);
  SVG, JavaScript, widgets and any other kind of output are left out, with a
  line saying so; widget state, the "isolated" (iframe) flag, image metadata
  other than sizes and unusable nbgrader ids are dropped.
- :class:`SanitizedMarkdown`, the template's ``markdown2html`` filter: nbconvert
  renders the markdown (of cells, of ``display(Markdown(...))``, of a trainer's
  comment), then :func:`clean_html` cleans the HTML. Cleaning the rendered HTML
  rather than the markdown source also catches links written in markdown
  (``[x](javascript:...)``), which nbconvert's renderer passes through.

:func:`clean_html` is the policy, applied by ammonia (``nh3``): text, headings,
lists, tables, code, links to ``http(s)``/``mailto`` and images as PNG or JPEG
``data:`` URIs; no scripts, event handlers, styles, frames, forms, SVG or
MathML; classes only from a fixed list (code highlighting, ``dataframe``); ids
prefixed with ``learner-``, so they never collide with the page's own.

:func:`find_active_html` is the check ``kit grade feedback`` runs on each file
it writes: anything in the page's body that could still run code.
"""

from __future__ import annotations

import base64
import binascii
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from jinja2 import pass_context
from nbconvert.filters import markdown2html
from nbconvert.preprocessors import Preprocessor
from traitlets.config import LoggingConfigurable

ID_PREFIX = "learner-"
IMAGE_TYPES = ("image/png", "image/jpeg")
TEXT_TYPES = ("text/plain", "text/latex")  # shown escaped by the templates
MARKDOWN = "text/markdown"  # rendered through SanitizedMarkdown
LINK_SCHEMES = ("http", "https", "mailto")

TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
# Gone with everything inside them, not just their tags.
DROPPED_WITH_CONTENT = {"script", "style", "svg", "math", "iframe", "object", "embed", "noscript", "template"}
DROPPED_WITH_CONTENT |= {"textarea", "select", "title", "xmp", "noembed", "noframes", "frameset", "applet"}
ATTRIBUTES = {
    "*": {"title", "lang", "dir", "class"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "table": {"border"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "td": {"colspan", "rowspan", "align"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
# Pygments' token classes (code highlighting), nbconvert's heading links, pandas' tables:
# never the page's own (formgrader's "tabbable", Bootstrap's "navbar-fixed-top"...).
PYGMENTS_CLASSES = (
    "bp c c1 ch cm cp cpf cs dl err esc fm g gd ge ges gh gi go gp gr gs gt gu il k kc kd kn kp kr kt l ld m mb "
    "mf mh mi mo n na nb nc nd ne nf ni nl nn no nt nv nx o ow p pm py s s1 s2 sa sb sc sd se sh si sr ss sx vc "
    "vg vi vm w x hll"
)
ALLOWED_CLASSES = set(PYGMENTS_CLASSES.split()) | {"highlight", "anchor-link", "dataframe"}


def clean_html(html: str) -> str:
    """``html`` with only inert markup left (the policy is in this module's docstring).

    >>> clean_html('<b onclick="steal()">bold</b><script>steal()</script>')
    '<b>bold</b>'
    >>> clean_html('<a href="javascript:steal()">link</a> <a href="https://x.org">ok</a>')
    '<a rel="noopener noreferrer">link</a> <a href="https://x.org" rel="noopener noreferrer">ok</a>'
    """
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes={*LINK_SCHEMES, "data"},
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Links and images to safe places only; known classes only; ids (and links to them) prefixed."""
    if attribute == "class":
        return " ".join(name for name in value.split() if name in ALLOWED_CLASSES) or None
    if attribute == "id":
        return ID_PREFIX + value
    if attribute == "src":
        return value if tag == "img" and _is_inline_image(value) else None
    if attribute == "href":
        if value.startswith("#"):
            return "#" + ID_PREFIX + value[1:]
        return value if url_scheme(value) in LINK_SCHEMES else None
    return value


def url_scheme(url: str) -> str:
    """The scheme a browser would see in ``url`` (``""`` for a relative one), lower-case.

    Browsers ignore spaces, tabs, newlines and control characters in a scheme.

    >>> url_scheme(" JaVa\\tScript:alert(1)"), url_scheme("files/x.png"), url_scheme("#top")
    ('javascript', '', '')
    """
    squeezed = "".join(ch for ch in url if ch > " ")
    try:
        return urlsplit(squeezed).scheme.lower()
    except ValueError:
        return "unparsable"


def _is_inline_image(url: str) -> bool:
    """A ``data:`` URI holding a PNG or JPEG image in base64."""
    head, comma, payload = url.partition(",")
    return bool(comma) and head.lower() in {f"data:{t};base64" for t in IMAGE_TYPES} and _base64(payload) is not None


def _base64(text: str) -> str | None:
    """``text`` without whitespace if it is valid base64, else None."""
    squeezed = "".join(text.split())
    try:
        base64.b64decode(squeezed, validate=True)
    except (binascii.Error, ValueError):
        return None
    return squeezed


@pass_context  # jinja hands the filter the template's context (the cell, for its attachments)
class SanitizedMarkdown(LoggingConfigurable):
    """The ``markdown2html`` template filter: nbconvert's rendering, then :func:`clean_html`.

    Configured as ``c.HTMLExporter.filters = {"markdown2html": SanitizedMarkdown}``;
    nbconvert creates it with the exporter as its parent.
    """

    def __call__(self, context, source: str) -> str:
        render = getattr(self.parent, "markdown2html", None)
        html = render(context, source) if render else markdown2html(source)
        return clean_html(html)


class SanitizeLearnerHTML(Preprocessor):
    """Clean every part of a notebook a learner could write before it is rendered to HTML."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)  # widget state: rendered by a script from a CDN
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "raw":
            cell.source = clean_html(cell.source)
        if "attachments" in cell:
            cell.attachments = {name: _clean_attachment(bundle) for name, bundle in cell.attachments.items()}
        if cell.cell_type == "code":
            outputs = [_clean_output(output) for output in cell.get("outputs", [])]
            cell.outputs = [output for output in outputs if output is not None]
            if not isinstance(cell.get("execution_count"), int):
                cell.execution_count = None
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and not _is_safe_id(grade_id):
            del cell.metadata["nbgrader"]  # ids are written into the page unescaped
        return cell, resources


def _is_safe_id(grade_id) -> bool:
    return isinstance(grade_id, str) and all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in grade_id)


def _clean_attachment(bundle: dict) -> dict:
    """Its PNG and JPEG images; else an empty text, which nbconvert renders as an image the cleaner drops."""
    images = {mime: _base64(bundle[mime]) for mime in IMAGE_TYPES if isinstance(bundle.get(mime), str)}
    return {mime: payload for mime, payload in images.items() if payload is not None} or {"text/plain": ""}


def _clean_output(output):
    """The output with only what renders safely, or None for a kind the templates do not know."""
    kind = output.get("output_type")
    if kind in ("stream", "error"):
        return output  # shown as escaped text
    if kind not in ("display_data", "execute_result"):
        return None
    output.data = _clean_bundle(output.get("data", {}))
    output.metadata = _image_sizes(output.get("metadata", {}))
    return output


def _clean_bundle(data: dict) -> dict:
    """A mime bundle keeping clean HTML, text, markdown and base64 PNG/JPEG; a note names what was left out."""
    kept = {}
    for mime, value in data.items():
        text = "".join(value) if isinstance(value, list) else value
        if not isinstance(text, str):
            continue
        if mime == "text/html":
            kept[mime] = clean_html(text)
        elif mime in (*TEXT_TYPES, MARKDOWN):
            kept[mime] = text
        elif mime in IMAGE_TYPES and (payload := _base64(text)) is not None:
            kept[mime] = payload
    left_out = sorted(set(data) - set(kept))
    if left_out and not kept.keys() - {"text/plain"}:
        note = f"[{', '.join(left_out)} output not shown here]"
        kept["text/plain"] = f"{kept['text/plain']}\n{note}" if "text/plain" in kept else note
    return kept


def _image_sizes(metadata: dict) -> dict:
    """Only the numeric width and height of images: the rest of output metadata can change how it renders."""
    sizes = {}
    for mime in IMAGE_TYPES:
        entry = metadata.get(mime)
        if isinstance(entry, dict):
            size = {k: v for k, v in entry.items() if k in ("width", "height") and _is_number(v)}
            if size:
                sizes[mime] = size
    return sizes


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- the check on finished pages ---

ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "portal"}
ACTIVE_TAGS |= {"svg", "math", "noscript", "template", "style", "link", "meta"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background", "ping"}
URL_ATTRIBUTES |= {"srcset", "lowsrc", "dynsrc", "codebase", "longdesc", "usemap", "manifest", "icon", "cite"}
ACTIVE_STYLE = ("expression(", "javascript:", "behavior:", "-moz-binding", "@import")


def find_active_html(html: str) -> list[str]:
    """What in the body of ``html`` could run code in a browser, one description each.

    The page's head (before ``<body>``) is the template's: its scripts and styles
    are allowed; event handlers and unsafe URLs are looked for everywhere.

    >>> find_active_html('<html><head><script src="m.js"></script></head><body><b>ok</b></body></html>')
    []
    >>> find_active_html('<body><img src=x onerror=alert(1)><a href="javascript:x">a</a><script>x</script></body>')
    ['an onerror= attribute on <img>', 'a javascript: URL in <a href>', 'a <script> element']
    """
    finder = _ActiveContent()
    finder.feed(html)
    finder.close()
    return finder.found


class _ActiveContent(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        self.in_body = self.in_body or tag == "body"
        if self.in_body and tag in ACTIVE_TAGS:
            self.found.append(f"a <{tag}> element")
        for name, value in attrs:
            problem = _attribute_problem(tag, name, value or "")
            if problem:
                self.found.append(problem)

    handle_startendtag = handle_starttag


def _attribute_problem(tag: str, name: str, value: str) -> str | None:
    if name.startswith("on"):
        return f"an {name}= attribute on <{tag}>"
    if name == "srcdoc":
        return f"a srcdoc= attribute on <{tag}>"
    if tag == "meta" and name == "http-equiv" and value.strip().lower() == "refresh":
        return "a <meta> refresh"
    if name == "style" and any(bad in "".join(value.lower().split()).replace("\\", "") for bad in ACTIVE_STYLE):
        return f"a style that can run code on <{tag}>"
    if name in URL_ATTRIBUTES:
        scheme = url_scheme(value)
        if scheme not in ("", *LINK_SCHEMES) and not (scheme == "data" and _is_inline_image(value.strip())):
            return f"a {scheme}: URL in <{tag} {name}>"
    return None
