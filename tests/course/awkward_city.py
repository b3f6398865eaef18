"""A small generated city built to be awkward for the kit, and its profile.

Villa Torcida writes its 311 export the way many real cities do, and nothing
like the sample city:

- Spanish column names (``folio``, ``fecha_creacion``, ``fecha_cierre``, ``tipo``,
  ``estado``, ``latitud``, ``longitud``, ``distrito``, ``canal``);
- day-first dates (``05/03/2025 14:30`` is 5 March), at least one with a day above 12;
- composite area keys: borough digit × 100 + district number (``205``), in the
  polygons (``cve_mun`` + ``num_distrito``) and in the population (``municipio`` +
  ``distrito``); the requests name their district by a text code (``"205 CENTRO"``);
- a sentinel closed date, ``01/01/1900``, on requests still open (``Asignado``);
- a few closed dates before their created date, and some zero-day closures;
- areas without population -- a park and an airport -- that the profile excludes;
- no duplicate markers at all;
- some requests without coordinates (empty text), a few in the park;
- election results (``resultados_2024.csv``) as a Mexican-style export: Spanish
  headers (``Distrito``, ``Sección``, ``Lista nominal``, ``Votos emitidos``),
  zero-padded ward numbers, thousands separators, a candidate with a nickname
  in quotes and accents, a ward whose race has one candidate, a special
  polling station with no registered voters and no shape (``sección 99``),
  and a ``TOTAL`` line at the end; precinct shapes (``secciones.geojson``)
  with their own column names.

:func:`write_awkward_city` writes the three files and the profile into a folder;
the tests compute their expectations from the written files with plain pandas.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 13
ROWS = 600
ORIGIN = (-99.20, 19.30)  # lon, lat of the south-west corner
SIZE = 0.02  # each district is a square this many degrees wide

BOROUGHS = {1: "NORTE", 2: "CENTRO", 3: "SUR"}
# (borough digit, district number, name, residents or None for no population)
AREAS = [
    (1, 1, "San Rafael", 18_250),
    (1, 2, "Las Lomas", 9_840),
    (1, 3, "El Molino", 14_410),
    (2, 1, "Centro Histórico", 22_730),
    (2, 2, "La Merced", 16_080),
    (2, 3, "Santa Cruz", 11_520),
    (3, 1, "Los Pinos", 13_390),
    (3, 2, "El Rosario", 19_960),
    (3, 3, "Valle Verde", 8_770),
    (2, 50, "Parque Central", None),
    (3, 80, "Aeropuerto", None),
]
TYPES = ["Bache", "Basura", "Fuga de agua", "Alumbrado", "Ruido"]
CHANNELS = ["TELEFONO", "WEB", "APP"]

PROFILE = """\
# Villa Torcida: a generated city built to be awkward (see tests/course/awkward_city.py).
slug: villa-torcida
name: {en: Villa Torcida, es: Villa Torcida}
languages: [en, es]

service_requests:
  source: {file: solicitudes.csv}
  columns:
    unique_key: folio
    created_date: fecha_creacion
    closed_date: fecha_cierre
    complaint_type: tipo
    status: estado
    latitude: latitud
    longitude: longitud
    open_data_channel_type: canal
  dates: {dayfirst: true}
  closed_sentinels: [1900-01-01]
  open_statuses: [Abierto, Asignado]
  area_code: {column: distrito, pattern: "^(\\\\d{3})"}

areas:
  source: {file: distritos.geojson}
  key: cve_mun * 100 + num_distrito
  label: "{nombre_distrito}"
  exclude: [Parque Central, 380]

population:
  source: {file: poblacion.csv}
  columns: {population: habitantes, year: anio}
  key: municipio * 100 + distrito

teaching:
  focus_types: [Bache, Basura]
  period: {start: 2024-01-01, end: 2025-12-31}

results:
  source: {file: resultados_2024.csv}
  columns: {ward: Distrito, precinct: Sección, registered: Lista nominal, ballots: Votos emitidos}
  election: {date: 2024-06-02, name: {en: municipal election, es: elección municipal}}

precincts:
  source: {file: secciones.geojson}
  columns: {ward: distrito_electoral, precinct: seccion}
