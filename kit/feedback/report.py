"""The cohort report: ``report.md``, ``report.html``, ``backlog.csv`` and the charts.

:func:`write_report` records the cohort's dataset requests in the city's
you-said-we-did log (:class:`~kit.feedback.log.FeedbackLog`; recording the same
cohort twice changes nothing), then writes, in ``directory``:

* ``report.md`` — Markdown with the charts as ``charts/*.png`` links;
* ``report.html`` — one standalone page, charts inline (it can be emailed);
* ``charts/*.png`` and ``backlog.csv`` (every request in the log, with status).

Every sentence comes from ``kit/feedback/messages/<lang>.yaml`` through the
template ``kit/feedback/templates/report.md.j2``; this module only gathers values.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from kit.feedback import charts
from kit.feedback.cohort import CohortAnalysis
from kit.feedback.log import FeedbackLog
from kit.feedback.module_scores import PASSING, STRUGGLED
from kit.feedback.read import SurveyResponses
from kit.feedback.recommend import Recommendation
from kit.languages import available_languages
from kit.pages import Messages as BaseMessages
from kit.pages import check_catalogs, markdown_to_html, read_catalog, template_environment, tidy_markdown, write_text

__all__ = ["ReportFiles", "check_messages", "write_report"]

HERE = Path(__file__).parent
MAX_PROBLEMS = 50
MAX_QUOTES = 3


class Messages(BaseMessages):
    directory = HERE / "messages"

    def language(self, code: str) -> str:
        """A language's name in this catalog's language (``language.<code>``), else its own name
        (``language.self`` in its catalog), else the code: a new language needs no edit to the others."""
        key = f"language.{code}"
        if key in self.text:
            return self(key)
        own = self.directory / f"{code}.yaml"
        return read_catalog(self.directory, code).get("language.self", code) if own.is_file() else code


def check_messages() -> list[str]:
    """Every problem with the report's message catalogs (missing keys, placeholders, untranslated),
    in every available language (:func:`kit.languages.available_languages`)."""
    return check_catalogs(HERE / "messages", available_languages())


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    html: Path
    backlog: Path
    charts: tuple[Path, ...]

    @property
    def all(self) -> list[Path]:
        return [self.markdown, self.html, self.backlog, *self.charts]


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f}%"


def _num(value: float | None, sign: bool = False) -> str:
    return "–" if value is None else (f"{value:+.1f}" if sign else f"{value:.1f}")


def _module_name(t: Messages, module) -> str:
    return t("module.name", number=module.number, title=module.title[t.lang])


def _skill_labels(a: CohortAnalysis, lang: str) -> dict[str, str]:
    return {s.id: s.text(lang) for s in a.inputs.skills}


def _recommendation(t: Messages, rec: Recommendation, a: CohortAnalysis) -> str:
    values = dict(rec.values)
    if rec.module is not None:
        values["module"] = _module_name(t, next(m for m in a.inputs.modules if m.number == rec.module))
    if "skill" in values:
        values["skill"] = _skill_labels(a, t.lang).get(values["skill"], values["skill"])
    if "languages" in values:
        values["languages"] = t.join([t.language(lang) for lang in values["languages"]])
    if "requests" in values:
        values["requests"] = t.join([f"“{r}”" for r in values["requests"]])
    key = f"rec.{rec.key}"
    if rec.key.startswith("theme.") and key not in t.text:
        theme = next(tc.theme for tc in a.themes.themes if tc.theme.id == rec.key.removeprefix("theme."))
        return t("rec.theme.other", theme=theme.label.get(t.lang, theme.id), **values)
    return t(key, **values)


def _summary(t: Messages, a: CohortAnalysis) -> list[tuple[str, str]]:
    not_measured = t("summary.not_measured")
    attendance = a.inputs.attendance
    completion = [ms.completion(a.cohort_size) for ms in a.scores]
    gains = [g.gain for g in a.gains if g.gain is not None]
    published = sum(1 for _, m in a.requests if m.dataset)
    rows = [
        (t("summary.response_rate"), f"{a.respondents} / {a.cohort_size}"),
        (t("summary.attendance"), _pct(attendance.rate) if attendance and len(attendance.records) else not_measured),
        (t("summary.completion"), _pct(sum(completion) / len(completion)) if completion else not_measured),
        (t("summary.satisfaction"), _num(a.mean_satisfaction) if a.mean_satisfaction else not_measured),
        (t("summary.gain"), _num(sum(gains) / len(gains), sign=True) if gains else not_measured),
        (
            t("summary.requests"),
            t("summary.requests_value", total=len(a.requests), published=published, gap=len(a.requests) - published),
        ),
    ]
    return rows


def _gains(a: CohortAnalysis, lang: str) -> list[dict]:
    labels = _skill_labels(a, lang)
    return [
        {
            "label": labels.get(g.skill, g.skill),
            "n": g.n,
            "before": _num(g.before),
            "after": _num(g.after),
            "gain": _num(g.gain, sign=True),
            "improved": _pct(g.improved),
            "pre_n": g.pre_n,
            "pre_gain": _num(g.pre_gain, sign=True),
        }
        for g in a.gains
        if g.n
    ]


def _modules(t: Messages, a: CohortAnalysis) -> list[dict]:
    out = []
    for ms in a.scores:
        questions = [
            {
                "question": q.question,
                "mean": _pct(q.mean),
                "full": _pct(q.full_marks),
                "zero": _pct(q.zero),
                "flag": f"⚠ {t('scores.struggled')}" if q.struggled else "",
            }
            for q in ms.questions
        ]
        out.append(
            {
                "name": _module_name(t, ms.module),
                "learners": ms.learners,
                "completion": _pct(ms.completion(a.cohort_size)),
                "mean": _pct(ms.mean),
                "median": _pct(ms.median),
                "passed": _pct(ms.passed),
                "questions": questions,
            }
        )
    return out


def _hints(t: Messages, a: CohortAnalysis) -> list[dict]:
    return [
        {
            "name": _module_name(t, mh.module),
            "recording": mh.recording,
            "questions": [
                {"question": q.question, "learners": q.learners, "share": _pct(mh.share(q)), "hints": q.hints}
                for q in mh.questions
            ],
        }
        for mh in a.hints
    ]


def _themes(t: Messages, a: CohortAnalysis) -> list[dict]:
    return [
        {
            "label": tc.theme.label.get(t.lang, tc.theme.id),
            "count": tc.count,
            "keywords": ", ".join(f"{k} ({n})" for k, n in tc.keywords),
            "quotes": [" ".join(q.split()) for q in tc.comments[:MAX_QUOTES]],
        }
        for tc in a.themes.themes
    ]


def _requests(t: Messages, a: CohortAnalysis) -> list[dict]:
    grouped: dict[tuple[str, str | None], dict] = {}
    for _, m in a.requests:
        key = (" ".join(m.request.casefold().split()), m.dataset)
        row = grouped.setdefault(
            key,
            {
                "request": m.request,
                "asked": 0,
                "match": (t("requests.published", title=m.title or m.dataset) if m.dataset else t("requests.gap")),
                "why": ", ".join(m.terms),
            },
        )
        row["asked"] += 1
    return sorted(grouped.values(), key=lambda r: (-r["asked"], r["match"] == t("requests.gap"), r["request"]))


def _you_said(t: Messages, a: CohortAnalysis, log: FeedbackLog) -> dict:
    """What the city did between the previous cohort and this one, and where earlier requests stand."""
    cohort = a.inputs.cohort
    previous = log.previous_cohort(cohort)
    if previous is None:
        return {"previous": None, "changes": [], "earlier": []}
    items = {item.id: item for item in log.requests()}
    changes = [
        {
            "request": items[c.request_id].text,
            "status": t(f"status.{c.status}"),
            "note": c.note,
            "date": c.changed_at.date().isoformat(),
        }
        for c in log.changes_since(previous.name, until=cohort)
    ]
    record = log.cohort(cohort)
    earlier_cohorts = {c.name for c in log.cohorts() if c.position < record.position}
    earlier = []
    for item in items.values():
        if earlier_cohorts & set(item.cohorts):
            # where it stood when this cohort reported, so a re-run gives the same report
            state = [h for h in item.history if h.seq <= record.seq][-1:] or [item.history[-1]]
            earlier.append(
                {
                    "request": item.text,
                    "cohorts": ", ".join(item.cohorts),
                    "status": t(f"status.{state[0].status}"),
                    "note": state[0].note,
                }
            )
    return {"previous": previous.name, "changes": changes, "earlier": earlier}


def _export_problems(t: Messages, export: SurveyResponses) -> str:
    parts = []
    if export.unreadable_rows:
        parts.append(t("problem.unreadable", n=export.unreadable_rows))
    if export.out_of_range:
        parts.append(t("problem.out_of_range", n=export.out_of_range))
    if export.duplicates_replaced:
        parts.append(t("problem.duplicates", n=export.duplicates_replaced))
    if export.unreadable_times:
        parts.append(t("problem.unreadable_times", n=export.unreadable_times))
    if export.unknown_columns:
        parts.append(
            t("problem.unknown", columns=", ".join(f"“{' '.join(c.split())}”" for c in export.unknown_columns))
        )
    if export.missing_columns:
        parts.append(t("problem.missing", columns=", ".join(f"“{c}”" for c in export.missing_columns)))
    return "; ".join(parts) or t("sources.none")


def _sources(t: Messages, a: CohortAnalysis) -> tuple[list[dict], list[dict]]:
    sources, problems = [], []
    exports = [("post", e) for e in a.inputs.post] + [("pre", e) for e in a.inputs.pre]
    for kind, export in exports:
        name = export.path.name if export.path else "?"
        sources.append(
            {
                "file": name,
                "kind": t(f"kind.{kind}", source=export.source),
                "rows": len(export.responses),
                "problems": _export_problems(t, export),
            }
        )
        problems += [
            {
                "file": name,
                "row": p.row,
                "column": " ".join((p.column or "").split()),
                "value": p.value or "",
                "reason": p.reason,
            }
            for p in export.problems
        ]
    attendance = a.inputs.attendance
    if attendance is not None:
        name = attendance.path.name if attendance.path else "?"
        sources.append(
            {
                "file": name,
                "kind": t("kind.attendance"),
                "rows": len(attendance.records),
                "problems": t("problem.attendance", n=len(attendance.problems))
                if attendance.problems
                else t("sources.none"),
            }
        )
        problems += [
            {"file": name, "row": p.row, "column": p.column or "", "value": p.value or "", "reason": p.reason}
            for p in attendance.problems
        ]
    return sources, problems[:MAX_PROBLEMS]


def _charts(t: Messages, a: CohortAnalysis) -> dict[str, bytes]:
    out = {}
    gains = [g for g in a.gains if g.n]
    if gains:
        labels = _skill_labels(a, t.lang)
        out["gains"] = charts.gains_chart(
            [labels.get(g.skill, g.skill) for g in gains],
            [g.before for g in gains],
            [g.after for g in gains],
            t("chart.gains"),
            (t("chart.gains.before"), t("chart.gains.after")),
        )
    sessions = a.inputs.attendance.sessions() if a.inputs.attendance else []
    if sessions:
        out["attendance"] = charts.attendance_chart(
            [s.day.strftime("%m-%d") for s in sessions], [s.rate for s in sessions], t("chart.attendance")
        )
    if a.scores:
        panels = [
            (_module_name(t, ms.module), [q.question for q in ms.questions], [q.mean for q in ms.questions])
            for ms in a.scores
        ]
        out["questions"] = charts.questions_chart(panels, t("chart.questions"), STRUGGLED)
    if sum(a.satisfaction):
        out["satisfaction"] = charts.satisfaction_chart(a.satisfaction, t("chart.satisfaction"))
    return out


def report_context(a: CohortAnalysis, log: FeedbackLog, t: Messages) -> dict:
    """Every value the template shows, already worded in ``t``'s language."""
    inputs = a.inputs
    sources, problems = _sources(t, a)
    attendance = inputs.attendance
    catalog = (
        t("catalog.bundled") if inputs.catalog_source == "bundled" else t("catalog.file", name=inputs.catalog_source)
    )
    return {
        "city": inputs.city,
        "cohort": inputs.cohort,
        "respondents": a.respondents,
        "cohort_size": a.cohort_size,
        "summary": _summary(t, a),
        "recommendations": [_recommendation(t, r, a) for r in a.recommendations],
        "gains": _gains(a, t.lang),
        "has_pre": bool(inputs.pre),
        "sessions": [
            {"day": t.date(s.day), "present": s.present, "enrolled": s.enrolled, "rate": _pct(s.rate)}
            for s in (attendance.sessions() if attendance else [])
        ],
        "attendance_rate": _pct(attendance.rate) if attendance else "",
        "regulars": attendance.regulars() if attendance else 0,
        "modules": _modules(t, a),
        "hints": _hints(t, a),
        "passing": _pct(PASSING),
        "struggled": _pct(STRUGGLED),
        "satisfaction_mean": _num(a.mean_satisfaction) if a.mean_satisfaction else "",
        "satisfaction_n": sum(a.satisfaction),
        "themes": _themes(t, a),
        "unthemed": len(a.themes.unthemed),
        "comments": a.themes.total,
        "requests": _requests(t, a),
        "catalog": catalog,
        **_you_said(t, a, log),
        "sources": sources,
        "problems": problems,
    }


