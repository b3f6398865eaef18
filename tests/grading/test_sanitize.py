"""Learner HTML never runs in the trainer's browser (nor in a learner's feedback).

A learner controls their notebook: its outputs (``display(HTML(...))``), its
markdown (the reflection), raw cells, attachments and metadata. formgrader's
submission page and ``kit grade feedback`` render it through nbconvert's
HTMLExporter; the course config cleans it (kit.grading.sanitize). A hostile
submission is autograded by the real kit autograder, then its feedback and the
page the real formgrader serves are read with an HTML parser: the learner's
markers never appear in a script element or in any attribute, and nothing
learner-made can run (no script, event handler, ``javascript:`` URL, iframe...).
An honest submission keeps its markdown formatting and its chart.
"""

from __future__ import annotations

import base64
import urllib.request
from html.parser import HTMLParser

import nbformat
import pytest
from helpers import ASSIGNMENT, fill_answers, read_nb, submit
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

from kit.grading import sanitize
from kit.grading.sanitize import SanitizedMarkdown, SanitizeLearnerHTML, clean_html, find_active_html

MARKER = "kitXss"  # in every attack: it must never reach a script element or an attribute
HOSTILE, HONEST = "hostile", "honest"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "svg", "math"}
ACTIVE_TAGS |= {"noscript"}  # a browser reads what follows as markup, an HTML parser as text

HOSTILE_CODE = """n_contacts = int(contacts["date_joined"].between("2025-04-01", "2025-06-30").sum())
from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML("<script>window.kitXss1 = 1</script><img src=x onerror=alert('kitXss2')><b>kit-visible-html</b>"))
display(HTML("<iframe src='https://example.org/kitXss3'></iframe><object data='kitXss4'></object>"
             "<embed src='kitXss5'><meta http-equiv='refresh' content='0;url=https://example.org/kitXss6'>"
             "<a href='data:text/html,kitXss7'>d</a><p style='width: expression(kitXss8)'>styled</p>"
             "<p style='background: url(javascript:kitXss9)'>styled</p>"))
display(HTML("<b>isolated</b>"), metadata={"isolated": True})
display(SVG("<svg xmlns='http://www.w3.org/2000/svg'><script>alert('kitXss11')</script><circle r='5'/></svg>"))
display(Javascript("window.kitXss13 = 1"))
display(Markdown("<img src=x onerror=alert(kitXss14)> [link](javascript:alert('kitXss15'))"))
display({"application/vnd.jupyter.widget-view+json": {"model_id": "kitXss16", "version_major": 2,
         "version_minor": 0}, "text/plain": "a widget"}, raw=True)
"""

HOSTILE_REFLECTION = """**Goal:** 150 members. REFLECTION-VISIBLE

<img src=x onerror=alert(kitXss20)> <a href="javascript:alert('kitXss21')">plan</a>
<iframe src="https://example.org/kitXss22"></iframe>

[a markdown link](javascript:alert('kitXss23')) and [another](JaVa&#x09;ScRiPt:alert('kitXss24'))

<svg><script>alert('kitXss25')</script></svg> <a href="files/javascript:alert('kitXss26')">files</a>
<details open ontoggle="alert('kitXss27')"><summary>more</summary>details</details>
<math><mtext><table><mglyph><style><img src=x onerror=alert(kitXss28)></style></mglyph></table></mtext></math>
<form action="javascript:alert('kitXss29')"><button formaction="javascript:alert('kitXss29')">go</button></form>
<meta http-equiv="refresh" content="0;url=javascript:alert('kitXss30')">
<p class="tabbable navbar-fixed-top" id="statusmessage">borrowed classes</p>
"""

HONEST_REFLECTION = """**Goal:** 150 members with a leadership role by June 30.

- Call every member who came to *two* events<br>and ask them to lead one
- Share the [city's open data portal](https://data.example.gov) at the next meeting

1. First step
2. Second step
"""

SVG_ATTACHMENT = "<svg xmlns='http://www.w3.org/2000/svg'><script>alert('kitXss40')</script></svg>"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="  # 1x1 pixel


