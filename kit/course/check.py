"""`kit course check`: what a city's data will do to the modules, before anything is built.

:func:`check_city` reads a city profile and its data (in memory; it writes
nothing) and returns a :class:`CityCheck`: for each dataset role a table of
findings (columns found, dates as parsed, requests without coordinates or
outside every area, sentinel, negative and zero-day durations, status against
closed date, the spatial join against the export's own area column, areas
without population, duplicates), and the *problems* that would stop the modules,
each naming the profile field to fix. The report renders in English and Spanish
(:meth:`CityCheck.to_markdown`); its sentences live in :mod:`kit.course.check_text`.

The steps run in order, each adding to the same :class:`CityCheck`:

1. :func:`_read_sources` -- every role's file or portal dataset, as raw text.
2. :func:`_check_columns` -- every mapped column is in the source.
3. :func:`_check_dates` -- dates parse as the profile says; an ambiguous
   day/month order is refused, never guessed.
4. the loaded city (:func:`kit.course.load.load_city`), when nothing above blocks:
   durations and statuses (:func:`_check_closing`), duplicates and request types
   (:func:`_check_requests`), the spatial join (:func:`_check_location`) and
   population (:func:`_check_population`), and the election roles
   (:func:`kit.course.check_elections.check_elections`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kit.analysis.columns import as_key
from kit.course.check_elections import check_elections
from kit.course.check_text import label_of, problem_text, role_title, sentence
from kit.errors import KitError

if TYPE_CHECKING:
    from kit.course.profile import CityProfile

__all__ = ["CityCheck", "Finding", "Problem", "check_city"]

ROLES = ("service_requests", "areas", "population", "results", "precincts")
# the standard columns the modules cannot run without (the others are optional)
NEEDED = {
    "service_requests": ("created_date", "closed_date", "complaint_type", "status", "latitude", "longitude"),
    "areas": ("area_id",),
    "population": ("population",),
    "results": ("ward", "precinct", "registered", "ballots"),
    "precincts": ("ward", "precinct"),
}
DATES = ("created_date", "closed_date")
SAMPLES = 3
ZERO_DAY_WARNING = 0.10  # above this share of same-instant closures, medians read "the city responds instantly"
_SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")


@dataclass(frozen=True)
class Finding:
    """One row of a role's table: what was checked (``key``) and what was found (``params``).

    ``level`` is ``"info"`` or ``"warning"`` (worth a look, does not block).
    """

    key: str
    params: dict = field(default_factory=dict)
    level: str = "info"

    def label(self, lang: str = "en") -> str:
        """What was checked, in ``lang``."""
        return label_of(self.key, self.params, lang)

    def text(self, lang: str = "en") -> str:
        """What was found, in ``lang``."""
        return sentence(self.key, self.params, lang)


@dataclass(frozen=True)
class Problem:
    """Something that blocks the modules, and the profile ``field`` to fix."""

    field: str
    key: str
    params: dict = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        """What is wrong and how to fix it, in ``lang``."""
        return problem_text(self.key, self.params, lang)

    def __str__(self) -> str:
        return f"{self.field}: {self.text()}"


@dataclass
class CityCheck:
    """The report of :func:`check_city`.

    Attributes
    ----------
    profile_path
        The profile checked.
    city
        The city's name in each language (``{"en": "Chicago", "es": "Chicago"}``).
    findings
        Role (``"service_requests"``, ``"areas"``, ``"population"``, ``"teaching"``) -> its rows.
    problems
        What blocks the modules, each naming the profile field to fix; empty when :attr:`ok`.
    """

    profile_path: Path
    city: dict[str, str]
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing blocks the modules."""
        return not self.problems

    def add(self, role: str, key: str, level: str = "info", **params) -> None:
        """Add a finding to ``role``'s table."""
        self.findings.setdefault(role, []).append(Finding(key, params, level))

    def block(self, field_: str, key: str, **params) -> None:
        """Add a problem that blocks the modules, naming the profile field to fix."""
        self.problems.append(Problem(field_, key, params))

    def to_markdown(self, lang: str = "en") -> str:
        """The report as Markdown in ``lang``: any language the kit has (``"en"``, ``"es"``, ``"pt"``…)."""
        name = self.city.get(lang) or next(iter(self.city.values()), "")
        lines = [
            f"# {label_of('title', {'city': name}, lang)}",
            "",
            f"{label_of('profile', {}, lang)}: `{self.profile_path}`",
        ]
        verdict = "verdict_ok" if self.ok else "verdict_blocked"
        lines += ["", f"**{sentence(verdict, {'n': len(self.problems)}, lang)}**", ""]
        if self.problems:
            lines += [f"## {label_of('problems', {}, lang)}", "", f"| {label_of('field', {}, lang)} | |", "|---|---|"]
            lines += [f"| `{p.field}` | {_cell(p.text(lang))} |" for p in self.problems]
            lines.append("")
        for role, findings in self.findings.items():
            lines += [f"## {role_title(role, lang)}", "", f"| {label_of('check', {}, lang)} | |", "|---|---|"]
            for f in findings:
                mark = "⚠ " if f.level == "warning" else ""
                lines.append(f"| {_cell(f.label(lang))} | {mark}{_cell(f.text(lang))} |")
            lines.append("")
        return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def check_city(profile_path: Path | str) -> CityCheck:
    """Check a city's profile and data before anything is built; writes nothing.

    Parameters
    ----------
    profile_path
        The city profile (YAML), such as ``cities/riverton.yaml``.

    Returns
    -------
    CityCheck
        Findings per role and the problems that block the modules (``.ok`` is
        False when there is one), each naming the profile field to fix.

    Raises
    ------
    SpecError
        If the profile itself is broken: every mistake, each with its line and field.
    """
    from kit.course.profile import load_profile

    profile = load_profile(Path(profile_path))
    check = CityCheck(profile_path=Path(profile_path), city=dict(profile.name))
    raw = _read_sources(profile, check)
    _check_columns(profile, raw, check)
    requests = raw.get("service_requests")
    dates = _check_dates(profile, requests, check)
    if requests is not None:
        _check_closing(profile, requests, dates, check)
        _check_requests(profile, requests, check)
    if check.ok:
        _check_loaded(profile, check)
    return check


