"""The role-play app for Voila: choose a scenario, play it; no code is shown to the learner.

In the course's Voila server the app knows the visitor (`servicecourse.apps.page_request.visitor`),
so every complete play is recorded for the visitor's cohort and the first one of each role-play
gets a graded code (`servicecourse.cohort.evidence`); a visitor on no roster, or the app run anywhere
else, plays for practice. A notice above the picker says which, once the request is known.
"""

from __future__ import annotations

import ipywidgets as widgets

from servicecourse.apps import page_request
from servicecourse.cohort import evidence
from servicecourse.roleplay.engine import Roleplay
from servicecourse.roleplay.first_view import first_view_html, picker_options
from servicecourse.roleplay.scenario import load_all
from servicecourse.templating import macros
from servicecourse.widget import RoleplayWidget, close_tree

_html = macros("app/roleplay.html.j2")


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


def record(play: Roleplay) -> list[evidence.Outcome]:
    """What the app does with a complete play: record it for the visitor (if the server knows
    one) in each cohort that lists them."""
    return evidence.record_play(page_request.visitor(), play.scenario.id, play.letters)


def notice_html() -> str:
    """The line above the picker: whether the visitor's plays are graded, and for which cohort."""
    learner = page_request.visitor()
    cohorts = evidence.learner_cohorts(learner) if learner else []
    return str(_html.notice(learner, [folder.name for folder in cohorts], evidence.PRACTICE_NOTE))


def roleplay_app(initial: str | None = None) -> RoleplayApp:
    """A scenario picker over a RoleplayWidget; opens on ``initial`` or the page's ?scenario=.

    When it follows the page's request, no role-play is drawn until the request is known (at
    once, except in a preheated kernel, which runs this before anyone asks): a page never shows
    another role-play than the one it asked for, even for a moment.
    """
    scenarios = load_all()
    options = picker_options(scenarios)
    default = initial if initial in scenarios else options[0][1]
    parameter = "scenario" if initial is None else None  # the page's ?scenario=, if followed
    picker = widgets.Dropdown(options=options, description="Role-play",
                              value=None if parameter else default,
                              layout=widgets.Layout(width="100%"),
                              style={"description_width": "initial"})
    notice = widgets.HTML()
    stage = widgets.VBox()

    def show(_=None):
        # Its title is an h2, under the app's h1. The role-play it replaces is closed.
        if picker.value is None:
            return
        old = stage.children
        stage.children = [RoleplayWidget(scenarios[picker.value], heading_level=2, on_finish=record)]
        for widget in old:
            close_tree(widget)

    picker.observe(show, names="value")
    show()
    first_view = first_view_html(options, scenarios, default, parameter)
    if parameter:
        page_request.follow_request(picker, parameter, set(scenarios), default)

    def show_notice():
        notice.value = notice_html()

    page_request.on_request(show_notice)
    return RoleplayApp([notice, picker, stage], first_view)