class Page(HTMLParser):
    """Every element of a page: its tag, its attributes and (for script and style) its text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.text: list[str] = []
        self._open: dict | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": [(name, value or "") for name, value in attrs], "text": ""}
        self.elements.append(element)
        self._open = element if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data
        else:
            self.text.append(data)

    def scripts(self) -> list[dict]:
        return [e for e in self.elements if e["tag"] == "script"]

    def visible_text(self) -> str:
        return " ".join(self.text)


def _url_scheme(value: str) -> str:
    squeezed = "".join(ch for ch in value if ch > " ").lower()
    head, colon, _ = squeezed.partition(":")
    return head if colon and not any(ch in head for ch in "/?#") else ""


def assert_nothing_learner_made_runs(html: str, *, template_handlers: bool = False) -> Page:
    """The checks every rendered page passes, with an HTML parser walking every element and attribute."""
    page = Page(html)
    for element in page.elements:
        tag, attrs = element["tag"], element["attrs"]
        assert tag not in ACTIVE_TAGS - {"script"}, f"a <{tag}> element reached the page"
        if tag == "script":
            assert MARKER not in element["text"] + str(attrs), f"a learner's script reached the page: {element}"
            assert "widget" not in dict(attrs).get("type", ""), "a learner's widget state reached the page"
        if tag == "meta":
            assert dict(attrs).get("http-equiv", "").lower() != "refresh", "a meta refresh reached the page"
        for name, value in attrs:
            assert MARKER not in value, f"a learner's marker reached an attribute: <{tag} {name}={value!r}>"
            if name.startswith("on"):
                assert template_handlers, f"an event handler reached the page: <{tag} {name}={value!r}>"
            scheme = _url_scheme(value) if name in ("href", "src", "action", "formaction", "data") else ""
            assert scheme in ("", "http", "https", "mailto") or (
                tag == "img" and value.startswith(("data:image/png;base64,", "data:image/jpeg;base64,"))
            ), f"a {scheme}: URL reached the page: <{tag} {name}={value!r}>"
            if name == "style":
                assert "expression" not in value and "javascript" not in value, f"a style that runs code: {value!r}"
    return page


# --- the sanitizer on its own (fast) ---

ATTACKS = [
    "<script>alert('kitXss')</script>",
    "<img src=x onerror=alert('kitXss')>",
    "<a href=\"javascript:alert('kitXss')\">x</a>",
    "<a href=\"  JaVa&#x09;ScRiPt:alert('kitXss')\">x</a>",
    "<a href='vbscript:kitXss'>x</a>",
    "<a href='data:text/html;base64,a2l0WHNz'>x</a>",
    "<iframe src='https://example.org/kitXss'></iframe>",
    "<iframe srcdoc='<script>kitXss</script>'></iframe>",
    "<object data='kitXss'></object><embed src='kitXss'>",
    "<meta http-equiv='refresh' content='0;url=javascript:kitXss'>",
    "<svg><script>kitXss</script></svg>",
    "<svg onload='kitXss'><a xlink:href='javascript:kitXss'><text>t</text></a></svg>",
    "<p style='width: expression(kitXss)'>x</p>",
    "<p style='background: url(javascript:kitXss)'>x</p>",
    "<style>body { background: url(javascript:kitXss) }</style>",
    "<img src='data:image/svg+xml;base64,a2l0WHNz'>",
    "<a href='files/javascript:kitXss'>x</a>",
    "<form action='javascript:kitXss'><button formaction='javascript:kitXss'>x</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=kitXss></style></mglyph></table></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=kitXss>"></noscript>',
    "<details open ontoggle=kitXss><summary>x</summary></details>",
    "<base href='javascript:kitXss//'>",
    "<div data-toggle='collapse' data-target='kitXss'>x</div>",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_clean_html_leaves_nothing_that_runs(attack):
    cleaned = clean_html(attack)
    assert_nothing_learner_made_runs(f"<html><body>{cleaned}</body></html>")
    assert find_active_html(f"<html><body>{cleaned}</body></html>") == []


@pytest.mark.parametrize("attack", [a for a in ATTACKS if "data-toggle" not in a and "files/" not in a])
def test_the_feedback_check_flags_each_attack_left_in_place(attack):
    assert find_active_html(f"<html><head><script src='https://cdn.example/m.js'></script></head><body>{attack}</body>")


def test_the_feedback_check_accepts_the_templates_own_head_and_safe_content():
    page = (
        "<html><head><meta charset='utf-8'><script src='https://cdn.example/mathjax.js'></script>"
        "<script type='text/x-mathjax-config'>init()</script><style>p { color: red }</style></head>"
        f"<body><a name='top'></a><a href='#top'>top</a><img src='data:image/png;base64,{PNG}'>"
        "<a href='https://data.example.gov'>data</a><table><tr><td>1</td></tr></table></body></html>"
    )
    assert find_active_html(page) == []


def test_clean_html_keeps_tables_images_links_and_code_highlighting():
    html = (
        '<div><style scoped>.dataframe { color: red }</style><table border="1" class="dataframe">'
        "<thead><tr><th>ward</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table></div>"
        f'<img src="data:image/png;base64,{PNG}" alt="chart"><a href="https://data.example.gov">portal</a>'
        '<div class="highlight"><pre><span class="n">x</span> <span class="o">=</span></pre></div>'
        '<h2 id="Plan">Plan<a class="anchor-link" href="#Plan">¶</a></h2>'
    )
    page = Page(clean_html(html))
    tags = [e["tag"] for e in page.elements]
    assert {"table", "thead", "tbody", "tr", "th", "td", "img", "a", "pre", "span", "h2"} <= set(tags)
    attrs = {(e["tag"], name): value for e in page.elements for name, value in e["attrs"]}
    assert attrs["table", "class"] == "dataframe"
    assert attrs["img", "src"] == f"data:image/png;base64,{PNG}"
    assert attrs["span", "class"] in ("n", "o")
    assert attrs["h2", "id"] == "learner-Plan"  # a learner's ids never collide with formgrader's own
    assert ("a", "https://data.example.gov") in {(e["tag"], dict(e["attrs"]).get("href")) for e in page.elements}
    assert ("a", "#learner-Plan") in {(e["tag"], dict(e["attrs"]).get("href")) for e in page.elements}
    assert "color: red" not in clean_html(html)


def test_learner_markup_cannot_borrow_the_pages_classes():
    page = Page(clean_html('<p class="tabbable navbar-fixed-top btn">x</p><span class="k nb btn">y</span>'))
    classes = [dict(e["attrs"]).get("class") for e in page.elements]
    assert classes == [None, "k nb"]


def test_the_allowed_classes_are_pygments_token_classes():
    from pygments.token import STANDARD_TYPES

    assert {c for c in STANDARD_TYPES.values() if c} <= sanitize.ALLOWED_CLASSES


def _tree(html: str) -> list:
    page = Page(html)
    return [(e["tag"], sorted((n, v) for n, v in e["attrs"] if n != "rel")) for e in page.elements] + [
        " ".join("".join(page.text).split())
    ]


def _export(nb) -> str:
    c = Config()
    c.HTMLExporter.template_name = "classic"  # the template nbgrader's formgrade and feedback templates extend
    c.HTMLExporter.preprocessors = [SanitizeLearnerHTML]
    c.HTMLExporter.filters = {"markdown2html": SanitizedMarkdown}
    return HTMLExporter(config=c).from_notebook_node(nb)[0]


def test_an_honest_reflection_renders_the_same():
    from nbconvert.filters.markdown import markdown2html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(HONEST_REFLECTION)])
    page = Page(_export(nb))
    body = [e["tag"] for e in page.elements]
    for tag in ("strong", "em", "ul", "ol", "li", "br", "a"):
        assert tag in body
    assert _tree(clean_html(markdown2html(HONEST_REFLECTION))) == _tree(markdown2html(HONEST_REFLECTION))


def _hostile_notebook():
    cells = [
        nbformat.v4.new_markdown_cell(HOSTILE_REFLECTION),
        nbformat.v4.new_raw_cell("<script>alert('kitXss31')</script><img src=x onerror=alert('kitXss32')>"),
        nbformat.v4.new_markdown_cell(
            "![evil](attachment:evil.svg) ![fine](attachment:fine.png)",
            attachments={
                "evil.svg": {"image/svg+xml": base64.b64encode(SVG_ATTACHMENT.encode()).decode()},
                "fine.png": {"image/png": PNG},
            },
        ),
        nbformat.v4.new_code_cell(
            "x",
            outputs=[
                nbformat.v4.new_output("display_data", {"text/html": "<img src=x onerror=alert('kitXss33')>ok"}),
                nbformat.v4.new_output("display_data", {"application/javascript": "window.kitXss34 = 1"}),
                nbformat.v4.new_output("display_data", {"image/svg+xml": SVG_ATTACHMENT}),
                nbformat.v4.new_output("display_data", {"text/markdown": "[m](javascript:kitXss35)"}),
                nbformat.v4.new_output(
                    "display_data", {"text/html": "<b>in a frame</b>"}, metadata={"text/html": {"isolated": True}}
                ),
                nbformat.v4.new_output("display_data", {"image/png": 'x" onerror="kitXss36'}),
                nbformat.v4.new_output(
                    "display_data",
                    {"image/png": PNG},
                    metadata={"image/png": {"width": 'x" onerror="kitXss37', "height": 40}, "filenames": {}},
                ),
            ],
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.widgets = {"application/vnd.jupyter.widget-state+json": {"state": {"kitXss38": {}}}}
    return nb


def test_an_exported_hostile_notebook_runs_nothing():
    page = assert_nothing_learner_made_runs(_export(_hostile_notebook()))
    text = page.visible_text()
    assert "REFLECTION-VISIBLE" in text and "borrowed classes" in text
    assert "application/javascript" in text  # what was left out is named, not silently dropped
    srcs = [dict(e["attrs"]).get("src", "") for e in page.elements if e["tag"] == "img"]
    assert srcs.count(f"data:image/png;base64,{PNG}") == 2  # the PNG attachment and the PNG output are kept
    assert not any("svg" in src for src in srcs)


# --- the real kit autograder, feedback and formgrader ---


def _solutions() -> dict[str, str]:
    from helpers import exercise_source

    from kit.grading.simulated_cohort import solution_code

    return {
        c.metadata["nbgrader"]["grade_id"]: solution_code(c.source)
        for c in read_nb(exercise_source()).cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }


def _hostile_submission(release_nb, answers: dict[str, str]):
    nb = fill_answers(
        release_nb, {**answers, "count-contacts": HOSTILE_CODE, "write-organizing-plan": HOSTILE_REFLECTION}
    )
    nb.cells.append(nbformat.v4.new_raw_cell("<script>alert('kitXss31')</script><img src=x onerror=alert('kitXss32')>"))
    nb.cells.append(
        nbformat.v4.new_markdown_cell(
            "![evil](attachment:evil.svg)",
            attachments={"evil.svg": {"image/svg+xml": base64.b64encode(SVG_ATTACHMENT.encode()).decode()}},
        )
    )
    nb.metadata.widgets = {"application/vnd.jupyter.widget-state+json": {"state": {"kitXss38": {}}}}
    return nb


def _honest_submission(release_nb, answers: dict[str, str]):
    chart = answers["count-monthly-joins"] + '\njoins_by_month.plot(kind="bar", title="New contacts each month");'
    return fill_answers(
        release_nb, {**answers, "count-monthly-joins": chart, "write-organizing-plan": HONEST_REFLECTION}
    )


@pytest.fixture(scope="module")
def hostile_course(released_template, tmp_path_factory):
    """The hostile and the honest learner, autograded by the kit in a copy of the released course."""
    import shutil

    from kit.grading.autograde import autograde
    from kit.grading.course import open_course

    root = tmp_path_factory.mktemp("sanitize") / "project"
    shutil.copytree(released_template, root, symlinks=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_HOME", str(root))
        course = open_course(root / "grader")
        release_nb = read_nb(course.step_dir("release", ".", ASSIGNMENT) / NOTEBOOK)
        answers = _solutions()
        for learner, build in ((HOSTILE, _hostile_submission), (HONEST, _honest_submission)):
            submit(course, learner, {NOTEBOOK: nbformat.writes(build(release_nb, answers))})
        results = {r.learner: r for r in autograde(course, ASSIGNMENT)}
        assert all(r.problem is None for r in results.values()), results
        yield course


@pytest.fixture(scope="module")
def feedback(hostile_course):
    """Each learner's feedback result and the text of its HTML file (read now: a later test rewrites it)."""
    from kit.grading.feedback import generate_feedback

    results = generate_feedback(hostile_course, ASSIGNMENT, [HOSTILE, HONEST])
    return {r.learner: (r, r.files[0].read_text() if r.files else "") for r in results}


