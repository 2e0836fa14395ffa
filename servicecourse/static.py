"""HTML for a role-play on a page with no kernel: the opening, the choices, a link to play it.

The static site cannot run Python callbacks, so instead of buttons that do nothing it shows the
scenario's opening and sends the reader to the Voila app, where the same scenario is playable.
"""

from __future__ import annotations

import html
import os
from urllib.parse import quote

from servicecourse.scenario import Scenario

DEFAULT_APPS_URL = "http://localhost:8866"


def apps_url() -> str:
    """Base URL of the Voila apps (``COURSE_APPS_URL``, default the local Voila server)."""
    return os.environ.get("COURSE_APPS_URL", DEFAULT_APPS_URL).rstrip("/")


def play_url(scenario_id: str) -> str:
    """The address of the Voila role-play app opened on one scenario."""
    return f"{apps_url()}/voila/render/roleplay.ipynb?scenario={quote(scenario_id)}"


def scenario_html(scenario: Scenario) -> str:
    """A self-contained HTML preview of a scenario's opening with a link to play it."""
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
        f"the debrief shows your path code).</p></div>"
    )
