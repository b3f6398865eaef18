"""Importing this module parses every bundled dataset once (see :func:`kit.data.catalog.warm_datasets`).

The grading sandbox's warm server imports it with pandas and geopandas, before
it forks a fresh process for each notebook: ``kit.load_dataset`` in a notebook
then copies an already-parsed table instead of reading and parsing the file.
"""

from __future__ import annotations

from kit.data.catalog import warm_datasets

WARMED = warm_datasets()