@pytest.mark.grading
def test_feedback_for_a_hostile_submission_runs_nothing(feedback):
    result, html = feedback[HOSTILE]
    assert result.problem is None and len(result.files) == 1
    page = assert_nothing_learner_made_runs(html)
    assert not [e for e in page.elements if e["tag"] == "script" and page.elements.index(e) > _body_index(page)]
    assert_shows_the_learners_work(html, page)


def assert_shows_the_learners_work(html: str, page: Page) -> None:
    """Cleaned, not emptied: the learner's harmless HTML and markdown are still shown as such."""
    assert "<b>kit-visible-html</b>" in html and "<strong>Goal:</strong>" in html
    assert "REFLECTION-VISIBLE" in page.visible_text() and "[application/javascript output not shown here]" in html


def _body_index(page: Page) -> int:
    return next(i for i, e in enumerate(page.elements) if e["tag"] == "body")


@pytest.mark.grading
def test_feedback_for_an_honest_submission_keeps_its_formatting_and_chart(feedback):
    result, html = feedback[HONEST]
    assert result.problem is None
    page = assert_nothing_learner_made_runs(html)
    tags = [e["tag"] for e in page.elements]
    for tag in ("strong", "em", "ul", "ol", "li", "br"):
        assert tag in tags, tag
    links = [dict(e["attrs"]).get("href") for e in page.elements if e["tag"] == "a"]
    assert "https://data.example.gov" in links
    images = [dict(e["attrs"]).get("src", "") for e in page.elements if e["tag"] == "img"]
    assert any(src.startswith("data:image/png;base64,") and len(src) > 1000 for src in images), "the chart is gone"
    assert "Score:" in page.visible_text()  # nbgrader's own feedback markup is still there