def _check_loaded(profile: CityProfile, check: CityCheck) -> None:
    """Through the kit's own loader, as the modules will see the data: the spatial join and population."""
    from kit.course.load import load_city

    try:
        city = load_city(profile)
    except KitError as exc:
        check.block(
            getattr(exc, "field", None) or "service_requests", "load_failed", error=exc.message, hint=exc.hint or ""
        )
        return
    check_elections(city, check)
    if city.areas is None:
        return
    if city.service_requests is not None:
        _check_location(city.service_requests, city.areas, check)
    _check_population(city.areas, city.population, check)


# --- 1. sources ------------------------------------------------------------------------------------


def _read_sources(profile: CityProfile, check: CityCheck) -> dict[str, pd.DataFrame]:
    """Each role's source as raw text; an unreadable one is a problem naming its ``source`` field."""
    raw = {}
    for role in ROLES:
        spec = getattr(profile, role, None)
        if spec is None:
            check.add(role, "role_absent", "warning")
            if role == "service_requests" and (profile.results is None or profile.precincts is None):
                check.block(role, "no_requests")
            continue
        try:
            raw[role] = _read_raw(profile, spec.source)
        except (KitError, OSError, ValueError) as exc:
            message = exc.message if isinstance(exc, KitError) else str(exc).splitlines()[0]
            check.block(f"{role}.source", "unreadable", error=message)
            continue
        check.add(role, "rows", rows=len(raw[role]), source=_describe_source(spec.source))
    return raw


def _read_raw(profile: CityProfile, source) -> pd.DataFrame:
    """A source as the city wrote it: every value text, empty text kept (a local file or a cached portal query)."""
    file = getattr(source, "file", None)
    if not file:
        from kit.course.load import read_source

        return read_source(profile, source)
    path = Path(file) if Path(file).is_absolute() else Path(profile.path).parent / file
    if not path.is_file():
        raise FileNotFoundError(f"no file {path}")
    if path.suffix.lower() == ".csv":
        encoding = getattr(source, "encoding", None) or "utf-8"
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    import geopandas

    return geopandas.read_file(path)


