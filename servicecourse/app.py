"""The role-play app for Voila: choose a scenario, play it; no code is shown to the learner."""

from __future__ import annotations

import os
import threading
from urllib.parse import parse_qs

import ipywidgets as widgets

from servicecourse.articles import ARTICLES
from servicecourse.scenario import load_all
from servicecourse.widget import RoleplayWidget


def requested_scenario() -> str | None:
    """The ``scenario`` query parameter of the page, if any.

    In a preheated Voila kernel this waits until a visitor's request arrives (Voila's
    ``get_query_string``); anywhere else it returns at once.
    """
    try:
        from voila.utils import get_query_string
        query = get_query_string() or ""
    except ImportError:  # not under Voila
        query = os.environ.get("QUERY_STRING", "")
    return (parse_qs(query).get("scenario") or [None])[0]


def _preheated() -> bool:
    """Whether this kernel runs the notebook before anyone asked for it (a Voila pool kernel)."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def follow_request(picker: widgets.Dropdown, known: set[str]) -> None:
    """Set ``picker`` to the role-play the page's ``?scenario=`` asks for, when it is known.

    A preheated kernel cannot know the request while it runs the notebook, and waiting for it
    there would hold back the page until a visitor comes. So the app is drawn at once on the
    first role-play, and a background thread waits for the request and switches the picker; the
    request reaches the kernel as the page is sent, before the browser has loaded its scripts and
    asked the kernel for the widgets, so the visitor sees the role-play they asked for.
    """
    def switch():
        wanted = requested_scenario()
        if wanted in known:
            picker.value = wanted

    if _preheated():
        threading.Thread(target=switch, name="follow-request", daemon=True).start()
    else:
        switch()


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
        follow_request(picker, set(scenarios))
    return widgets.VBox([picker, stage])
