"""Reading and checking a plan spec: every mistake at once, each with its field and line.

Shapes and types are pydantic's job (:mod:`kit.plan.spec`); the rules here need
the syllabus, the dataset catalog, the time-zone database or the calendar. They
read the raw YAML defensively, so a spec with a type error still gets its other
mistakes reported in the same run.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from kit.data.catalog import load_catalog
from kit.data.syllabus import Syllabus, load_syllabus
from kit.data.yaml_lines import line_of, load_mapping_with_lines
from kit.errors import CatalogError, SpecError
from kit.plan.curriculum import untranslated_for
from kit.plan.pacing import minutes_left_over
from kit.plan.schedule import weekly_dates
from kit.plan.spec import WEEKDAYS, PlanSpec


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _as_date(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _check_team(raw: dict) -> list[tuple[str, str]]:
    roles = [str(_dict(m).get("role", "")).strip().lower() for m in _list(raw.get("team"))]
    if "program lead" not in roles:
        return [("team", "no program lead: give one team member the role 'program lead'")]
    return []


def _check_timezone(raw: dict) -> list[tuple[str, str]]:
    name = raw.get("timezone", "America/Chicago")
    try:
        zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return [("timezone", f"unknown time zone {name!r}: use an IANA name such as 'America/Chicago'")]
    return []


def _check_topics(raw: dict, syllabus: Syllabus, datasets: set[str]) -> list[tuple[str, str]]:
    problems = []
    for i, topic in enumerate(_list(raw.get("topics"))):
        topic = _dict(topic)
        for j, ref in enumerate(_list(topic.get("modules"))):
            try:
                module = syllabus.module(ref)
            except CatalogError:
                known = ", ".join(f"{m.number} ({m.id})" for m in syllabus.modules)
                problems.append((f"topics[{i}].modules[{j}]", f"unknown module {ref!r}; modules: {known}"))
                continue
            if module.status != "available":
                problems.append(
                    (
                        f"topics[{i}].modules[{j}]",
                        f"module {module.number} ({module.id}) is planned but not written yet",
                    )
                )
        for j, name in enumerate(_list(topic.get("datasets"))):
            if name not in datasets:
                problems.append(
                    (f"topics[{i}].datasets[{j}]", f"unknown dataset {name!r}; datasets: {', '.join(sorted(datasets))}")
                )
    return problems


def _check_audiences(raw: dict, syllabus: Syllabus) -> list[tuple[str, str]]:
    problems = []
    topics = [_dict(t) for t in _list(raw.get("topics"))]
    for i, audience in enumerate(_list(raw.get("audiences"))):
        audience = _dict(audience)
        areas = set(_list(audience.get("issue_areas")))
        matching = [t for t in topics if t.get("issue_area") in areas]
        if areas and not matching:
            offered = sorted({str(t.get("issue_area")) for t in topics})
            problems.append((f"audiences[{i}].issue_areas", f"no topic covers {sorted(areas)}; topics cover {offered}"))
    return list(dict.fromkeys(problems))


def _check_ids(raw: dict) -> list[tuple[str, str]]:
    problems = []
    for key in ("audiences", "topics"):
        seen: set[str] = set()
        for i, item in enumerate(_list(raw.get(key))):
            item_id = _dict(item).get("id")
            if item_id in seen:
                problems.append((f"{key}[{i}].id", f"id {item_id!r} is used twice"))
            seen.add(item_id)
    return problems


def _check_sprint(raw: dict) -> list[tuple[str, str]]:
    sprint = _dict(raw.get("sprint"))
    start, weekday = _as_date(sprint.get("start")), _dict(sprint.get("session")).get("weekday")
    weeks = sprint.get("weeks", 7)
    pre, post = _as_date(sprint.get("pre_call")), _as_date(sprint.get("post_call"))
    skips = [_as_date(d) for d in _list(sprint.get("skip"))]
    skipped = {d for d in skips if d}
    problems = []
    if start is not None and pre is not None and pre >= start:
        problems.append(
            ("sprint.pre_call", f"the pre-sprint call ({pre}) must come before the first session ({start})")
        )
    for key, when in (("sprint.pre_call", pre), ("sprint.post_call", post)):
        if when is not None and when in skipped:
            problems.append((key, f"{when} is a skipped day"))
    if start is None or weekday not in WEEKDAYS or not isinstance(weeks, int) or weeks < 1:
        return problems  # pydantic reports these; the session calendar cannot be laid out
    if WEEKDAYS[start.weekday()] != weekday:
        problems.append(("sprint.start", f"{start} is a {WEEKDAYS[start.weekday()]}, but sessions are on {weekday}s"))
        return problems
    sessions = weekly_dates(start, weeks, skipped)
    for k, skip in enumerate(skips):
        if skip is not None and (skip < start or skip > sessions[-1] or WEEKDAYS[skip.weekday()] != weekday):
            problems.append(
                (
                    f"sprint.skip[{k}]",
                    f"{skip} is not a session day of this sprint ({weekday}s from {start} to {sessions[-1]})",
                )
            )
    if post is not None and post < sessions[-1]:
        problems.append(
            (
                "sprint.post_call",
                f"the post-sprint call ({post}) must not come before the last session ({sessions[-1]})",
            )
        )
    return problems


def _check_class_time(spec: PlanSpec, syllabus: Syllabus) -> list[tuple[str, str]]:
    """Every module's teaching and exercise lab must fit in the sessions."""
    left = minutes_left_over(spec, syllabus)
    if not left:
        return []
    missing = sum(minutes for _, minutes in left)
    names = ", ".join(f"module {m.number} ({m.id}): {minutes} min" for m, minutes in left)
    return [
        (
            "sprint.weeks",
            f"the sessions cannot hold the plan's modules: {missing} minutes of class time are left over "
            f"({names}); add weeks, make sessions longer or take modules out of the topics",
        )
    ]


