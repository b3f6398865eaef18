"""The sentences of `kit course check`'s report, in English and Spanish: a registry, one entry per check.

Each finding key maps, per language, to ``(label, sentence)``: what was checked
and what was found, as :meth:`str.format` templates over the finding's values.
Each problem key maps to one sentence saying what is wrong and how to fix it.
"""

from __future__ import annotations

LANGUAGES = ("en", "es")

ROLES = {
    "service_requests": {"en": "Service requests", "es": "Solicitudes de servicio"},
    "areas": {"en": "Areas", "es": "Áreas"},
    "population": {"en": "Population", "es": "Población"},
    "results": {"en": "Election results", "es": "Resultados electorales"},
    "precincts": {"en": "Precincts", "es": "Precintos"},
    "teaching": {"en": "Teaching choices", "es": "Opciones de enseñanza"},
}

WORDS = {
    "title": {"en": "City check: {city}", "es": "Revisión de la ciudad: {city}"},
    "profile": {"en": "Profile", "es": "Perfil"},
    "problems": {"en": "Problems to fix before adapting", "es": "Problemas que corregir antes de adaptar"},
    "field": {"en": "profile field to fix", "es": "campo del perfil que corregir"},
    "check": {"en": "check", "es": "revisión"},
    "verdict_ok": {"en": "Nothing blocks the modules.", "es": "Nada impide los módulos."},
    "verdict_blocked": {
        "en": "{n} problem(s) block the modules: fix the profile fields below, then check again.",
        "es": "{n} problema(s) impiden los módulos: corrija los campos del perfil indicados y vuelva a revisar.",
    },
}

