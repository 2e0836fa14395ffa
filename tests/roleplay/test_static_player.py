"""Can every role-play be played on the static site, with no server, no kernel and no other host?

The browser player (book/_player/roleplay-player.js) re-implements the engine in JavaScript, so
the first tests run its engine in Node on the Python engine's vectors (every path of every
scenario) and demand identical results: paths, scores, endings, codes. Its view is the course's
one view of a role-play in a page; a browser test checks that it shows every part as the widget
does. The other browser tests then play the built site in Chromium.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from servicecourse.cohort import evidence
from servicecourse.course import REPO
from servicecourse.roleplay.engine import Roleplay, first_sentence
from servicecourse.roleplay.scenario import load_all, load_by_id
from servicecourse.roleplay.serve_model import DIMENSIONS
from servicecourse.roleplay.static import scenario_data, scenario_html, scenario_json
from servicecourse.roleplay.vectors import all_vectors, path_to
from servicecourse.widget import RoleplayWidget, profile_text
from servicecourse.widget import score_text as _score_text

from conftest import PageWatch, toc_files

PLAYER = REPO / "book" / "_player" / "roleplay-player.js"
# Texts whose first sentence is hard to find, besides every feedback of every role-play.
SENTENCES = ["", "One. Two.", "No end mark", "e.g. this one. Next.", "Costs 3.50 pounds. OK.",
             'Ask "Why?" Then wait.', "He said \u201cNo.\u201d Then left.", "\u00c9mile nods. \u00c9l\u00e8ve.",
             "  Spaces!  ", "Line one.\nLine two.", "Ends (aside.) Then more.", "Wow!! Really?"]
NODE = shutil.which("node") or "/usr/bin/node"
browser = [pytest.mark.slow, pytest.mark.browser]

# Plays every vector through the JavaScript engine, exactly as the page's player drives it.
_NODE_RUNNER = r"""
const fs = require("fs");
const engine = require(process.argv[1]);
const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = { scenarios: {} };
for (const [id, entry] of Object.entries(input.scenarios)) {
  const scenario = JSON.parse(entry.json);          // the very text a page embeds
  out.scenarios[id] = entry.vectors.map((vector) => {
    const play = new engine.Roleplay(scenario);
    const beats = [], scoreTexts = [];
    const short = [];
    for (const index of vector.choices) {
      beats.push(play.node);
      const choice = play.choose(index);
      scoreTexts.push(engine.scoreText(scenario, choice.score));
      short.push(engine.firstSentence(choice.feedback));
    }
    const ending = play.ending();
    return {
      choices: vector.choices, beats: beats,
      ending: ending ? play.node : null, outcome: ending ? ending.outcome : null,
      score: play.score(), profile: play.profile(), letters: play.letters(),
      practice_code: play.practiceCode(), short_feedback: short,
      score_texts: scoreTexts, profile_text: engine.profileText(scenario, play.profile()),
    };
  });
}
out.sentences = input.sentences.map(engine.firstSentence);
out.signed1 = input.signed1.map(engine.formatSigned1);
process.stdout.write(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def node_results(tmp_path_factory):
    """What the Python engine computes (vectors) and what the JS engine computes on the same paths."""
    if not Path(NODE).exists():
        pytest.fail("node is not installed: the static player's engine cannot be checked")
    scenarios = load_all()
    vectors = all_vectors()
    signed_inputs = sorted({float(Fraction(k, n)) for n in range(1, 25) for k in range(-2 * n, 2 * n + 1)})
    data = {"scenarios": {sid: {"json": scenario_json(scenarios[sid]), "vectors": vectors[sid]}
                          for sid in scenarios},
            "sentences": SENTENCES, "signed1": signed_inputs}
    source = tmp_path_factory.mktemp("vectors") / "vectors.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = subprocess.run([NODE, "-e", _NODE_RUNNER, str(PLAYER), str(source)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return scenarios, vectors, signed_inputs, json.loads(result.stdout)


def test_vectors_cover_every_scenario_and_every_path_ends(node_results):
    scenarios, vectors, *_ = node_results
    assert set(vectors) == set(scenarios) and all(vectors.values())
    for sid, cases in vectors.items():
        assert all(case["ending"] in scenarios[sid].endings for case in cases)
        assert len({tuple(case["choices"]) for case in cases}) == len(cases)
        assert all(case["practice_code"] == f"{sid}/{case['letters']}/practice" for case in cases)


def test_the_js_engine_matches_the_python_engine_on_every_path(node_results):
    scenarios, vectors, _, js = node_results
    assert set(js["scenarios"]) == set(vectors)
    for sid, cases in vectors.items():
        played = js["scenarios"][sid]
        assert len(played) == len(cases), sid
        for expected, got in zip(cases, played):
            for key in ("choices", "beats", "ending", "outcome", "score", "letters", "practice_code",
                        "short_feedback"):
                assert got[key] == expected[key], (sid, expected["choices"], key)
            # Same floats, bit for bit: both divide the same integers in IEEE doubles.
            assert list(got["profile"]) == list(DIMENSIONS)
            assert all(got["profile"][d] == expected["profile"][d] for d in DIMENSIONS)


def test_the_js_words_scores_and_the_profile_as_the_widget_does_on_every_path(node_results):
    scenarios, vectors, _, js = node_results
    for sid, cases in vectors.items():
        for expected, got in zip(cases, js["scenarios"][sid]):
            play = Roleplay(scenarios[sid])
            texts = [_score_text(play.choose(i).score) for i in expected["choices"]]
            assert got["score_texts"] == texts, (sid, expected["choices"])
            assert got["profile_text"] == profile_text(expected["profile"]), (sid, expected["choices"])


def test_the_js_first_sentence_and_number_format_match_python(node_results):
    *_, signed_inputs, js = node_results
    assert js["sentences"] == [first_sentence(text) for text in SENTENCES]
    # The chart's numbers round as Python's format does (half to even), e.g. 1.25 -> +1.2.
    assert js["signed1"] == [f"{value:+.1f}" for value in signed_inputs]


def _embedded(fragment: str) -> str:
    match = re.search(r'<script type="application/json" class="serve-scenario-data">(.*?)</script>',
                      fragment, re.S)
    assert match, "no scenario data in the fallback"
    return match.group(1)


def test_the_fallback_carries_the_whole_scenario_as_json():
    for scenario in load_all().values():
        fragment = scenario_html(scenario)
        assert json.loads(_embedded(fragment)) == scenario_data(scenario)
        data = scenario_data(scenario)
        assert data["beats"].keys() == scenario.beats.keys() and data["endings"].keys() == scenario.endings.keys()
        assert [d["id"] for d in data["dimensions"]] == list(DIMENSIONS)
        # The no-JavaScript fallback is still there: the opening, its options and the play link.
        opening = scenario.beats[scenario.start]
        text = html.unescape(fragment)
        assert opening.text in text and all(c.text in text for c in opening.choices)
        assert f"roleplay.ipynb?scenario={scenario.id}" in fragment


def test_scenario_text_cannot_break_out_of_the_script_element():
    base = load_by_id("serve-call-centre")
    hostile = dataclasses.replace(base, title="</script><script>alert(1)</script>",
                                  expert="<!-- & </SCRIPT > \u2028")
    fragment = scenario_html(hostile)
    assert fragment.lower().count("</script") == 1 and "<!--" not in fragment
    assert "<script>alert" not in fragment and "<button" not in fragment
    data = json.loads(_embedded(fragment))
    assert data["title"] == hostile.title and data["expert"] == hostile.expert


# ------------------------------------------------------------------ the view in Chromium --------

# The parts of a role-play as a person reads them: each part's heading level and text (spaces
# squashed), in whichever view they are drawn.
_PARTS = r"""root => {
  const text = (node) => node ? node.innerText.split(/\s+/).join(" ").trim() : null;
  const one = (selector) => text(root.querySelector(selector));
  return {
    title: [root.querySelector(".serve-title").tagName, one(".serve-title")],
    role: one(".serve-role"), prompt: one(".serve-prompt"), feedback: one(".serve-feedback") || null,
    choices: [...root.querySelectorAll("button.serve-choice")].map(text),
    ending: one(".serve-ending"), path: one("ol.serve-path"), evidence: one(".serve-evidence"),
    headings: [...root.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => [h.tagName, text(h)]),
    chart: (root.querySelector("svg.serve-profile-chart title") || {}).textContent
      || (root.querySelector("img.serve-profile-chart") || { getAttribute: () => null }).getAttribute("alt"),
  };
}"""


def _widget_parts(page, widget: RoleplayWidget) -> dict:
    """The widget's parts, drawn from its HTML as the browser shows them (buttons by their text)."""
    buttons = "".join(f'<button class="serve-choice">{html.escape(b.description)}</button>'
                      for b in widget.choice_box.children)
    debrief = "".join(part.value for part in widget.debrief.children if hasattr(part, "value"))
    page.set_content(f'<main><h2>Practise</h2><div class="serve-roleplay">{widget.header.value}'
                     f'{widget.feedback.value}{widget.prompt.value}{buttons}{debrief}</div></main>')
    return page.locator(".serve-roleplay").evaluate(_PARTS)


@pytest.mark.slow
@pytest.mark.browser
def test_the_page_s_player_shows_every_part_as_the_widget_does(chromium):
    """Header, beat, choices, feedback (with scores at once), ending, path, code, headings and the
    chart's text read the same in the book's player and in the widget, at every step of a play."""
    scenario = dataclasses.replace(load_by_id("serve-call-centre"), show_scores=True)
    widget = RoleplayWidget(scenario)
    page, drawn = chromium.new_page(), chromium.new_page()
    watch = PageWatch(page)
    page.set_content(f'<!DOCTYPE html><html lang="en"><body><main><h2>Practise</h2>{scenario_html(scenario)}'
                     f"</main><script>{PLAYER.read_text(encoding='utf-8')}</script></body></html>")
    player = page.locator(".serve-player")
    for index in [*path_to(scenario, "poor"), None]:
        shown = player.evaluate(_PARTS)
        assert shown == _widget_parts(drawn, widget), widget.play.history
        if index is None:
            break
        player.locator("button.serve-choice").nth(index).click()
        widget.choice_box.children[index].click()
    assert widget.play.finished and shown["ending"] and "SERVE:" in shown["path"]
    assert watch.errors == []
    page.close()
    drawn.close()


# ------------------------------------------------------------------ the built site in Chromium ---

# Pre-existing and not the player's: Sphinx 7.4 writes sphinx-thebe's inline configuration script
# twice on every page, so the browser reports the second `const THEBE_JS_URL` as a redeclaration.
_KNOWN_SITE_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)


