"""Civic Data Training Kit: run community open-data courses on Jupyter.

The public surface for notebooks is small::

    import kit
    contacts = kit.load_dataset("contacts")
    kit.list_datasets()
"""

__version__ = "0.1.0"

from kit.data.catalog import describe_dataset, list_datasets, load_dataset
from kit.errors import KitError

__all__ = ["KitError", "__version__", "describe_dataset", "list_datasets", "load_dataset"]