FINDINGS = {
    "role_absent": {
        "en": ("role", "not in the profile: the steps that need it are skipped"),
        "es": ("rol", "no está en el perfil: se omiten los pasos que lo necesitan"),
    },
    "rows": {"en": ("rows read", "{rows:,} from {source}"), "es": ("filas leídas", "{rows:,} de {source}")},
    "precincts": {
        "en": ("precincts", "{n:,} in {wards:,} wards"),
        "es": ("precintos", "{n:,} en {wards:,} distritos"),
    },
    "candidates": {
        "en": ("candidate columns", "{n:,}; on every ballot (citywide race): {citywide:,}"),
        "es": ("columnas de candidatos", "{n:,}; en todas las boletas (contienda de toda la ciudad): {citywide:,}"),
    },
    "ward_races": {
        "en": ("wards with a contested race", "{n:,}"),
        "es": ("distritos con una contienda disputada", "{n:,}"),
    },
    "other_columns": {
        "en": ("columns in several wards, not all", "{n:,}, such as {names}: module 2 cannot place them in a race"),
        "es": (
            "columnas en varios distritos, no en todos",
            "{n:,}, como {names}: el módulo 2 no las ubica en una contienda",
        ),
    },
    "load_note": {"en": ("while loading", "{text}"), "es": ("al cargar", "{text}")},
    "shapes": {"en": ("precinct shapes", "{n:,}"), "es": ("formas de precintos", "{n:,}")},
    "precinct_join": {
        "en": ("results with a shape", "{n:,} of {total:,} ({share})"),
        "es": ("resultados con forma", "{n:,} de {total:,} ({share})"),
    },
    "no_shape": {
        "en": ("precincts without a shape", "{n:,}, such as {keys}: the maps leave them out"),
        "es": ("precintos sin forma", "{n:,}, como {keys}: los mapas los omiten"),
    },
    "no_results": {
        "en": ("shapes without results", "{n:,}, such as {keys}"),
        "es": ("formas sin resultados", "{n:,}, como {keys}"),
    },
    "uncontested_ward": {
        "en": ("focus_ward", "ward {ward} had no contested race of its own: module 2 skips its race, saying why"),
        "es": (
            "focus_ward",
            "el distrito {ward} no tuvo una contienda disputada propia: el módulo 2 la omite y lo dice",
        ),
    },
    "column": {
        "en": ("column {standard}", "{column} ({empty:,} empty)"),
        "es": ("columna {standard}", "{column} ({empty:,} vacías)"),
    },
    "column_missing": {
        "en": ("column {standard}", "{column} is not in the file: the steps that use it are skipped"),
        "es": ("columna {standard}", "{column} no está en el archivo: se omiten los pasos que la usan"),
    },
    "date_samples": {
        "en": ("{standard} as parsed", "{column}: {samples}"),
        "es": ("{standard} interpretada", "{column}: {samples}"),
    },
    "date_order": {
        "en": ("day/month order of {column}", "month first (as in {example}): a day above 12 settles it"),
        "es": ("orden día/mes de {column}", "mes primero (como en {example}): un día mayor que 12 lo confirma"),
    },
    "unparseable": {
        "en": ("unreadable dates in {column}", "{n:,} ({share}), such as {example!r}: read as missing"),
        "es": ("fechas ilegibles en {column}", "{n:,} ({share}), como {example!r}: se leen como faltantes"),
    },
    "sentinels": {
        "en": ("sentinel closed dates", "{n:,} ({share}) read as open (no closed date)"),
        "es": ("fechas de cierre centinela", "{n:,} ({share}) se leen como abiertas (sin fecha de cierre)"),
    },
    "negative": {
        "en": ("closed before created", "{n:,} ({share} of closed requests) read as missing durations"),
        "es": ("cerradas antes de crearse", "{n:,} ({share} de las cerradas) se leen como duraciones faltantes"),
    },
    "sentinel_hint": {
        "en": (
            "placeholder dates?",
            "closed dates as early as {example}: list them in closed_sentinels if a placeholder",
        ),
        "es": (
            "¿fechas de relleno?",
            "fechas de cierre desde {example}: inclúyalas en closed_sentinels si son de relleno",
        ),
    },
    "zero_day": {
        "en": ("closed the instant created", "{n:,} of {closed:,} closures ({share}): medians may read 0 days"),
        "es": ("cerradas al crearse", "{n:,} de {closed:,} cierres ({share}): las medianas pueden dar 0 días"),
    },
    "open": {
        "en": ("open (no closed date)", "{n:,} ({share})"),
        "es": ("abiertas (sin fecha de cierre)", "{n:,} ({share})"),
    },
    "no_open_statuses": {
        "en": (
            "open statuses",
            "open_statuses is not set, so statuses are not compared with closed dates; values: {values}",
        ),
        "es": (
            "estados abiertos",
            "open_statuses no está definido: no se comparan estados y fechas de cierre; valores: {values}",
        ),
    },
    "open_with_closed": {
        "en": ("closed date on an open status", "{n:,} ({share})"),
        "es": ("fecha de cierre con estado abierto", "{n:,} ({share})"),
    },
    "closed_without_date": {
        "en": ("closed status without closed date", "{n:,} ({share})"),
        "es": ("estado cerrado sin fecha de cierre", "{n:,} ({share})"),
    },
    "no_duplicates_rule": {
        "en": ("duplicate reports", "no duplicates rule in the profile: the module's duplicates step is skipped"),
        "es": ("reportes duplicados", "el perfil no tiene regla de duplicados: se omite ese paso del módulo"),
    },
    "duplicates": {
        "en": ("duplicate reports", "{n:,} marked ({share})"),
        "es": ("reportes duplicados", "{n:,} marcados ({share})"),
    },
    "repeated_ids": {
        "en": ("repeated request ids", "{n:,}"),
        "es": ("identificadores repetidos", "{n:,}"),
    },
    "repeated_rows": {
        "en": ("rows repeated exactly", "{n:,}"),
        "es": ("filas repetidas exactamente", "{n:,}"),
    },
    "types": {
        "en": ("request types", "{n:,}; most common: {top}"),
        "es": ("tipos de solicitud", "{n:,}; los más comunes: {top}"),
    },
    "focus_type": {
        "en": ("focus type {focus}", "{n:,} requests"),
        "es": ("tipo de enfoque {focus}", "{n:,} solicitudes"),
    },
    "no_coordinates": {
        "en": ("without coordinates", "{n:,} ({share}): kept, labelled, not on the map"),
        "es": ("sin coordenadas", "{n:,} ({share}): se conservan y etiquetan, fuera del mapa"),
    },
    "outside_areas": {
        "en": ("outside every area", "{n:,} ({share})"),
        "es": ("fuera de toda área", "{n:,} ({share})"),
    },
    "no_area_column": {
        "en": ("export's own area column", "not mapped (columns.area or area_code): the spatial join is not compared"),
        "es": ("columna de área propia", "sin mapear (columns.area o area_code): la unión espacial no se compara"),
    },
    "agreement": {
        "en": ("spatial join vs the export's area", "{share} agree ({agree:,} of {compared:,} requests with both)"),
        "es": ("unión espacial vs área de la exportación", "{share} coinciden ({agree:,} de {compared:,} con ambas)"),
    },
    "areas": {"en": ("areas", "{n:,} after exclusions"), "es": ("áreas", "{n:,} tras las exclusiones")},
    "areas_without_population": {
        "en": ("areas without population", "{n:,}: {names} (exclude them in areas.exclude, or no rate)"),
        "es": ("áreas sin población", "{n:,}: {names} (exclúyalas en areas.exclude, o no tendrán tasa)"),
    },
    "population_without_area": {
        "en": ("population rows with no area", "{n:,}: {keys}"),
        "es": ("filas de población sin área", "{n:,}: {keys}"),
    },
    "residents": {"en": ("residents", "{total} in all"), "es": ("residentes", "{total} en total")},
}

