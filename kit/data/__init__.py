"""The data layer: bundled datasets, their catalog and the synthetic generators.

Everything else in the kit imports from here; this part imports nothing else of
the kit except :mod:`kit.errors` and :mod:`kit.paths`.
"""
