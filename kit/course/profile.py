"""The city profile: one YAML file telling the kit where a city's data is and how to read it.

A profile (``cities/<slug>.yaml``; ``kit course init-city`` writes a commented
starter) names, for each dataset role the modules use, its source (a local file
or a portal dataset) and the city's column for each of the kit's standard
columns (:mod:`kit.course.schema`), with the rules for reading it: the date
order, sentinel closed dates, open statuses, how duplicates are marked, how a
text code names an area, which areas to leave out. :func:`load_profile` checks
it the way plan specs are checked: every mistake at once, each with its line.
``cities/riverton.yaml`` is the bundled sample city's profile.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kit.course.keys import ExpressionError, parse_key
from kit.course.schema import AREAS, POPULATION, PRECINCTS, REQUEST_COLUMNS, RESULTS, STANDARD_NAMES
from kit.data.yaml_lines import line_of, load_mapping_with_lines
from kit.errors import SpecError
from kit.languages import LanguageCode as Language

__all__ = [
    "AreasRole",
    "CityProfile",
    "ColumnRule",
    "Dates",
    "Election",
    "Period",
    "PopulationRole",
    "PrecinctsRole",
    "RequestsRole",
    "ResultsRole",
    "Source",
    "Teaching",
    "check_profile",
    "load_profile",
]

RequestColumn = Literal[tuple(REQUEST_COLUMNS)]
AreaColumn = Literal[tuple(AREAS)]
PopulationColumn = Literal[tuple(POPULATION)]
ResultsColumn = Literal[tuple(RESULTS)]
PrecinctsColumn = Literal[tuple(PRECINCTS)]
# a profile that names no languages is in these (each must be one the kit has: see kit.languages)
DEFAULT_LANGUAGES = ("en", "es")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- rules across fields: functions of plain mappings, so that check_profile can apply them to the
# raw YAML too and report them even when another field of the same part has a mistake


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _source_rule(d: dict) -> str | None:
    portal = d.get("domain") is not None or d.get("dataset") is not None
    if d.get("file") is not None and portal:
        return "give either file, or domain and dataset, not both"
    if d.get("file") is None and not portal:
        return "give file (a local file) or domain and dataset (a portal dataset)"
    if portal and (d.get("domain") is None or d.get("dataset") is None):
        return "a portal source needs both domain and dataset"
    if d.get("where") is not None and d.get("file") is not None:
        return "where filters a portal dataset; a file is read whole"
    return None


def _dates_rule(d: dict) -> str | None:
    fmt = d.get("format")
    if fmt is not None and d.get("dayfirst") is not None:
        return "give format or dayfirst, not both (a format already fixes the order)"
    if fmt is not None and "%" not in str(fmt):
        return f"format {fmt!r} has no % codes; write it like '%d/%m/%Y'"
    return None


def _requests_rule(d: dict) -> str | None:
    if d.get("area_code") is not None and "area" in _dict(d.get("columns")):
        return "give columns.area or area_code, not both"
    return None


def _area_id_rule(d: dict) -> str | None:
    if (d.get("key") is None) == ("area_id" not in _dict(d.get("columns"))):
        return "give the area id as columns.area_id or as key (an expression), one of the two"
    return None


def _areas_rule(d: dict) -> list[str]:
    both = d.get("label") is not None and "area_name" in _dict(d.get("columns"))
    return [m for m in ("give the area name as columns.area_name or as label (a template), not both" if both else None,
                        _area_id_rule(d)) if m]  # fmt: skip


def _population_rule(d: dict) -> list[str]:
    missing = "population" not in _dict(d.get("columns"))
    return [m for m in ("columns.population is required: the column of residents" if missing else None,
                        _area_id_rule(d)) if m]  # fmt: skip


def _all_columns(names: dict[str, str]):
    """A rule: the part's ``columns`` maps every one of ``names``."""

    def rule(d: dict) -> str | None:
        missing = [name for name in names if name not in _dict(d.get("columns"))]
        return f"columns needs {', '.join(missing)} (the city's column for each)" if missing else None

    return rule


def _period_rule(d: dict) -> str | None:
    start, end = d.get("start"), d.get("end")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        return f"the period ends ({end}) before it starts ({start})"
    return None


def _name_rule(d: dict) -> str | None:
    name, languages = _dict(d.get("name")), d.get("languages", list(DEFAULT_LANGUAGES))
    missing = [lang for lang in (languages if isinstance(languages, list) else []) if lang not in name]
    if missing:
        return f"name has no {', '.join(map(str, missing))}: give the city's name in each of languages"
    return None


# where each rule applies, as a field path
_RULES = (
    ("name", _name_rule),
    ("service_requests.source", _source_rule),
    ("areas.source", _source_rule),
    ("population.source", _source_rule),
    ("service_requests.dates", _dates_rule),
    ("service_requests", _requests_rule),
    ("areas", _areas_rule),
    ("population", _population_rule),
    ("results.source", _source_rule),
    ("precincts.source", _source_rule),
    ("results", _all_columns(RESULTS)),
    ("precincts", _all_columns(PRECINCTS)),
    ("teaching.period", _period_rule),
)


