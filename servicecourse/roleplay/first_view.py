"""The role-play app's first view: what a visitor sees, and can already use, while Voila loads.

A Voila page shows its widgets only once the browser has run Voila's JupyterLab front end
(about 1.5 s here, whatever the app). The role-play app therefore also gives, as the text/html
of its output, the opening of every role-play as data. The course template
(``share/jupyter/voila/templates/course``) draws it at once: the picker and the opening of the
role-play the page asked for, with its choices, drawn by the static site's player's view
(``book/_player/roleplay-player.js``, worded as the widget). When the live widgets arrive
the script hands over: a role-play picked or a choice clicked in the meantime is replayed on the
live widgets (whose kernel runs the reference engine from there on), then the first view goes.
"""

from __future__ import annotations

from servicecourse.articles import ARTICLES
from servicecourse.roleplay.scenario import Scenario
from servicecourse.templating import macros

MARKER = "course-first-view"  # the class the course template looks for in an output's HTML


def picker_options(scenarios: dict[str, Scenario]) -> list[tuple[str, str]]:
    """The role-play picker's options as (label, scenario id), by article then title: the live
    app's, its first view's and its page with no kernel's (`servicecourse.serving.page_engine`)."""
    return [(f"{s.title} ({s.role}; {ARTICLES[s.article].title})", s.id)
            for s in sorted(scenarios.values(), key=lambda s: (s.article, s.title))]


def opening_data(scenario: Scenario) -> dict:
    """What the first view shows of one role-play: its header and its opening beat."""
    opening = scenario.beats[scenario.start]
    return {"title": scenario.title, "role": scenario.role, "setting": scenario.setting,
            "speaker": opening.speaker, "text": opening.text,
            "choices": [choice.text for choice in opening.choices]}


def first_view_html(options: list[tuple[str, str]], scenarios: dict[str, Scenario],
                    initial: str, parameter: str | None = "scenario") -> str:
    """The first view of a role-play picker: ``options`` as (label, scenario id) in the picker's
    order, opening on the page's ``?parameter=`` if it names one of them, else on ``initial``
    (always on ``initial`` when ``parameter`` is None)."""
    data = {"parameter": parameter, "initial": initial,
            "options": [[label, scenario_id] for label, scenario_id in options],
            "scenarios": {scenario_id: opening_data(scenarios[scenario_id]) for _, scenario_id in options}}
    return str(macros("app/roleplay.html.j2").first_view(MARKER, data))
