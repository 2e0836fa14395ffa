"""HTML for a role-play on a page with no kernel: the opening, the choices, the scenario as data.

The static site cannot run Python callbacks. Each role-play is therefore written as a plain HTML
preview (the opening, the first options and a link to the Voila app, readable with no JavaScript)
that also carries the whole scenario as JSON. The self-hosted player in ``book/_player`` reads that
JSON and turns the preview into a playable role-play in the browser, with no server and no kernel.
Its plays are practice: the data holds no key, so the player gives practice codes only
(`servicecourse.roleplay.pathcodes`) and says where graded codes come from.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from servicecourse.cohort.evidence import PRACTICE_NOTE
from servicecourse.roleplay.pathcodes import LETTERS, PRACTICE
from servicecourse.roleplay.scenario import Scenario
from servicecourse.roleplay.serve_model import DIMENSIONS, LABELS
from servicecourse.templating import macros, script_json

__all__ = ["apps_url", "play_url", "scenario_data", "scenario_html", "scenario_json", "script_json"]

DEFAULT_APPS_URL = "http://localhost:8866"


def apps_url() -> str:
    """Base URL of the Voila apps (``COURSE_APPS_URL``, default the local Voila server)."""
    return os.environ.get("COURSE_APPS_URL", DEFAULT_APPS_URL).rstrip("/")


def play_url(scenario_id: str) -> str:
    """The address of the Voila role-play app opened on one scenario."""
    return f"{apps_url()}/voila/render/roleplay.ipynb?scenario={quote(scenario_id)}"


def scenario_data(scenario: Scenario) -> dict:
    """The scenario as plain JSON-ready data: what the browser player needs to play it."""
    return {
        "id": scenario.id,
        "title": scenario.title,
        "role": scenario.role,
        "setting": scenario.setting,
        "start": scenario.start,
        "expert": scenario.expert,
        "showScores": scenario.show_scores,
        "letters": LETTERS,
        "practice": PRACTICE,
        "practiceNote": PRACTICE_NOTE,
        "dimensions": [{"id": d, "label": LABELS[d]} for d in DIMENSIONS],
        "beats": {
            beat.id: {
                "speaker": beat.speaker,
                "text": beat.text,
                "choices": [
                    {"text": c.text, "feedback": c.feedback,
                     "score": {d: c.score[d] for d in DIMENSIONS}, "next": c.next}
                    for c in beat.choices
                ],
            }
            for beat in scenario.beats.values()
        },
        "endings": {
            ending.id: {"title": ending.title, "text": ending.text, "outcome": ending.outcome}
            for ending in scenario.endings.values()
        },
    }


def scenario_json(scenario: Scenario) -> str:
    """``scenario_data`` as JSON that is safe to place inside a ``<script>`` element."""
    return script_json(scenario_data(scenario))


def scenario_html(scenario: Scenario, heading_level: int = 3) -> str:
    """A self-contained HTML preview of a scenario's opening, a link to play it, and its data.

    Its header and opening are the widget's (the same macros, its title a heading at
    ``heading_level``), so a page with no JavaScript words them as the widget does."""
    return str(macros("roleplay/macros.html.j2").preview(
        scenario, scenario.beats[scenario.start], play_url(scenario.id), scenario_data(scenario),
        heading_level))