def _describe_source(source) -> str:
    file = getattr(source, "file", None)
    if file:
        return str(file)
    return f"{getattr(source, 'domain', '')}/{getattr(source, 'dataset', '')}"


# --- 2. columns ------------------------------------------------------------------------------------


def _check_columns(profile: CityProfile, raw: dict[str, pd.DataFrame], check: CityCheck) -> None:
    """Every column the profile maps is in the source; a missing one a module needs blocks it."""
    for role, frame in raw.items():
        spec = getattr(profile, role)
        mapped = _mapped_columns(spec)
        for standard, column in mapped.items():
            if column in frame.columns:
                check.add(role, "column", standard=standard, column=column, empty=_empty(frame[column]))
            elif standard in NEEDED[role] or standard.endswith(".column"):
                check.block(f"{role}.{_field(standard)}", "missing_column", column=column, available=_names(frame))
            else:
                check.add(role, "column_missing", "warning", standard=standard, column=column)
        for standard in NEEDED[role]:
            if standard not in mapped and not (standard == "area_id" and getattr(spec, "key", None)):
                check.block(f"{role}.columns.{standard}", "unmapped_column", available=_names(frame))


def _field(standard: str) -> str:
    return standard if standard.endswith(".column") else f"columns.{standard}"


def _mapped_columns(spec) -> dict[str, str]:
    """Standard name -> the city's column, as the profile maps them (rule columns included)."""
    columns = {k: v for k, v in dict(getattr(spec, "columns", None) or {}).items() if isinstance(v, str) and v}
    for rule in ("duplicates", "area_code"):
        value = getattr(spec, rule, None)
        if value is not None and getattr(value, "column", None):
            columns[f"{rule}.column"] = value.column
    return columns


def _empty(values: pd.Series) -> int:
    text = values.astype("string").str.strip()
    return int((text.isna() | (text == "")).sum())


def _names(frame: pd.DataFrame) -> str:
    names = [str(c) for c in frame.columns if c != "geometry"]
    return ", ".join(names[:15]) + (", …" if len(names) > 15 else "")


# --- 3. dates --------------------------------------------------------------------------------------


def _check_dates(profile: CityProfile, raw: pd.DataFrame | None, check: CityCheck) -> dict[str, pd.Series]:
    """Samples of each date column as parsed; a day/month order the data cannot settle is refused.

    Returns each date column parsed as the profile says (empty text and unreadable values missing).
    """
    if raw is None:
        return {}
    spec = profile.service_requests
    fmt, dayfirst = getattr(spec.dates, "format", None), getattr(spec.dates, "dayfirst", None)
    parsed = {}
    for standard in DATES:
        column = dict(spec.columns or {}).get(standard)
        if column is None or column not in raw.columns:
            continue
        text = raw[column].astype("string").str.strip().replace("", pd.NA)
        if fmt is None and dayfirst is None and not _settle_order(text.dropna(), standard, check):
            continue
        parsed[standard] = _parse(text, fmt, bool(dayfirst))
        samples = "; ".join(f"{v} → {p:%Y-%m-%d %H:%M}" for v, p in _samples(text.dropna(), parsed[standard]))
        check.add("service_requests", "date_samples", standard=standard, column=column, samples=samples or "—")
        bad = text.notna() & parsed[standard].isna()
        if bad.any():
            check.add(
                "service_requests", "unparseable", "warning", column=column, n=int(bad.sum()),
                share=_share(int(bad.sum()), int(text.notna().sum())), example=str(text[bad].iloc[0]),
            )  # fmt: skip
    return parsed


def _settle_order(text: pd.Series, standard: str, check: CityCheck) -> bool:
    """With neither ``dates.format`` nor ``dates.dayfirst``: True when the day/month order is not in doubt."""
    parts = text.str.extract(_SLASHED).dropna()
    if parts.empty:
        return True
    first, second = parts[0].astype(int), parts[1].astype(int)
    example = str(text.loc[parts.index[0]])
    if (first > 12).any() and (second <= 12).all():
        check.block("service_requests.dates.dayfirst", "looks_dayfirst", column=standard, example=example)
        return False
    if (second > 12).any() and (first <= 12).all():
        check.add("service_requests", "date_order", column=standard, example=example)
        return True
    check.block("service_requests.dates", "ambiguous_dates", column=standard, example=example, n=len(parts))
    return False


