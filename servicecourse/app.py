"""The role-play app for Voila: choose a scenario, play it; no code is shown to the learner."""

from __future__ import annotations

import ipywidgets as widgets

from servicecourse.articles import ARTICLES
from servicecourse.page_request import follow_request
from servicecourse.scenario import load_all
from servicecourse.widget import RoleplayWidget


def roleplay_app(initial: str | None = None) -> widgets.VBox:
    """A scenario picker over a RoleplayWidget; opens on ``initial`` or the page's ?scenario=."""
    scenarios = load_all()
    options = [(f"{s.title} ({s.role}; {ARTICLES[s.article].title})", s.id)
               for s in sorted(scenarios.values(), key=lambda s: (s.article, s.title))]
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
    if initial is None:
        follow_request(picker, "scenario", set(scenarios))
    return widgets.VBox([picker, stage])
