"""Does the role-play app's first view carry what the page needs to show a role-play at once?"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from servicecourse.apps import player
from servicecourse.roleplay.first_view import MARKER, first_view_html
from servicecourse.roleplay.scenario import load_all


def _data(html: str) -> dict:
    found = re.search(rf'<script type="application/json" class="{MARKER}-data">(.*?)</script>', html, re.S)
    assert found, "no first-view data in the HTML"
    return json.loads(found.group(1))


def test_the_app_s_output_carries_a_first_view_of_every_role_play_in_the_picker_s_order():
    roleplay_app = player.roleplay_app()
    _, picker, _ = roleplay_app.children
    bundle = roleplay_app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the live widget stays first
    data = _data(bundle["text/html"])
    assert data["options"] == [list(option) for option in picker.options]
    assert data["initial"] == picker.value and data["parameter"] == "scenario"
    for scenario in load_all().values():
        opening = scenario.beats[scenario.start]
        shown = data["scenarios"][scenario.id]
        assert (shown["title"], shown["speaker"], shown["text"]) == (scenario.title, opening.speaker, opening.text)
        assert shown["choices"] == [choice.text for choice in opening.choices]


def test_an_app_opened_on_a_given_role_play_ignores_the_page_s_query():
    data = _data(player.roleplay_app("serve-call-centre")._repr_mimebundle_()["text/html"])
    assert data["initial"] == "serve-call-centre" and data["parameter"] is None


def test_texts_that_could_end_the_script_element_stay_inside_it():
    scenario = next(iter(load_all().values()))
    opening = scenario.beats[scenario.start]
    text = 'She says "</script><script>alert(1)</script>" & <!-- leaves'
    scenario = replace(scenario, beats={**scenario.beats, scenario.start: replace(opening, text=text)})
    html = first_view_html([("Label", scenario.id)], {scenario.id: scenario}, scenario.id)
    assert html.count("</script>") == 1 and "<!--" not in html
    assert _data(html)["scenarios"][scenario.id]["text"] == text
