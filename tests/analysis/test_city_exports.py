"""What a real city's 311 export did to the analysis steps (issue 13, section 4): each case as a test."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kit.analysis.errors import AnalysisError, JoinError, ZeroDayClosuresWarning
from kit.analysis.service_requests import (
    add_days_to_close,
    drop_repeated_rows,
    median_days_to_close,
    rate_per_1000,
)

# --- sentinel and negative durations -------------------------------------------------------------------


@pytest.fixture
def placeholders():
    """Day-first text dates; '01/01/1900' is the city's "not closed yet"; one request closed before created."""
    return pd.DataFrame(
        {
            "borough": ["1", "1", "1", "2"],
            "creado": ["05/03/2025 10:00", "06/03/2025 10:00", "07/03/2025 10:00", "13/03/2025 10:00"],
            "cerrado": ["07/03/2025 10:00", "01/01/1900 00:00", "06/03/2025 10:00", "14/03/2025 22:00"],
            "estado": ["Closed", "Assigned", "Closed", "Closed"],
        }
    )


DATES = {"created": "creado", "closed": "cerrado", "dayfirst": True}


def test_add_days_to_close_leaves_sentinel_and_negative_days_missing_and_counts_them(placeholders):
    timed = add_days_to_close(placeholders, **DATES)
    days = timed["days_to_close"]
    assert days.iloc[0] == 2.0 and days.iloc[3] == 1.5
    assert days.iloc[1:3].isna().all()  # never -45,000 days
    assert timed.attrs["invalid_days"] == {"sentinel_date": 1, "closed_before_created": 1}
    assert days.mean() == 1.75


def test_add_days_to_close_can_keep_or_refuse_invalid_days(placeholders):
    kept = add_days_to_close(placeholders, invalid="keep", **DATES)["days_to_close"]
    assert kept.iloc[1] < -45_000 and kept.iloc[2] == -1.0
    with pytest.raises(AnalysisError, match=r"2 requests .* \(1 sentinel dates, 1 closed before created\)") as info:
        add_days_to_close(placeholders, invalid="raise", **DATES)
    assert "invalid='nan'" in info.value.hint
    with pytest.raises(AnalysisError, match="unknown invalid 'drop'"):
        add_days_to_close(placeholders, invalid="drop", **DATES)


def test_sentinels_can_be_listed(placeholders):
    odd = placeholders.assign(cerrado=placeholders["cerrado"].replace("07/03/2025 10:00", "31/12/2099 00:00"))
    timed = add_days_to_close(odd, sentinels=["2099-12-31", "1900-01-01"], **DATES)
    assert timed.attrs["invalid_days"] == {"sentinel_date": 2, "closed_before_created": 1}
    assert timed["days_to_close"].notna().sum() == 1


def test_median_days_to_close_counts_a_sentinel_close_as_open(placeholders):
    speed = median_days_to_close(placeholders, by="borough", **DATES)
    assert speed[["borough", "median_days", "closed_requests", "open_requests", "bad_dates"]].to_dict("list") == {
        "borough": ["1", "2"],
        "median_days": [2.0, 1.5],
        "closed_requests": [1, 1],
        "open_requests": [1, 0],
        "bad_dates": [1, 0],
    }


def test_day_first_text_is_not_read_month_first_silently(placeholders):
    with pytest.raises(AnalysisError, match="read two ways") as info:
        add_days_to_close(placeholders.head(3), created="creado", closed="cerrado")
    assert "dayfirst" in info.value.hint


# --- zero-day closures ---------------------------------------------------------------------------------


def test_median_days_to_close_reports_and_warns_about_zero_day_closures():
    dates = ["2025-03-05"] * 7 + ["2025-03-01"] * 3
    closed = ["2025-03-05"] * 7 + ["2025-03-03", "2025-03-05", None]
    requests = pd.DataFrame({"area": ["A"] * 5 + ["B"] * 5, "created_date": dates, "closed_date": closed})
    with pytest.warns(ZeroDayClosuresWarning, match=r"78% of closed requests \(7 of 9\).*how the city records"):
        speed = median_days_to_close(requests, by="area")
    assert speed["zero_day_closures"].tolist() == [5, 2]
    assert speed["zero_day_share"].tolist() == [1.0, 0.5]
    assert speed["median_days"].tolist() == [0.0, 1.0]
    few = requests.assign(closed_date=["2025-03-06"] * 7 + ["2025-03-03", "2025-03-05", None])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ZeroDayClosuresWarning)
        assert median_days_to_close(few, by=None)["zero_day_closures"].tolist() == [0]


