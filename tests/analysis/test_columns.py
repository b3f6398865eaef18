"""Reading date columns the way a city's export writes them: exact formats, day/month order, refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.analysis.columns import as_datetime
from kit.analysis.errors import AnalysisError


def _read(values, **options) -> list[str]:
    parsed = as_datetime(pd.DataFrame({"when": values}), "when", "requests", **options)
    return [None if pd.isna(v) else f"{v:%Y-%m-%d %H:%M}" for v in parsed]


def test_iso_dates_and_datetimes_pass_through():
    assert _read(["2025-03-05", "2025-03-05T14:30:00.000", ""]) == ["2025-03-05 00:00", "2025-03-05 14:30", None]
    already = pd.DataFrame({"when": pd.to_datetime(["2025-03-05"])})
    assert as_datetime(already, "when", "requests").equals(already["when"])


def test_ambiguous_day_month_text_is_refused_not_read_month_first():
    with pytest.raises(
        AnalysisError, match=r"read two ways, such as '05/03/2025' \(5 Mar 2025 or 3 May 2025\)"
    ) as info:
        _read(["05/03/2025", "06/04/2025", "01/12/2025"])
    assert "dayfirst=True" in info.value.hint and "date_format" in info.value.hint


def test_the_order_is_read_when_a_day_above_12_leaves_only_one():
    assert _read(["05/03/2025", "13/03/2025"]) == ["2025-03-05 00:00", "2025-03-13 00:00"]  # day first
    assert _read(["05/03/2025", "03/13/2025"]) == ["2025-05-03 00:00", "2025-03-13 00:00"]  # month first
    assert _read(["01/01/2025", "02/02/2025"]) == ["2025-01-01 00:00", "2025-02-02 00:00"]  # same either way
    assert _read(["Jan 5, 2024", "Mar 1, 2024"]) == ["2024-01-05 00:00", "2024-03-01 00:00"]


def test_dayfirst_reads_in_the_order_given_and_refuses_a_date_that_cannot_be():
    assert _read(["05/03/2025 14:00", ""], dayfirst=True) == ["2025-03-05 14:00", None]
    assert _read(["05/03/2025 14:00"], dayfirst=False) == ["2025-05-03 14:00"]
    with pytest.raises(AnalysisError, match="'13/03/2025', which cannot be a month-first date") as info:
        _read(["05/03/2025", "13/03/2025"], dayfirst=False)
    assert "dayfirst=True" in info.value.hint
    with pytest.raises(AnalysisError, match="'13/05/2024', which cannot be a month-first date"):
        _read(["13/05/2024"], dayfirst=False)


def test_format_reads_exactly_that_and_names_a_value_that_does_not_fit():
    assert _read(["05.03.2025 14h00", None], format="%d.%m.%Y %Hh%M") == ["2025-03-05 14:00", None]
    with pytest.raises(AnalysisError, match=r"not dates in the format '%d/%m/%Y', such as '2025-03-05'"):
        _read(["05/03/2025", "2025-03-05"], format="%d/%m/%Y")


def test_values_that_are_not_dates_are_named():
    with pytest.raises(AnalysisError, match="not dates, such as 'soon'"):
        _read(["05/03/2025", "soon"])
    with pytest.raises(AnalysisError, match="not dates, such as 'soon'"):
        _read(["05/03/2025", "soon"], dayfirst=True)