@pytest.mark.grading
def test_feedback_that_could_still_run_code_is_withheld(hostile_course, feedback, monkeypatch):
    """Defence in depth: should the sanitizer let something through, kit grade feedback refuses the file."""
    from kit.grading.feedback import generate_feedback

    monkeypatch.setattr(sanitize, "clean_html", lambda html: html)
    (result,) = generate_feedback(hostile_course, ASSIGNMENT, [HOSTILE])
    assert result.files == []
    assert result.problem and result.problem.endswith("and was withheld"), result.problem
    assert "could run in a browser (" in result.problem and "a <script> element" in result.problem


@pytest.mark.grading
def test_formgrader_shows_a_hostile_submission_without_running_it(hostile_course, tmp_path):
    from test_formgrader import running_formgrader

    with hostile_course.gradebook() as gb:
        ids = {
            learner: gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, learner).id for learner in (HOSTILE, HONEST)
        }
    with running_formgrader(hostile_course.root, tmp_path) as (base, token):
        pages = {}
        for learner, submission_id in ids.items():
            url = f"{base}/formgrader/submissions/{submission_id}/?token={token}"
            with urllib.request.urlopen(url, timeout=60) as response:
                pages[learner] = response.read().decode()
    honest = assert_nothing_learner_made_runs(pages[HONEST], template_handlers=True)
    hostile = assert_nothing_learner_made_runs(pages[HOSTILE], template_handlers=True)
    assert len(hostile.scripts()) == len(honest.scripts())  # formgrader's own scripts only
    assert _handlers(hostile) == _handlers(honest)  # formgrader's own event handlers only
    assert_shows_the_learners_work(pages[HOSTILE], hostile)
    assert "Student's answer" in hostile.visible_text()  # formgrader's grading panel is still there


def _handlers(page: Page) -> set:
    return {(e["tag"], name, value) for e in page.elements for name, value in e["attrs"] if name.startswith("on")}
