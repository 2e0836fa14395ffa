"""Are the charts drawn once per distinct chart, and is a chart kept the very one drawn afresh?"""

from __future__ import annotations

from collections import Counter

from servicecourse import charts

COUNTS = {"culture": Counter({"passed": 2, "failed": 1}), "serve": Counter({"not started": 3})}
PROFILE = {"spirit": 1.5, "solutions": 0.5, "respect": 2.0, "feedback": -0.5, "excellence": 1.0}


def test_a_status_chart_is_drawn_once_and_is_the_chart_drawn_afresh():
    """Does the dashboard's chart of the same counts come from the first drawing, equal to a
    fresh one, while other counts, titles or units give other charts?"""
    fresh = charts.figure_png(charts.status_figure(COUNTS, "Modules", "learners"))
    first = charts.status_png(COUNTS, "Modules", "learners")
    drawn = charts._status_png.cache_info().misses
    again = charts.status_png({"culture": Counter({"passed": 2, "failed": 1, "submitted": 0}),
                               "serve": Counter({"not started": 3})}, "Modules", "learners")
    assert first == again == fresh
    assert charts._status_png.cache_info().misses == drawn
    others = {charts.status_png({**COUNTS, "serve": Counter({"passed": 3})}, "Modules", "learners"),
              charts.status_png(dict(reversed(COUNTS.items())), "Modules", "learners"),
              charts.status_png(COUNTS, "Teams", "learners"),
              charts.status_png(COUNTS, "Modules", "hand-ins")}
    assert len(others) == 4 and first not in others


def test_a_serve_profile_chart_is_drawn_once_and_is_the_chart_drawn_afresh():
    """Does a play ending with an earlier play's profile show the same chart, equal to a fresh
    one, while another profile or title gives another chart?"""
    fresh = charts.figure_png(charts.serve_profile_figure(PROFILE))
    first = charts.serve_profile_png(PROFILE)
    drawn = charts._serve_profile_png.cache_info().misses
    assert charts.serve_profile_png(dict(PROFILE)) == first == fresh
    assert charts._serve_profile_png.cache_info().misses == drawn
    assert charts.serve_profile_png({**PROFILE, "spirit": -1.0}) != first
    assert charts.serve_profile_png(PROFILE, "The cohort's SERVE profile") != first