PROBLEMS = {
    "no_requests": {
        "en": "the profile has neither service_requests (module 3) nor results and precincts (module 2)",
        "es": "el perfil no tiene service_requests (módulo 3) ni results y precincts (módulo 2)",
    },
    "repeated_precincts": {
        "en": "precinct {example} has more than one shape: check the ward and precinct columns",
        "es": "el precinto {example} tiene más de una forma: revise las columnas de distrito y precinto",
    },
    "no_precinct_matches": {
        "en": "no shape matches a precinct of the results (shapes look like {example}): are ward and precinct "
        "the right columns?",
        "es": "ninguna forma coincide con un precinto de los resultados (las formas se ven como {example}): "
        "¿son distrito y precinto las columnas correctas?",
    },
    "unknown_ward": {
        "en": "the results have no ward {ward}; wards: {wards}",
        "es": "los resultados no tienen el distrito {ward}; distritos: {wards}",
    },
    "unreadable": {
        "en": "cannot read the source: {error}",
        "es": "no se puede leer la fuente: {error}",
    },
    "missing_column": {
        "en": "column {column!r} is not in the file; its columns: {available}",
        "es": "la columna {column!r} no está en el archivo; sus columnas: {available}",
    },
    "unmapped_column": {
        "en": "not mapped, and the modules need it: name the city's column; its columns: {available}",
        "es": "sin mapear, y los módulos la necesitan: indique la columna de la ciudad; sus columnas: {available}",
    },
    "looks_dayfirst": {
        "en": "{column} is written day first (such as {example!r}): set dates.dayfirst: true (or dates.format)",
        "es": "{column} lleva el día primero (como {example!r}): ponga dates.dayfirst: true (o dates.format)",
    },
    "ambiguous_dates": {
        "en": "{column}: {n:,} dates such as {example!r} read either day/month or month/day; "
        "set dates.format (e.g. '%d/%m/%Y') or dates.dayfirst: the kit will not guess",
        "es": "{column}: {n:,} fechas como {example!r} pueden leerse día/mes o mes/día; "
        "defina dates.format (p. ej. '%d/%m/%Y') o dates.dayfirst: el kit no adivina",
    },
    "load_failed": {
        "en": "the data does not load: {error} {hint}",
        "es": "los datos no cargan: {error} {hint}",
    },
    "focus_missing": {
        "en": "no request has the type {focus!r}; the most common: {top}",
        "es": "ninguna solicitud tiene el tipo {focus!r}; los más comunes: {top}",
    },
    "no_request_in_areas": {
        "en": "no request falls inside any area ({error}): latitude/longitude swapped, or another city's map "
        "(areas.source)?",
        "es": "ninguna solicitud cae dentro de un área ({error}): ¿latitud y longitud invertidas, u otro mapa "
        "(areas.source)?",
    },
    "repeated_area_ids": {
        "en": "area id {example!r} names more than one area: pick a unique id column or a key expression",
        "es": "el identificador {example!r} nombra más de un área: elija una columna única o una expresión de clave",
    },
}


def _language(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def role_title(role: str, lang: str) -> str:
    """A role's heading in ``lang`` (the role's own name when it has none)."""
    return ROLES.get(role, {}).get(_language(lang), role)


def label_of(key: str, params: dict, lang: str) -> str:
    """What a finding checked (or a report word), in ``lang``."""
    if key in WORDS:
        return WORDS[key][_language(lang)].format(**params)
    return FINDINGS[key][_language(lang)][0].format(**params)


def sentence(key: str, params: dict, lang: str) -> str:
    """What a finding found (or a report sentence), in ``lang``."""
    if key in WORDS:
        return WORDS[key][_language(lang)].format(**params)
    return FINDINGS[key][_language(lang)][1].format(**params)


def problem_text(key: str, params: dict, lang: str) -> str:
    """A problem's sentence in ``lang``."""
    return PROBLEMS[key][_language(lang)].format(**params).strip()
