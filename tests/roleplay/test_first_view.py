"""Does the role-play app's first view carry what the page needs to show a role-play at once,
and does the static player's view draw it as the live widget draws the same opening?"""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace

import pytest

from servicecourse.apps import player
from servicecourse.course import REPO
from servicecourse.roleplay.first_view import MARKER, first_view_html, picker_options
from servicecourse.roleplay.scenario import load_all
from servicecourse.widget import RoleplayWidget

from conftest import PageWatch


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
    fragment = first_view_html([("Label", scenario.id)], {scenario.id: scenario}, scenario.id)
    assert fragment.count("</script>") == 1 and "<!--" not in fragment
    assert _data(fragment)["scenarios"][scenario.id]["text"] == text


# ------------------------------------------------------------------ drawn in Chromium -----------

TEMPLATE = REPO / "share" / "jupyter" / "voila" / "templates" / "course"
PLAYER = REPO / "book" / "_player" / "roleplay-player.js"


def test_the_first_view_is_drawn_by_the_static_player_s_own_script():
    """The course template includes the book's player itself (a link, not a copy), then the first
    view's script; both are included in a <script> element by Jinja, so neither may hold a
    closing tag, an HTML comment or a Jinja delimiter."""
    linked = TEMPLATE / "static" / "roleplay-player.js"
    assert linked.is_symlink() and linked.resolve() == PLAYER.resolve()
    template = (TEMPLATE / "index.html.j2").read_text(encoding="utf-8")
    assert template.index('include "static/roleplay-player.js"') < template.index('include "static/first-view.js"')
    for script in (PLAYER, TEMPLATE / "static" / "first-view.js"):
        text = script.read_text(encoding="utf-8")
        marks = ("</script", "<!--", "{{", "{%", "{#")
        assert not any(mark in text.lower() for mark in marks), script


def _first_view_page(page, fragment: str) -> None:
    """A page holding the first view as the course template writes it, before Voila's front end."""
    scripts = "".join(f"<script>{(TEMPLATE / 'static' / name).read_text(encoding='utf-8')}</script>"
                      for name in ("roleplay-player.js", "first-view.js"))
    page.set_content(f'<!DOCTYPE html><html lang="en"><head>{scripts}</head><body><main><h1>Service role-plays</h1>'
                     f'<div class="cell">{fragment}<script>'
                     "window.courseFirstView(document.currentScript.previousElementSibling);"
                     "</script></div></main></body></html>")


_PARTS = """root => {
  const text = (node) => node ? node.innerText.split(/\\s+/).join(" ").trim() : null;
  return { title: [root.querySelector(".serve-title").tagName, text(root.querySelector(".serve-title"))],
           role: text(root.querySelector(".serve-role")), prompt: text(root.querySelector(".serve-prompt")),
           choices: [...root.querySelectorAll("button.serve-choice")].map(text) };
}"""


@pytest.mark.slow
@pytest.mark.browser
def test_the_first_view_shows_the_opening_as_the_live_widget_does_and_holds_a_choice(chromium):
    scenarios = load_all()
    options = picker_options(scenarios)
    first, other = options[0][1], options[1][1]
    page, drawn = chromium.new_page(), chromium.new_page()
    watch = PageWatch(page)
    _first_view_page(page, first_view_html(options, scenarios, first))
    view = page.locator(".course-first-view")
    for scenario_id in (first, other):
        widget = RoleplayWidget(scenarios[scenario_id], heading_level=2)  # as the app draws it
        buttons = "".join(f'<button class="serve-choice">{html.escape(b.description)}</button>'
                          for b in widget.choice_box.children)
        drawn.set_content(f'<div class="serve-roleplay">{widget.header.value}{widget.prompt.value}{buttons}</div>')
        assert view.evaluate(_PARTS) == drawn.locator(".serve-roleplay").evaluate(_PARTS), scenario_id
        if scenario_id == first:
            page.get_by_label("Role-play").select_option(other)
    # A choice made before the app is live is held, said so in the status region, and the rest
    # of the first view waits (the live widgets play it when they arrive).
    page.locator("button.course-first-choice").nth(1).click()
    assert "One moment" in page.get_by_role("status").inner_text()
    assert page.locator("button.course-first-choice").nth(1).get_attribute("aria-pressed") == "true"
    assert page.get_by_label("Role-play").is_disabled()
    assert watch.errors == [] and watch.external == []
    page.close()
    drawn.close()