def render_report(context: dict, t: Messages, image) -> str:
    """The report as Markdown; ``image(name)`` gives each chart's link."""
    template = template_environment(HERE / "templates").get_template("report.md.j2")
    return tidy_markdown(template.render(t=t, image=image, **context))


def write_report(analysis: CohortAnalysis, log: FeedbackLog, directory: Path, lang: str = "en") -> ReportFiles:
    """Record the cohort in the log, then write the report, charts and backlog in ``directory``."""
    log.record_cohort(analysis.inputs.cohort, analysis.asked())
    t = Messages(lang)
    directory = Path(directory)
    (directory / "charts").mkdir(parents=True, exist_ok=True)
    images = _charts(t, analysis)
    chart_files = []
    for name, png in images.items():
        path = directory / "charts" / f"{name}.png"
        path.write_bytes(png)
        chart_files.append(path)
    context = report_context(analysis, log, t)
    md = render_report(context, t, lambda name: f"charts/{name}.png")
    inline = render_report(context, t, lambda name: "data:image/png;base64," + base64.b64encode(images[name]).decode())
    title = t("title", city=analysis.inputs.city, cohort=analysis.inputs.cohort)
    markdown = write_text(directory / "report.md", md)
    html = write_text(directory / "report.html", markdown_to_html(inline, title, lang))
    backlog = log.export_backlog(directory / "backlog.csv")
    return ReportFiles(markdown, html, backlog, tuple(chart_files))
