"""HTML for a role-play on a page with no kernel: the opening, the choices, the scenario as data.

The static site cannot run Python callbacks. Each role-play is therefore written as a plain HTML
preview (the opening, the first options and a link to the Voila app, readable with no JavaScript)
that also carries the whole scenario as JSON. The self-hosted player in ``book/_player`` reads that
JSON and turns the preview into a playable role-play in the browser, with no server and no kernel.
"""

from __future__ import annotations

import html
import json
import os
from urllib.parse import quote

from servicecourse.engine import LETTERS
from servicecourse.scenario import Scenario
from servicecourse.serve import DIMENSIONS, LABELS

DEFAULT_APPS_URL = "http://localhost:8866"

# Characters that must not appear raw inside a <script> element: "</script>" or "<!--" in a text
# would end or confuse it. JSON allows \\uXXXX escapes, so the parsed data is unchanged.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                   0x2028: "\\u2028", 0x2029: "\\u2029"}


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
        "letters": LETTERS,
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


def script_json(data) -> str:
    """``data`` as compact JSON that is safe to place inside a ``<script>`` element."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)


def scenario_json(scenario: Scenario) -> str:
    """``scenario_data`` as JSON that is safe to place inside a ``<script>`` element."""
    return script_json(scenario_data(scenario))


def scenario_html(scenario: Scenario) -> str:
    """A self-contained HTML preview of a scenario's opening, a link to play it, and its data."""
    opening = scenario.beats[scenario.start]
    options = "".join(f"<li>{html.escape(choice.text)}</li>" for choice in opening.choices)
    return (
        f'<div class="serve-roleplay-static" data-scenario="{html.escape(scenario.id)}">'
        f"<p><strong>Role-play: {html.escape(scenario.title)}</strong> "
        f"<em>(you are: {html.escape(scenario.role)})</em></p>"
        f"<p>{html.escape(scenario.setting)}</p>"
        f"<blockquote><p><strong>{html.escape(opening.speaker)}:</strong> "
        f"{html.escape(opening.text)}</p></blockquote>"
        f"<p>What would you do? The options start with:</p><ul>{options}</ul>"
        f'<p><a class="serve-play-link" href="{html.escape(play_url(scenario.id))}">'
        f"Play this role-play in the course app</a> (each choice gets feedback and a SERVE score; "
        f"the debrief shows your path code).</p>"
        f'<script type="application/json" class="serve-scenario-data">{scenario_json(scenario)}</script>'
        f"</div>"
    )