def _messages(rule, d: dict) -> list[str]:
    found = rule(d)
    return found if isinstance(found, list) else [found] if found else []


def _apply(rule, model: BaseModel):
    messages = _messages(rule, dict(model))
    if messages:
        raise ValueError("; ".join(messages))
    return model


def _raw_rules(raw: dict) -> list[tuple[str, str]]:
    """Every rule across fields, on the raw YAML (so a mistake elsewhere hides none of them)."""
    found = []
    for where, rule in _RULES:
        part: object = raw
        for key in [] if where == "name" else where.split("."):
            part = _dict(part).get(key)
        if isinstance(part, dict):
            found += [(where, message) for message in _messages(rule, part)]
    return found


class Source(_Strict):
    """Where a role's data comes from: a local ``file``, or a portal ``domain`` + ``dataset``."""

    file: str | None = Field(None, description="CSV, GeoJSON or zipped Shapefile; relative to the profile's folder")
    encoding: str = Field("utf-8", description="the text encoding of a CSV file, e.g. latin-1")
    domain: str | None = Field(None, description="a Socrata portal, e.g. data.cityofchicago.org")
    dataset: str | None = Field(None, description="the portal dataset id (four-by-four), e.g. v6vf-nfxy")
    where: str | None = Field(None, description="optional SoQL $where to fetch only some rows")

    @model_validator(mode="after")
    def _one_source(self) -> Source:
        return _apply(_source_rule, self)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a regular expression ({exc})") from None
    return value


class ColumnRule(_Strict):
    """A column and a regular expression searched in it (case-insensitive)."""

    column: str = Field(min_length=1)
    pattern: str = Field(min_length=1)

    _check_pattern = field_validator("pattern")(_regex)


class Dates(_Strict):
    """How the city writes dates: an exact ``format`` or the day/month order (``dayfirst``)."""

    format: str | None = Field(None, description="a strftime format such as '%d/%m/%Y %H:%M'")
    dayfirst: bool | None = Field(None, description="true when 05/03/2025 means 5 March")

    @model_validator(mode="after")
    def _one_rule(self) -> Dates:
        return _apply(_dates_rule, self)


def _check_key(value: str | None) -> str | None:
    if value is not None:
        try:
            parse_key(value)
        except ExpressionError as exc:
            raise ValueError(str(exc)) from None
    return value


class RequestsRole(_Strict):
    """Service requests (311): the source, the city's column for each standard column, and reading rules."""

    source: Source
    columns: dict[RequestColumn, str] = Field(min_length=1)
    dates: Dates = Dates()
    closed_sentinels: list[date] = Field([], description="closed dates that mean 'not closed', e.g. 1900-01-01")
    open_statuses: list[str] = Field([], description="status values of requests still open")
    duplicates: ColumnRule | None = Field(None, description="the column and pattern marking a duplicate report")
    area_code: ColumnRule | None = Field(None, description="a text code naming the area, e.g. '05 NORTH' -> '5'")

    @model_validator(mode="after")
    def _one_area(self) -> RequestsRole:
        return _apply(_requests_rule, self)


class AreasRole(_Strict):
    """Area polygons: the id (a column, or a ``key`` expression) and name (a column, or a ``label``)."""

    source: Source
    columns: dict[AreaColumn, str] = {}
    key: str | None = Field(None, description="an id computed from columns, e.g. 'borough_digit * 100 + district'")
    label: str | None = Field(None, description="a name written from columns, e.g. '{borough} {district}'")
    exclude: list[str | int] = Field([], description="names or ids of areas to leave out (parks, airports)")

    _check_key = field_validator("key")(_check_key)

    @model_validator(mode="after")
    def _id_and_name(self) -> AreasRole:
        return _apply(_areas_rule, self)


class PopulationRole(_Strict):
    """Residents per area: the area id (a column, or a ``key`` expression), the population and its year."""

    source: Source
    columns: dict[PopulationColumn, str]
    key: str | None = Field(None, description="an id computed from columns, as the areas' key")
    year: int | None = Field(None, ge=1800, le=2200, description="the year of the figures, when no column says")

    _check_key = field_validator("key")(_check_key)

    @model_validator(mode="after")
    def _id_and_figures(self) -> PopulationRole:
        return _apply(_population_rule, self)


class Election(_Strict):
    """The election a results file counts: its day and its name in each language."""

    date: date
    name: dict[Language, str] = Field(min_length=1, description="e.g. {en: municipal general election, es: …}")


class ResultsRole(_Strict):
    """Precinct results of one election, wide: a row per precinct, a column per candidate (as Chicago's)."""

    source: Source
    columns: dict[ResultsColumn, str] = Field(description="the city's ward, precinct, registered, ballots columns")
    candidates: list[str] = Field([], description="the candidate columns; default: every other column")
    election: Election

    @model_validator(mode="after")
    def _four_columns(self) -> ResultsRole:
        return _apply(_all_columns(RESULTS), self)