"""

# the election: 3 wards x 4 precincts; citywide candidates, then each ward's (ward 2: one candidate only)
MAYOR = ['ANA "LA MAESTRA" RUIZ', "JOSÉ MARÍA ÁLVAREZ", "CANDIDATURA NO REGISTRADA"]
WARD_RACES = {1: ["LUCÍA PEÑA", "RAÚL OCHOA"], 2: ["MARTA ÍÑIGUEZ"], 3: ["PEDRO SOLÍS", "INÉS GARZA", "TOMÁS LEAL"]}
SPECIAL = (2, 99)  # a special polling station: no registered voters, no shape


def _square(col: int, row: int) -> list[list[list[float]]]:
    x, y = ORIGIN[0] + col * SIZE, ORIGIN[1] + row * SIZE
    return [[[x, y], [x + SIZE, y], [x + SIZE, y + SIZE], [x, y + SIZE], [x, y]]]


def _polygons() -> dict:
    """The districts on a 4 × 3 grid, properties as text the way portal exports write them."""
    features = []
    for i, (borough, district, name, _) in enumerate(AREAS):
        properties = {
            "cve_mun": str(borough),
            "num_distrito": f"{district:02d}",
            "nombre_distrito": name,
            "nombre_municipio": BOROUGHS[borough],
        }
        geometry = {"type": "Polygon", "coordinates": _square(i % 4, i // 4)}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _population() -> pd.DataFrame:
    rows = [
        {"municipio": str(b), "distrito": str(d), "nombre": n, "habitantes": f"{p:,}", "anio": "2023"}
        for b, d, n, p in AREAS
        if p is not None
    ]
    return pd.DataFrame(rows)


def _dates(rng: np.random.Generator, n: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Created and closed timestamps and statuses, with sentinels, negatives and zero-day closures."""
    start = pd.Timestamp("2024-01-01")
    created = start + pd.to_timedelta(rng.integers(0, 730 * 24 * 60, n), unit="min")
    days = rng.exponential(6.0, n)
    closed = pd.Series(created + pd.to_timedelta(np.round(days * 24 * 60), unit="min"))
    status = pd.Series(rng.choice(["Cerrado", "Abierto", "Asignado"], n, p=[0.85, 0.07, 0.08]))
    zero = rng.random(n) < 0.10
    closed[zero] = pd.Series(created)[zero]
    negative = (status == "Cerrado") & (rng.random(n) < 0.02)
    closed[negative] = pd.Series(created)[negative] - pd.Timedelta(days=3)
    closed = closed.astype(object)
    closed[status == "Abierto"] = None
    closed[status == "Asignado"] = pd.Timestamp("1900-01-01")
    return pd.Series(created), closed, status


def _requests(rng: np.random.Generator) -> pd.DataFrame:
    weights = np.array([p or 400 for *_, p in AREAS], dtype=float)
    which = rng.choice(len(AREAS), ROWS, p=weights / weights.sum())
    created, closed, status = _dates(rng, ROWS)
    col, row = which % 4, which // 4
    lon = ORIGIN[0] + (col + rng.uniform(0.1, 0.9, ROWS)) * SIZE
    lat = ORIGIN[1] + (row + rng.uniform(0.1, 0.9, ROWS)) * SIZE
    codes = [f"{AREAS[i][0] * 100 + AREAS[i][1]} {BOROUGHS[AREAS[i][0]]}" for i in which]
    frame = pd.DataFrame(
        {
            "folio": [f"VT-{k:05d}" for k in range(1, ROWS + 1)],
            "fecha_creacion": created.dt.strftime("%d/%m/%Y %H:%M"),
            "fecha_cierre": [v.strftime("%d/%m/%Y %H:%M") if v is not None else "" for v in closed],
            "tipo": rng.choice(TYPES, ROWS),
            "estado": status,
            "latitud": [f"{v:.6f}" for v in lat],
            "longitud": [f"{v:.6f}" for v in lon],
            "distrito": codes,
            "canal": rng.choice(CHANNELS, ROWS),
        }
    )
    lacking = rng.random(ROWS) < 0.04
    frame.loc[lacking, ["latitud", "longitud"]] = ""
    return frame


def _results(rng: np.random.Generator) -> pd.DataFrame:
    """Wide results: one row per precinct (and the special station), then a TOTAL line."""
    rows = []
    for ward, precinct in [(w, p) for w in WARD_RACES for p in range(1, 5)] + [SPECIAL]:
        registered = 0 if (ward, precinct) == SPECIAL else int(rng.integers(1_200, 3_000))
        ballots = int(rng.integers(250, 400)) if registered == 0 else int(registered * rng.uniform(0.2, 0.6))
        mayor = rng.multinomial(ballots - 5, [0.46, 0.5, 0.04])
        row = {"Distrito": f"{ward:02d}", "Sección": str(precinct), "Lista nominal": f"{registered:,}",
               "Votos emitidos": f"{ballots:,}"}  # fmt: skip
        row |= {name: f"{votes:,}" for name, votes in zip(MAYOR, mayor, strict=True)}
        for race_ward, names in WARD_RACES.items():
            shares = rng.dirichlet(np.ones(len(names)) * 8)
            votes = rng.multinomial(ballots - 9, shares)
            row |= {n: (f"{v:,}" if race_ward == ward else "") for n, v in zip(names, votes, strict=True)}
        rows.append(row)
    frame = pd.DataFrame(rows)
    total = dict.fromkeys(frame.columns, "") | {"Distrito": "TOTAL"}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def _precinct_shapes() -> dict:
    """The 12 precincts (not the special station) on a 4 x 3 grid over the districts."""
    features = []
    for i, (ward, precinct) in enumerate([(w, p) for w in WARD_RACES for p in range(1, 5)]):
        properties = {"distrito_electoral": str(ward), "seccion": f"{precinct:04d}", "tipo": "URBANA"}
        geometry = {"type": "Polygon", "coordinates": _square(i % 4, i // 4)}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def write_awkward_city(folder: Path) -> Path:
    """Write Villa Torcida's requests, districts, population, election results and precincts, and its profile.

    Returns
    -------
    Path
        The profile, ``folder / "villa-torcida.yaml"``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    _requests(rng).to_csv(folder / "solicitudes.csv", index=False)
    (folder / "distritos.geojson").write_text(json.dumps(_polygons(), ensure_ascii=False), encoding="utf-8")
    _population().to_csv(folder / "poblacion.csv", index=False)
    _results(rng).to_csv(folder / "resultados_2024.csv", index=False)
    (folder / "secciones.geojson").write_text(json.dumps(_precinct_shapes(), ensure_ascii=False), encoding="utf-8")
    profile = folder / "villa-torcida.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return profile
