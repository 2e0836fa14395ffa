"""The role-play app for Voila: choose a scenario, play it; no code is shown to the learner."""

from __future__ import annotations

import ipywidgets as widgets

from servicecourse.articles import ARTICLES
from servicecourse.first_view import first_view_html
from servicecourse.page_request import follow_request
from servicecourse.scenario import load_all
from servicecourse.widget import RoleplayWidget


class RoleplayApp(widgets.VBox):
    """The picker over the role-play; its output also carries the page's first view (HTML)."""

    def __init__(self, children, first_view: str, **kwargs):
        super().__init__(children, **kwargs)
        self.first_view = first_view

    def _repr_mimebundle_(self, **kwargs):
        """The widget view, plus the first view the course's Voila template shows while loading."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.first_view
        return bundle


def roleplay_app(initial: str | None = None) -> RoleplayApp:
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
    parameter = "scenario" if initial is None else None  # the page's ?scenario=, if followed
    first_view = first_view_html(options, scenarios, picker.value, parameter)
    if parameter:
        follow_request(picker, parameter, set(scenarios))
    return RoleplayApp([picker, stage], first_view)