def _parse(text: pd.Series, fmt: str | None, dayfirst: bool) -> pd.Series:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if fmt:
            return pd.to_datetime(text, format=fmt, errors="coerce")
        iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
        if iso.notna().sum() == text.notna().sum():
            return iso
        return pd.to_datetime(text, format="mixed", dayfirst=dayfirst, errors="coerce")


def _samples(text: pd.Series, parsed: pd.Series) -> list[tuple[str, pd.Timestamp]]:
    """A few distinct parsed values spread over the column, one with a day above 12 when there is one."""
    picks = text[parsed[text.index].notna()].drop_duplicates()
    if picks.empty:
        return []
    telling = picks[picks.str.extract(_SLASHED)[0].astype("float").gt(12).fillna(False).to_numpy()]
    chosen = list(picks.index[:: max(1, len(picks) // SAMPLES)][: SAMPLES - (1 if len(telling) else 0)])
    chosen += list(telling.index[:1])
    return [(str(text[i]), parsed[i]) for i in chosen]


def _share(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return "<0.1%" if 0 < part / whole < 0.001 else f"{part / whole:.1%}"


# --- 4. durations and statuses ------------------------------------------------------------------------


def _check_closing(profile: CityProfile, raw: pd.DataFrame, dates: dict[str, pd.Series], check: CityCheck) -> None:
    """Sentinel and negative durations, same-instant closures, and status against closed date."""
    if set(DATES) - set(dates):
        return
    spec = profile.service_requests
    created, closed = dates["created_date"], dates["closed_date"]
    sentinels = {pd.Timestamp(s).normalize() for s in (spec.closed_sentinels or [])}
    is_sentinel = closed.dt.normalize().isin(sentinels) if sentinels else pd.Series(False, index=closed.index)
    _count(check, "sentinels", int(is_sentinel.sum()), len(closed), "warning")
    closed = closed.mask(is_sentinel)
    days = (closed - created).dt.total_seconds() / 86_400
    negative = days < 0
    _count(check, "negative", int(negative.sum()), int(closed.notna().sum()), "warning")
    if not sentinels and negative.any():
        check.add("service_requests", "sentinel_hint", "warning", example=str(closed[negative].min().date()))
    good = days[days >= 0]
    zero = int((good == 0).sum())
    level = "warning" if len(good) and zero / len(good) > ZERO_DAY_WARNING else "info"
    check.add("service_requests", "zero_day", level, n=zero, closed=len(good), share=_share(zero, len(good)))
    check.add(
        "service_requests", "open", n=int(closed.isna().sum()), share=_share(int(closed.isna().sum()), len(closed))
    )
    _check_statuses(spec, raw, closed, check)


def _count(check: CityCheck, key: str, n: int, whole: int, level: str) -> None:
    check.add("service_requests", key, level if n else "info", n=n, share=_share(n, whole))


def _check_statuses(spec, raw: pd.DataFrame, closed: pd.Series, check: CityCheck) -> None:
    """A closed date on an open status, and a closed status with no closed date."""
    column = dict(spec.columns or {}).get("status")
    if column is None or column not in raw.columns:
        return
    open_statuses = {s.strip().casefold() for s in (spec.open_statuses or [])}
    status = raw[column].astype("string").str.strip()
    if not open_statuses:
        values = ", ".join(status.value_counts().index[:8])
        check.add("service_requests", "no_open_statuses", "warning", values=values)
        return
    is_open = status.str.casefold().isin(open_statuses).fillna(False)
    both = is_open & closed.notna()
    neither = ~is_open & closed.isna()
    whole = len(status)
    check.add(
        "service_requests",
        "open_with_closed",
        "warning" if both.any() else "info",
        n=int(both.sum()),
        share=_share(int(both.sum()), whole),
    )
    check.add(
        "service_requests",
        "closed_without_date",
        "warning" if neither.any() else "info",
        n=int(neither.sum()),
        share=_share(int(neither.sum()), whole),
    )


# --- 5. duplicates and request types ----------------------------------------------------------------


def _check_requests(profile: CityProfile, raw: pd.DataFrame, check: CityCheck) -> None:
    """Duplicates (the profile's rule, repeated ids, repeated rows) and the focus request types."""
    spec = profile.service_requests
    columns = dict(spec.columns or {})
    rule = getattr(spec, "duplicates", None)
    if rule is None:
        check.add("service_requests", "no_duplicates_rule")
    elif rule.column in raw.columns:
        from kit.course.load import marked_duplicates

        marked = marked_duplicates(raw[rule.column], rule.pattern)
        check.add("service_requests", "duplicates", n=int(marked.sum()), share=_share(int(marked.sum()), len(raw)))
    key = columns.get("unique_key")
    if key in raw.columns:
        ids = raw[key].astype("string").str.strip().replace("", pd.NA).dropna()
        check.add(
            "service_requests",
            "repeated_ids",
            "warning" if ids.duplicated().any() else "info",
            n=int(ids.duplicated().sum()),
        )
    check.add("service_requests", "repeated_rows", n=int(raw.duplicated().sum()))
    _check_types(profile, raw, columns.get("complaint_type"), check)


def _check_types(profile: CityProfile, raw: pd.DataFrame, column: str | None, check: CityCheck) -> None:
    if column is None or column not in raw.columns:
        return
    types = raw[column].astype("string").str.strip().str.upper().value_counts()
    top = ", ".join(f"{t} ({n:,})" for t, n in types.head(5).items())
    check.add("service_requests", "types", n=len(types), top=top)
    for i, focus in enumerate(profile.teaching.focus_types or []):
        found = int(types.get(str(focus).strip().upper(), 0))
        if found:
            check.add("teaching", "focus_type", focus=focus, n=found)
        else:
            check.block(f"teaching.focus_types[{i}]", "focus_missing", focus=focus, top=top)


# --- 6. the spatial join -------------------------------------------------------------------------------


def _check_location(requests: pd.DataFrame, areas, check: CityCheck) -> None:
    """Requests without coordinates or outside every area, and the join against the export's own area column."""
    from kit.analysis.errors import AnalysisError
    from kit.analysis.service_requests import NO_COORDINATES, OUTSIDE_AREAS, assign_areas

    points = requests[["latitude", "longitude"]]
    try:
        located = assign_areas(points, areas[["area_numbe", "community", "geometry"]])
    except AnalysisError as exc:
        check.block("service_requests.columns.latitude", "no_request_in_areas", error=exc.message)
        return
    status = located["location_status"]
    for key, value in (("no_coordinates", NO_COORDINATES), ("outside_areas", OUTSIDE_AREAS)):
        n = int((status == value).sum())
        check.add("service_requests", key, "warning" if n else "info", n=n, share=_share(n, len(status)))
    if "area" not in requests.columns:
        check.add("areas", "no_area_column")
        return
    own, joined = as_key(requests["area"]), as_key(located["area_numbe"])
    both = own.notna() & joined.notna()
    agree = int((own[both] == joined[both]).sum())
    share = agree / int(both.sum()) if both.any() else 0.0
    level = "warning" if share < 0.95 else "info"
    check.add("areas", "agreement", level, share=f"{share:.1%}", agree=agree, compared=int(both.sum()))


# --- 7. population ------------------------------------------------------------------------------------


def _check_population(areas, population: pd.DataFrame | None, check: CityCheck) -> None:
    """Areas without population (to exclude, or a rate is missing for them) and population rows without an area."""
    check.add("areas", "areas", n=len(areas))
    keys = as_key(areas["area_numbe"])
    if keys.duplicated().any():
        check.block("areas.columns.area_id", "repeated_area_ids", example=str(keys[keys.duplicated()].iloc[0]))
    if population is None:
        return
    people = as_key(population["community_area"])
    lacking = areas.loc[~keys.isin(set(people.dropna())).to_numpy(), "community"].astype(str).tolist()
    level = "warning" if lacking else "info"
    check.add("population", "areas_without_population", level, n=len(lacking), names=", ".join(lacking[:10]) or "—")
    orphans = sorted(set(people.dropna()) - set(keys.dropna()))
    check.add(
        "population",
        "population_without_area",
        "warning" if orphans else "info",
        n=len(orphans),
        keys=", ".join(orphans[:10]) or "—",
    )
    check.add("population", "residents", total=f"{int(pd.to_numeric(population['population']).sum()):,}")