class PrecinctsRole(_Strict):
    """Precinct shapes: the ward and precinct columns that match the results' rows."""

    source: Source
    columns: dict[PrecinctsColumn, str]

    @model_validator(mode="after")
    def _both_columns(self) -> PrecinctsRole:
        return _apply(_all_columns(PRECINCTS), self)


class Period(_Strict):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        return _apply(_period_rule, self)


class Teaching(_Strict):
    """What the modules teach with: the request types to focus on, the period, the ward to look at closely."""

    focus_types: list[str] = []
    period: Period | None = None
    focus_ward: int | None = Field(None, ge=0, description="module 2's ward; default: the ward with the lowest turnout")


class CityProfile(_Strict):
    """A city's profile. ``path`` is the file it was read from (relative sources resolve against its folder)."""

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    languages: list[Language] = Field(list(DEFAULT_LANGUAGES), min_length=1)  # before name: name's check reads it
    name: dict[Language, str] = Field(min_length=1)
    service_requests: RequestsRole | None = None
    areas: AreasRole | None = None
    population: PopulationRole | None = None
    results: ResultsRole | None = None
    precincts: PrecinctsRole | None = None
    teaching: Teaching = Teaching()
    _path: Path | None = PrivateAttr(None)

    @field_validator("name")
    @classmethod
    def _named_in_each_language(cls, value: dict, info: ValidationInfo) -> dict:
        message = _name_rule({"name": value, "languages": info.data.get("languages", list(DEFAULT_LANGUAGES))})
        if message:
            raise ValueError(message)
        return value

    @property
    def path(self) -> Path | None:
        """The profile file (None for a profile built in code)."""
        return self._path

    def resolve(self, file: str | Path) -> Path:
        """A source file's path: absolute as written, or relative to the profile's folder."""
        file = Path(file).expanduser()
        if file.is_absolute() or self._path is None:
            return file
        return self._path.parent / file


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _fields_at(loc: tuple) -> list[str]:
    """The fields the model at ``loc`` accepts (for an unknown key's message)."""
    model: type[BaseModel] = CityProfile
    for part in loc:
        info = model.model_fields.get(part) if isinstance(part, str) else None
        inner = list(getattr(info.annotation, "__args__", (info.annotation,))) if info else []
        found = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        if not found:
            break
        model = found[0]
    return list(model.model_fields)


def _message(error: dict) -> str:
    loc, kind = error["loc"], error["type"]
    if kind == "extra_forbidden":
        return f"unknown field {loc[-1]!r}; fields here: {', '.join(_fields_at(loc[:-1]))}"
    if kind == "literal_error" and loc and loc[-1] == "[key]":
        names = ", ".join(STANDARD_NAMES.get(str(loc[0]), ()))
        return f"{loc[-2]!r} is not a standard column name; standard names: {names}"
    return re.sub(r"^(Value|Assertion) error, ", "", error["msg"])


def check_profile(text: str, name: str = "profile", path: Path | None = None) -> CityProfile:
    """Validate a profile's text; raise :class:`SpecError` listing every mistake as ``file:line: field: message``."""
    raw, lines = load_mapping_with_lines(text, name, "slug, name, service_requests")
    try:
        profile = CityProfile.model_validate(raw)
    except ValidationError as exc:
        ruled = {where for where, _ in _RULES}  # reported from the raw YAML, one message each
        # a rule's own error is reported from the raw YAML; another error there (missing, wrong type) is
        # kept unless the rule already said what is wrong at that field
        by_rules = _raw_rules(raw)
        said = {f for f, _ in by_rules}
        errors = [e for e in exc.errors() if _field_path(e["loc"]) not in ruled or e["type"] != "value_error"]
        found = [(_field_path(e["loc"]), _message(e)) for e in errors if _field_path(e["loc"]) not in said] + by_rules
        ordered = sorted(dict.fromkeys(found), key=lambda p: (line_of(lines, p[0]), p[0]))
        raise SpecError(name, [f"{name}:{line_of(lines, f)}: {f or 'profile'}: {m}" for f, m in ordered]) from None
    profile._path = path
    return profile


def load_profile(path: Path) -> CityProfile:
    """Read and validate a city profile file.

    Parameters
    ----------
    path
        The profile, e.g. ``cities/riverton.yaml``.

    Returns
    -------
    CityProfile
        The profile; its ``path`` is ``path``, so relative sources resolve against its folder.

    Raises
    ------
    SpecError
        Listing every mistake, each ``file:line: field: message``: unknown fields,
        a column name that is not one of the kit's standard names (with the list),
        a source with both or neither of file and domain + dataset, …

    Examples
    --------
    >>> from kit.paths import checkout_root
    >>> profile = load_profile(checkout_root() / "cities" / "riverton.yaml")
    >>> profile.service_requests.columns["created_date"]
    'created_date'
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(str(path), [f"{path}: cannot be read ({exc})"]) from None
    return check_profile(text, str(path), path.resolve())
