"""Seeded generators for the sample city's bundled data.

``generate()`` returns every generated file's bytes, keyed by file name; the
catalog (``datasets/catalog.yaml``) names the command that rewrites them,
``kit data generate``, and a test proves the committed files equal this output.
"""

from __future__ import annotations

from kit.data.synth.city import POPULATION_HEADER, build_city, neighborhood_features, population_rows
from kit.data.synth.movement import movement_tables
from kit.data.synth.service_requests import HEADER as SERVICE_REQUEST_HEADER
from kit.data.synth.service_requests import service_request_rows
from kit.data.synth.writers import csv_text, geojson_text

SEED = 2026

__all__ = ["SEED", "generate"]


def generate(seed: int = SEED) -> dict[str, bytes]:
    """Build every synthetic file of the sample city.

    Parameters
    ----------
    seed
        The seed for every generator; the bundled files use :data:`SEED`.

    Returns
    -------
    dict
        File name (relative to ``datasets/``) to the file's bytes.
    """
    city = build_city(seed)
    files = {
        "neighborhoods.geojson": geojson_text(neighborhood_features(city)),
        "neighborhood_population.csv": csv_text(POPULATION_HEADER, population_rows(city)),
    }
    requests, _ = service_request_rows(city, seed + 1)
    files["service_requests.csv"] = csv_text(SERVICE_REQUEST_HEADER, requests)
    for name, (header, rows) in movement_tables(city, seed + 2).items():
        files[f"{name}.csv"] = csv_text(header, rows)
    return {name: text.encode("utf-8") for name, text in files.items()}