def check_spec(text: str, name: str = "spec") -> PlanSpec:
    """Validate a spec's text; raise :class:`SpecError` listing every mistake."""
    raw, lines = load_mapping_with_lines(text, name, "city, team, audiences")
    found: list[tuple[str, str]] = []
    spec = None
    try:
        spec = PlanSpec.model_validate(raw)
    except ValidationError as exc:
        found += [(_path(e["loc"]), e["msg"]) for e in exc.errors()]
    syllabus = load_syllabus()
    datasets = {c.name for c in load_catalog().datasets}
    for check in (_check_team, _check_timezone, _check_ids, _check_sprint):
        found += check(raw)
    found += _check_topics(raw, syllabus, datasets)
    found += _check_audiences(raw, syllabus)
    if spec is not None and not found:
        found += _check_class_time(spec, syllabus)
    if found:
        ordered = sorted(dict.fromkeys(found), key=lambda p: (line_of(lines, p[0]), p[0]))
        raise SpecError(name, [f"{name}:{line_of(lines, path)}: {path}: {msg}" for path, msg in ordered])
    return spec


def plan_warnings(spec: PlanSpec) -> list[str]:
    """What the plan can do but a reader should know: modules an audience takes that are not in its
    language yet (its bundle leaves them out; the plan says so)."""
    syllabus = load_syllabus()
    warnings = []
    for i, audience in enumerate(spec.audiences):
        missing = untranslated_for(spec, audience, syllabus)
        if missing:
            names = ", ".join(f"{m.number} ({m.id})" for m in missing)
            warnings.append(
                f"audiences[{i}] ({audience.id}): module{'s' if len(missing) > 1 else ''} {names} not translated "
                f"into {audience.language!r} yet: the audience's bundle leaves {'them' if len(missing) > 1 else 'it'} "
                "out and the plan says so"
            )
    return warnings


def load_spec(path: Path) -> PlanSpec:
    """Read and validate a spec file; raise :class:`SpecError` listing every mistake."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(str(path), [f"{path}: cannot be read ({exc})"]) from None
    return check_spec(text, str(path))