def _focused(page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def _tab_to(page, selector: str, limit: int = 400) -> int:
    """Press Tab until the focused element matches ``selector``; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if _focused(page, selector):
            return presses
    raise AssertionError(f"Tab never reached {selector}")


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
@pytest.mark.browser
def test_a_learner_plays_a_roleplay_with_the_keyboard_alone(site_url, chromium, tmp_path):
    scenario = load_by_id("serve-call-centre")
    play = Roleplay(scenario)
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    watch = PageWatch(page, known_errors=_KNOWN_SITE_ERRORS)
    page.goto(f"{site_url}/book/serve.html")
    player = page.locator('.serve-roleplay-static[data-scenario="serve-call-centre"]')
    assert "serve-player" in player.get_attribute("class")
    first = 'div[data-scenario="serve-call-centre"] button.serve-choice'
    assert player.locator("button.serve-choice").count() == len(play.beat.choices)

    # From the top of the page, Tab alone reaches the first choice, with a visible focus ring.
    _tab_to(page, first)
    ring = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                         " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert ring[0] != "none" and ring[1] >= 2, ring

    feedback = player.locator(".serve-feedback")
    assert feedback.get_attribute("aria-live") == "polite"
    for index in path_to(scenario, "good"):
        # Tab from the prompt (or the top) to the choice of a good path.
        assert _focused(page, first)
        for _ in range(index):
            page.keyboard.press("Tab")
        assert _squash(page.evaluate("document.activeElement.textContent")) == _squash(play.beat.choices[index].text)
        page.keyboard.press("Enter")
        choice = play.choose(index)
        # During play: the first sentence of the feedback, no scores (they come at the end).
        shown = _squash(feedback.inner_text())
        assert shown == _squash(f"Feedback. {first_sentence(choice.feedback)}")
        assert "SERVE" not in shown
        if not play.finished:
            # Focus moves to the next prompt: what the other person says now.
            assert _focused(page, 'div[data-scenario="serve-call-centre"] .serve-prompt')
            assert _squash(play.beat.text) in _squash(page.evaluate("document.activeElement.innerText"))
            page.keyboard.press("Tab")

    # The debrief: ending, path with full feedback and scores, expert advice, practice code and
    # what it is, chart, play again.
    assert _focused(page, 'div[data-scenario="serve-call-centre"] .serve-ending')
    ending = player.locator(".serve-ending").inner_text()
    assert play.ending.title in ending and play.ending.outcome in ending
    assert player.locator(".serve-path-code").inner_text() == play.practice_code
    assert _squash(evidence.PRACTICE_NOTE) in _squash(player.locator(".serve-evidence").inner_text())
    steps = player.locator("ol.serve-path > li")
    assert steps.count() == len(play.history)
    for number, step in enumerate(play.history):
        text = _squash(steps.nth(number).inner_text())
        assert _squash(step.choice.text) in text and _squash(step.choice.feedback) in text
        assert f"SERVE: {_score_text(step.choice.score)}" in text
    assert _squash(scenario.expert) in _squash(player.inner_text())
    chart = player.locator("svg.serve-profile-chart")
    assert chart.get_attribute("role") == "img"
    assert chart.locator("title").text_content() == profile_text(play.profile)
    assert chart.locator("rect.serve-bar").count() == sum(1 for v in play.profile.values() if v)
    assert "roleplay.ipynb?scenario=serve-call-centre" in player.locator("a.serve-play-link").get_attribute("href")
    page.screenshot(path=str(tmp_path / "debrief.png"), full_page=True)

    # "Play again" with the Space bar: back to the opening, focus on it, feedback cleared.
    _tab_to(page, 'div[data-scenario="serve-call-centre"] button.serve-replay', limit=10)
    page.keyboard.press("Space")
    play.restart()
    assert _focused(page, 'div[data-scenario="serve-call-centre"] .serve-prompt')
    assert _squash(play.beat.text) in _squash(page.evaluate("document.activeElement.innerText"))
    assert player.locator("button.serve-choice").count() == len(play.beat.choices)
    assert feedback.inner_text().strip() == "" and player.locator(".serve-debrief").count() == 0

    assert watch.external == [] and watch.errors == []
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_every_chapter_turns_each_roleplay_into_a_player(site_url, chromium):
    page = chromium.new_page()
    watch = PageWatch(page, known_errors=_KNOWN_SITE_ERRORS)
    players = 0
    for name in toc_files():
        embedded = re.findall(r'roleplay\("([^"]+)"\)', (REPO / f"{name}.md").read_text())
        page.goto(f"{site_url}/{name}.html")
        page.wait_for_load_state("load")
        previews = page.locator(".serve-roleplay-static")
        assert [previews.nth(i).get_attribute("data-scenario") for i in range(previews.count())] == embedded
        for i in range(previews.count()):
            preview = previews.nth(i)
            scenario = load_by_id(embedded[i])
            assert "serve-player" in preview.get_attribute("class"), (name, embedded[i])
            buttons = preview.locator("button.serve-choice")
            assert buttons.count() == len(scenario.beats[scenario.start].choices), (name, embedded[i])
            players += 1
        assert watch.external == [], name
        assert watch.errors == [], name
    assert players > 0
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_a_roleplay_plays_from_the_files_alone_with_no_server(built_site, chromium):
    """Opened as file://, with no web server at all, a role-play still plays to its path code."""
    page = chromium.new_page()
    watch = PageWatch(page, known_errors=_KNOWN_SITE_ERRORS, allow_file=True)
    page.goto((built_site / "book" / "serve.html").as_uri())
    player = page.locator('.serve-roleplay-static[data-scenario="serve-call-centre"]')
    play = Roleplay(load_by_id("serve-call-centre"))
    for _ in range(20):
        if player.locator(".serve-path-code").count():
            break
        player.locator("button.serve-choice").first.click()
        play.choose(0)
    assert player.locator(".serve-path-code").inner_text() == play.practice_code
    assert watch.external == [] and watch.errors == []
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_search_finds_a_chapter_by_a_word_it_teaches(site_url, chromium):
    page = chromium.new_page()
    watch = PageWatch(page, known_errors=_KNOWN_SITE_ERRORS)
    page.goto(f"{site_url}/search.html?q=servitude")
    results = page.locator("#search-results li a")
    results.first.wait_for(timeout=20_000)
    assert any("culture.html" in (link.get_attribute("href") or "") for link in results.all())
    assert watch.external == [] and watch.errors == []
    page.close()