# --- rates: composite keys, areas without residents, the hint ------------------------------------------


@pytest.fixture
def districts():
    """Requests counted by community district (borough digit and district), a park and an airport among them."""
    counts = pd.DataFrame(
        {
            "borough": [1, 1, 2, 2, 4],
            "district": [1, 2, 1, 55, 80],
            "community": ["Centro", "Norte", "Sur", "Parque Grande", "Aeropuerto"],
            "requests": [10, 30, 8, 3, 2],
        }
    )
    population = pd.DataFrame({"boro": ["1", "1", "2"], "cd": ["01", "02", "01"], "population": [5000, 10000, 4000]})
    return counts, population


KEYS = {"area_id": ["borough", "district"], "population_area": ["boro", "cd"]}


def test_rate_per_1000_joins_on_a_composite_key_and_excludes_areas_by_id_or_name(districts):
    counts, population = districts
    rates = rate_per_1000(counts, population, exclude=["parque grande", (4, 80)], **KEYS)
    assert rates["community"].tolist() == ["Centro", "Norte", "Sur"]
    assert rates["per_1000"].tolist() == [2.0, 3.0, 2.0]
    assert rates.attrs["excluded_areas"] == ["2 | 55", "4 | 80"]
    assert rates.attrs["no_population"] == []


def test_rate_per_1000_on_missing_nan_or_drop(districts):
    counts, population = districts
    kept = rate_per_1000(counts, population, on_missing="nan", **KEYS)
    assert len(kept) == 5 and kept["per_1000"].isna().tolist() == [False, False, False, True, True]
    assert kept.attrs["no_population"] == ["2 | 55", "4 | 80"]
    dropped = rate_per_1000(counts, population, on_missing="drop", **KEYS)
    assert dropped["community"].tolist() == ["Centro", "Norte", "Sur"]
    with pytest.raises(AnalysisError, match="unknown on_missing"):
        rate_per_1000(counts, population, on_missing="skip", **KEYS)
    with pytest.raises(AnalysisError, match="area_id names 2 column"):
        rate_per_1000(counts, population, area_id=["borough", "district"], population_area="boro")


def test_rate_per_1000_hint_names_both_columns_and_examples_from_each_side(districts):
    counts, population = districts
    with pytest.raises(JoinError, match=r"no population for area '2 \| 55' \(2 area\(s\) in all\)") as info:
        rate_per_1000(counts, population, **KEYS)
    hint = info.value.hint
    assert "['borough', 'district']" in hint and "['boro', 'cd']" in hint
    assert "'2 | 55'" in hint and "'1 | 1'" in hint  # a key from each side
    assert "exclude=" in hint and "on_missing=" in hint
    single = pd.DataFrame({"area_numbe": ["7"], "requests": [1]})
    with pytest.raises(JoinError) as info:
        rate_per_1000(single, pd.DataFrame({"community_area": ["1", "2"], "population": [1, 2]}))
    assert "the counts' 'area_numbe' holds '7'" in info.value.hint
    assert "the population's 'community_area' ('1', '2', ...)" in info.value.hint


# --- repeated rows with unhashable values --------------------------------------------------------------


def test_drop_repeated_rows_never_raises_on_lists_dicts_sets_or_arrays():
    frame = pd.DataFrame(
        {
            "unique_key": ["1", "1", "1", "2"],
            "tags": [{"b", "a"}, {"a", "b"}, {"a"}, set()],
            "location": [{"x": [1, {"y"}]}, {"x": [1, {"y"}]}, {"x": [1, {"y"}]}, None],
            "points": [np.array([1, 2]), np.array([1, 2]), np.array([1, 2]), np.array([])],
            "pair": [(1, [2]), (1, [2]), (1, [2]), (3,)],
        },
        index=[5, 6, 7, 8],
    )
    once = drop_repeated_rows(frame)
    assert once.index.tolist() == [5, 7, 8]
    assert once["tags"].iloc[0] == {"a", "b"}  # values themselves untouched
