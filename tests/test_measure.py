"""Do the course's measures compute what the chapters say they do, on hand-made data?"""

from __future__ import annotations

import pytest

from servicecourse.measure import correlation, csat, net_promoter_score, pareto, share


def test_a_share_counts_values_in_a_closed_range_and_is_zero_for_no_values():
    assert share([1, 2, 3, 4], 2, 3) == 0.5
    assert share([], 0, 10) == 0.0


def test_nps_is_promoters_minus_detractors_in_percent():
    assert net_promoter_score([10, 9, 8, 7, 0]) == pytest.approx(20.0)  # 40% - 20%
    assert net_promoter_score([10] * 5) == 100 and net_promoter_score([6] * 5) == -100
    assert net_promoter_score([7, 8]) == 0  # passives count for neither


def test_csat_is_the_share_of_fours_and_fives():
    assert csat([5, 4, 3, 2]) == 50.0


def test_pareto_sorts_causes_largest_first_with_the_running_share():
    rows = pareto(["late", "billing", "billing", "rude", "billing", "late"])
    assert rows == [("billing", 3, 50.0), ("late", 2, pytest.approx(83.333, abs=0.01)),
                    ("rude", 1, 100.0)]
    assert pareto([]) == []


def test_correlation_is_pearsons():
    assert correlation([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert correlation([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
