"""The role-play app for Voila: choose a scenario, play it; no code is shown to the learner."""

from __future__ import annotations

import os
from urllib.parse import parse_qs

import ipywidgets as widgets

from servicecourse.articles import ARTICLES
from servicecourse.scenario import load_all
from servicecourse.widget import RoleplayWidget


def requested_scenario() -> str | None:
    """The ``scenario`` query parameter of the page, if any.

    With Voila's preheated kernels the notebook runs before anyone asks for it; Voila's
    ``get_query_string`` then waits here for the visitor's request (elsewhere it returns at once).
    """
    try:
        from voila.utils import get_query_string
        query = get_query_string() or ""
    except ImportError:  # not under Voila
        query = os.environ.get("QUERY_STRING", "")
    return (parse_qs(query).get("scenario") or [None])[0]


def roleplay_app(initial: str | None = None) -> widgets.VBox:
    """A scenario picker over a RoleplayWidget; opens on ``initial`` or the page's ?scenario=."""
    scenarios = load_all()
    options = [(f"{s.title} ({s.role}; {ARTICLES[s.article].title})", s.id)
               for s in sorted(scenarios.values(), key=lambda s: (s.article, s.title))]
    initial = initial or requested_scenario()
    picker = widgets.Dropdown(options=options, description="Role-play",
                              value=initial if initial in scenarios else options[0][1],
                              layout=widgets.Layout(width="100%"),
                              style={"description_width": "initial"})
    stage = widgets.VBox()

    def show(_=None):
        # Its title is an h2, under the app's h1.
        stage.children = [RoleplayWidget(scenarios[picker.value], heading_level=2)]

    picker.observe(show, names="value")
    show()
    return widgets.VBox([picker, stage])
