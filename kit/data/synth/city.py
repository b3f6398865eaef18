"""The sample city, Riverton: neighborhoods, their shapes and their people.

Riverton is fictional: a mid-size US city of about 180,000 people in twelve
neighborhoods. Its coordinates place it in the Midwest so that maps and web tiles
look right; nothing else about it is real.

The neighborhoods tile a jittered 4 x 3 grid. Every vertex and edge midpoint is
shared by the cells that meet there, so the polygons cover the city without gaps
or overlaps, and no geometry library is needed to build them (which keeps the
output byte-identical across GEOS versions).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from kit.data.synth.names import STREET_NAMES, STREET_TYPES

CITY_NAME = "Riverton"
STATE = "IL"

_COLS, _ROWS = 4, 3
_LON0, _LAT0 = -88.995, 41.575  # south-west corner
_DLON, _DLAT = 0.040, 0.030  # about 3.3 km each way
# feet per degree at this latitude (for the State Plane-style x/y columns)
FT_PER_DEG_LON = 273_300
FT_PER_DEG_LAT = 364_500

# (name, district, population range, 311 requests per 1,000 residents a year,
#  response-time factor: >1 means the city is slower to close requests there)
_NEIGHBORHOODS = (
    ("Westbrook", "SOUTH", 11_000, 9.0, 1.05),
    ("Ironworks", "SOUTH", 14_500, 16.0, 1.75),
    ("Southfield", "SOUTH", 18_500, 14.0, 1.55),
    ("Harbor Flats", "SOUTH", 9_500, 19.0, 1.90),
    ("Maple Grove", "CENTRAL", 16_000, 8.0, 0.85),
    ("Old Mill", "CENTRAL", 21_500, 13.0, 1.30),
    ("Downtown", "CENTRAL", 12_000, 24.0, 0.80),
    ("Eastport", "CENTRAL", 19_000, 15.0, 1.45),
    ("Fairview", "NORTH", 13_000, 7.0, 0.70),
    ("Cedar Heights", "NORTH", 17_500, 6.5, 0.65),
    ("Riverside", "NORTH", 15_000, 10.0, 0.90),
    ("Northgate", "NORTH", 12_500, 9.5, 0.95),
)


@dataclass
class Neighborhood:
    """One neighborhood of the sample city."""

    number: int
    name: str
    district: str
    population: int
    request_rate: float
    response_factor: float
    zip_code: str
    ring: list[tuple[float, float]]  # closed exterior ring, (lon, lat), counter-clockwise
    corners: tuple[tuple[float, float], ...]  # sw, se, ne, nw
    streets: list[str] = field(default_factory=list)

    def random_point(self, rng: random.Random) -> tuple[float, float]:
        """A (lon, lat) point drawn uniformly-ish inside the neighborhood."""
        sw, se, ne, nw = self.corners
        while True:
            u, v = rng.uniform(0.04, 0.96), rng.uniform(0.04, 0.96)
            lon = (1 - u) * (1 - v) * sw[0] + u * (1 - v) * se[0] + u * v * ne[0] + (1 - u) * v * nw[0]
            lat = (1 - u) * (1 - v) * sw[1] + u * (1 - v) * se[1] + u * v * ne[1] + (1 - u) * v * nw[1]
            if point_in_ring(lon, lat, self.ring):
                return lon, lat

    def area_and_perimeter_ft(self) -> tuple[float, float]:
        """Planar area (sq ft) and perimeter (ft), as Socrata exports report them."""
        return ring_area_and_length([(x * FT_PER_DEG_LON, y * FT_PER_DEG_LAT) for x, y in self.ring])


@dataclass
class City:
    """The sample city: its name and neighborhoods."""

    name: str
    state: str
    neighborhoods: list[Neighborhood]

    @property
    def population(self) -> int:
        return sum(n.population for n in self.neighborhoods)


def ring_area_and_length(ring) -> tuple[float, float]:
    """Planar (shoelace) area and length of a closed ring, in the ring's own units."""
    area = 0.0
    length = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        area += x1 * y2 - x2 * y1
        length += math.hypot(x2 - x1, y2 - y1)
    return abs(area) / 2, length


def point_in_ring(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    """Ray-casting test: is (x, y) inside the closed ring?"""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y):
            cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross:
                inside = not inside
    return inside


def build_city(seed: int) -> City:
    """Build Riverton from a seed: shapes, populations, zip codes and streets."""
    rng = random.Random(seed)
    jitter = 0.18
    vertex = {}
    for i in range(_COLS + 1):
        for j in range(_ROWS + 1):
            dx = rng.uniform(-jitter, jitter) * _DLON
            dy = rng.uniform(-jitter, jitter) * _DLAT
            vertex[i, j] = (_LON0 + i * _DLON + dx, _LAT0 + j * _DLAT + dy)

    midpoint_cache: dict[tuple, tuple[float, float]] = {}

    def midpoint(a: tuple[int, int], b: tuple[int, int]) -> tuple[float, float]:
        key = (min(a, b), max(a, b))
        if key not in midpoint_cache:
            (x1, y1), (x2, y2) = vertex[key[0]], vertex[key[1]]
            # push the midpoint sideways a little, perpendicular to the edge
            length = math.hypot(x2 - x1, y2 - y1)
            nx, ny = -(y2 - y1) / length, (x2 - x1) / length
            off = rng.uniform(-0.06, 0.06) * length
            midpoint_cache[key] = ((x1 + x2) / 2 + nx * off, (y1 + y2) / 2 + ny * off)
        return midpoint_cache[key]

    neighborhoods = []
    number = 0
    for j in range(_ROWS):
        for i in range(_COLS):
            name, district, pop_base, rate, factor = _NEIGHBORHOODS[number]
            number += 1
            corners = ((i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1))
            ring = []
            for a, b in zip(corners, corners[1:] + corners[:1]):
                ring.append(vertex[a])
                ring.append(midpoint(a, b))
            ring.append(ring[0])
            streets = rng.sample(STREET_NAMES, 6)
            neighborhoods.append(
                Neighborhood(
                    number=number,
                    name=name,
                    district=district,
                    population=pop_base + rng.randrange(-900, 900, 10),
                    request_rate=rate,
                    response_factor=factor,
                    zip_code=f"6{1750 + (number + 1) // 2:04d}",
                    ring=[(round(x, 6), round(y, 6)) for x, y in ring],
                    corners=tuple(vertex[c] for c in corners),
                    streets=[f"{s} {rng.choice(STREET_TYPES)}" for s in streets],
                )
            )
    return City(name=CITY_NAME, state=STATE, neighborhoods=neighborhoods)


def neighborhood_features(city: City) -> list[dict]:
    """GeoJSON features in the Chicago community-areas export style (igwz-8jzy).

    As in the real export every property is a string, names are UPPER CASE and the
    join key ``area_numbe`` is text.
    """
    features = []
    for n in city.neighborhoods:
        area, perimeter = n.area_and_perimeter_ft()
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "area_numbe": str(n.number),
                    "community": n.name.upper(),
                    "area_num_1": str(n.number),
                    "shape_area": f"{area:.4f}",
                    "shape_len": f"{perimeter:.4f}",
                },
                "geometry": {"type": "MultiPolygon", "coordinates": [[[list(p) for p in n.ring]]]},
            }
        )
    return features


def population_rows(city: City) -> list[tuple]:
    """Population by neighborhood, as a census extract would give it."""
    return [(str(n.number), n.name, n.population, 2024) for n in city.neighborhoods]


POPULATION_HEADER = ("community_area", "community_name", "population", "year")
