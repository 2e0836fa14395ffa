"""Are the synthetic data sets the same on every run, plausible, and shaped as the chapters say?"""

from __future__ import annotations

from servicecourse.datasets import COMPLAINT_CAUSES, SITES, complaint_log, satisfaction_survey, site_figures
from servicecourse.measure import correlation


def test_every_data_set_is_the_same_on_every_call():
    assert satisfaction_survey() == satisfaction_survey()
    assert complaint_log() == complaint_log()
    assert site_figures() == site_figures()
    assert satisfaction_survey(seed=1) != satisfaction_survey(seed=2)


def test_survey_answers_stay_on_their_scales():
    rows = satisfaction_survey(respondents=500)
    assert len(rows) == 500
    assert all(0 <= r["recommend"] <= 10 and 1 <= r["satisfied"] <= 5 for r in rows)
    assert {r["site"] for r in rows} <= set(SITES)


def test_complaint_causes_are_uneven_as_in_a_pareto_chart():
    rows = complaint_log(complaints=2000)
    counts = {cause: sum(r["cause"] == cause for r in rows) for cause in COMPLAINT_CAUSES}
    assert max(counts, key=counts.get) == "billing error"
    assert counts["billing error"] > 4 * counts["other"]


def test_site_figures_show_the_chain_engagement_satisfaction_growth():
    rows = site_figures()
    assert [r["site"] for r in rows] == list(SITES)
    engagement = [r["engagement"] for r in rows]
    assert correlation(engagement, [r["satisfaction"] for r in rows]) > 0.8
    assert correlation([r["satisfaction"] for r in rows], [r["growth"] for r in rows]) > 0.6
