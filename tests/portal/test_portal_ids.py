"""Four-by-four ids: Socrata's shape, stable, one per dataset."""

from __future__ import annotations

import re

from kit.data.catalog import load_catalog
from kit.portal import four_by_four


def test_an_id_has_socratas_shape_and_alphabet():
    for card in load_catalog().datasets:
        assert re.fullmatch(r"[2-9a-km-np-z]{4}-[2-9a-km-np-z]{4}", four_by_four(card.name))


def test_the_same_name_always_gets_the_same_id():
    # pinned: a learner's notebook written against one run keeps working on the next
    assert four_by_four("service_requests") == "2wvk-4vcn"
    assert four_by_four("neighborhoods") == "6v22-hes2"


def test_every_bundled_dataset_has_its_own_id(portal):
    names = [card.name for card in load_catalog().datasets]
    assert portal.datasets == {name: four_by_four(name) for name in names}
    assert len(set(portal.datasets.values())) == len(names)
