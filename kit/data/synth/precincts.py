"""Riverton's wards and election precincts, cut from its neighborhoods.

Six wards of two neighborhoods each (ward ``k`` holds neighborhoods ``2k - 1`` and
``2k``, which also share a ZIP code). Each neighborhood splits 2 x 2 into four
precincts along lines from its edge midpoints to one interior point, so the four
precincts reuse the neighborhood's own vertices and tile it exactly: no gaps, no
overlaps, and no geometry library involved (byte-identical output everywhere).

Properties follow Chicago's ward-precinct boundaries export (2023-): ``ward`` and
``precinct`` are integers, ``ward_prec`` is text (``"02005"``), ``shape_leng`` and
``shape_area`` are numbers in degrees, computed on unprojected lon/lat as the real
shapefile's are.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from kit.data.synth.city import City, Neighborhood, ring_area_and_length

WARDS = 6
# corner names in the order precincts are numbered inside a neighborhood
QUADRANTS = ("SW", "SE", "NE", "NW")
ADULT_SHARE = (0.76, 0.80)  # voting-age share of a neighborhood's residents


@dataclass(frozen=True)
class Precinct:
    """One election precinct: a quarter of a neighborhood."""

    ward: int
    precinct: int
    neighborhood: Neighborhood
    quadrant: str
    ring: tuple[tuple[float, float], ...]  # closed, counter-clockwise, (lon, lat)
    voting_age_population: int

    @property
    def ward_prec(self) -> str:
        """The join key as Chicago spells it: ward (2 digits) + precinct (3 digits)."""
        return f"{self.ward:02d}{self.precinct:03d}"

    @property
    def description(self) -> str:
        """A voter-file style label, e.g. ``"SOUTHFIELD 02-003"``."""
        return f"{self.neighborhood.name.upper()} {self.ward:02d}-{self.precinct:03d}"


def ward_of(neighborhood: Neighborhood) -> int:
    """The ward a neighborhood belongs to (1-6)."""
    return (neighborhood.number + 1) // 2


def _quarter_rings(n: Neighborhood, center: tuple[float, float]) -> list[tuple[tuple[float, float], ...]]:
    """The four quarter rings (SW, SE, NE, NW) of a neighborhood, all counter-clockwise.

    The neighborhood ring is [sw, mid_s, se, mid_e, ne, mid_n, nw, mid_w, sw]; each
    quarter takes its corner, the two edge midpoints beside it and the center.
    """
    sw, mid_s, se, mid_e, ne, mid_n, nw, mid_w = (tuple(p) for p in n.ring[:8])
    quarters = (
        (sw, mid_s, center, mid_w),
        (se, mid_e, center, mid_s),
        (ne, mid_n, center, mid_e),
        (nw, mid_w, center, mid_n),
    )
    return [q + (q[0],) for q in quarters]


def split_total(total: int, weights: list[float]) -> list[int]:
    """Split an integer total in proportion to weights (largest remainder)."""
    exact = [total * w / sum(weights) for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def build_precincts(city: City, rng: random.Random) -> list[Precinct]:
    """Cut every neighborhood into four precincts; number them within each ward."""
    precincts = []
    for n in city.neighborhoods:
        ward = ward_of(n)
        first = 1 if n.number % 2 else 5  # the ward's second neighborhood holds precincts 5-8
        sw, se, ne, nw = n.corners
        cx = (sw[0] + se[0] + ne[0] + nw[0]) / 4 + rng.uniform(-0.03, 0.03) * (se[0] - sw[0])
        cy = (sw[1] + se[1] + ne[1] + nw[1]) / 4 + rng.uniform(-0.03, 0.03) * (nw[1] - sw[1])
        center = (round(cx, 6), round(cy, 6))
        adults = round(n.population * rng.uniform(*ADULT_SHARE))
        vap = split_total(adults, [rng.uniform(0.8, 1.25) for _ in QUADRANTS])
        for k, (quadrant, ring) in enumerate(zip(QUADRANTS, _quarter_rings(n, center))):
            precincts.append(Precinct(ward, first + k, n, quadrant, ring, vap[k]))
    precincts.sort(key=lambda p: (p.ward, p.precinct))
    return precincts


def _significant(value: float, digits: int = 12) -> float:
    """Round to significant digits, so the JSON number is short and stable."""
    return float(f"{value:.{digits}g}")


def precinct_features(precincts: list[Precinct]) -> list[dict]:
    """GeoJSON features in the style of Chicago's ward-precinct boundaries."""
    features = []
    for p in precincts:
        area, length = ring_area_and_length(p.ring)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "ward": p.ward,
                    "precinct": p.precinct,
                    "ward_prec": p.ward_prec,
                    "shape_leng": _significant(length),
                    "shape_area": _significant(area),
                    "community_area": str(p.neighborhood.number),
                    "voting_age_population": p.voting_age_population,
                },
                "geometry": {"type": "Polygon", "coordinates": [[list(pt) for pt in p.ring]]},
            }
        )
    return features
