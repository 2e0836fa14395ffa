"""Does the role-play app open on the role-play asked for, and can a person play it in Voila,
in a real browser, to the debrief?"""

from __future__ import annotations

import threading
import urllib.request

import pytest

from conftest import PageWatch, hold_voila_front_end, voila_server
from servicecourse import app, page_request
from servicecourse.scenario import load_all, load_by_id

APP = "/voila/render/roleplay.ipynb"


def test_outside_voila_the_app_opens_on_the_query_s_scenario(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "scenario=serve-call-centre")
    picker, stage = app.roleplay_app().children
    assert picker.value == "serve-call-centre"
    assert stage.children[0].play.scenario.id == "serve-call-centre"


def test_an_unknown_scenario_in_the_query_opens_the_first_one(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "scenario=no-such-thing")
    picker, _ = app.roleplay_app().children
    assert picker.value == picker.options[0][1]


def test_a_preheated_kernel_draws_the_app_before_the_request_and_then_follows_it(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    request_arrives, switched = threading.Event(), threading.Event()

    def wait_for_the_visitor(name):  # what Voila's get_query_string does in a pool kernel
        request_arrives.wait(timeout=10)
        return {"scenario": "serve-call-centre"}.get(name)

    monkeypatch.setattr(page_request, "requested", wait_for_the_visitor)
    picker, stage = app.roleplay_app().children  # returns while no one has asked yet
    assert picker.value == picker.options[0][1]
    picker.observe(lambda _: switched.set(), names="value")
    request_arrives.set()
    assert switched.wait(timeout=10)
    assert stage.children[0].play.scenario.id == "serve-call-centre"


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    """The apps served by a real Voila, as `course serve` starts them (preheated kernels)."""
    with voila_server(tmp_path_factory.mktemp("jupyter-config")) as url:
        yield url


@pytest.mark.slow
@pytest.mark.browser
def test_the_served_app_shows_no_source_code(voila):
    page = urllib.request.urlopen(f"{voila}{APP}", timeout=60).read().decode()
    assert "roleplay_app()" not in page and "import" not in page.split("<body")[1].split("<script")[0]


@pytest.mark.slow
@pytest.mark.browser
def test_a_learner_plays_to_an_ending_and_sees_the_debrief(voila, chromium):
    page = chromium.new_page()
    watch = PageWatch(page)
    page.goto(f"{voila}{APP}?scenario=serve-call-centre", timeout=60_000)
    page.get_by_role("button", name="Let her finish").click(timeout=60_000)
    page.wait_for_selector(".serve-feedback")
    for _ in range(10):
        if page.locator(".serve-ending").count():
            break
        page.locator("button.serve-choice").first.click()
        page.wait_for_timeout(200)
    page.wait_for_selector(".serve-ending", timeout=10_000)
    assert "A customer won back" in page.locator(".serve-ending").inner_text()
    assert page.locator(".serve-path-code").inner_text() == "serve-call-centre/AAAA/257c"
    assert page.locator("img.serve-profile-chart").get_attribute("alt").startswith("SERVE profile")
    page.get_by_role("button", name="Play again").click()
    page.get_by_role("button", name="Let her finish").wait_for()
    page.close()
    # Nothing is fetched from another host (the app works on an intranet) and nothing failed.
    assert watch.external == [] and watch.errors == []


@pytest.mark.slow
@pytest.mark.browser
def test_the_picker_switches_to_another_scenario(voila, chromium):
    page = chromium.new_page()
    page.goto(f"{voila}{APP}", timeout=60_000)
    page.locator(".course-first-view").wait_for(state="detached", timeout=60_000)  # the live app
    picker = page.get_by_label("Role-play")
    option = picker.locator("option", has_text="Billed twice")
    picker.select_option(label=option.inner_text())
    page.get_by_role("button", name="Let her finish").wait_for(timeout=10_000)
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_page_opens_on_the_requested_role_play_not_the_first_one(voila, chromium):
    # A preheated kernel draws the app before the request; it must still follow ?scenario=.
    page = chromium.new_page()
    page.goto(f"{voila}{APP}?scenario=serve-call-centre", timeout=60_000)
    page.get_by_role("button", name="Let her finish").wait_for(timeout=60_000)
    assert page.get_by_role("heading", level=2).inner_text() == "Billed twice"  # the first view
    page.locator(".course-first-view").wait_for(state="detached", timeout=60_000)
    assert page.locator(".serve-roleplay h2").inner_text() == "Billed twice"  # the live app
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_before_voila_s_front_end_has_loaded_the_page_plays_and_nothing_done_is_lost(voila, chromium):
    page = chromium.new_page()
    watch = PageWatch(page)
    release_front_end = hold_voila_front_end(page)
    page.goto(f"{voila}{APP}?scenario=serve-call-centre", wait_until="commit", timeout=60_000)
    page.get_by_role("button", name="Let her finish").wait_for(timeout=60_000)
    assert page.get_by_role("heading", level=2).inner_text() == "Billed twice"
    assert page.locator(".serve-roleplay").count() == 0  # nothing of the live app yet
    # The learner picks another role-play and answers its opening, still before the app is live.
    other = load_by_id(next(sid for sid in sorted(load_all()) if sid != "serve-call-centre"))
    choice = other.beats[other.start].choices[1]
    page.get_by_label("Role-play").select_option(other.id)
    page.get_by_role("button", name=choice.text).click()
    assert "One moment" in page.get_by_role("status").inner_text()
    release_front_end()
    # The live widgets take over where the learner is: the role-play picked, the choice made.
    page.locator(".course-first-view").wait_for(state="detached", timeout=60_000)
    assert f"serve-scenario-{other.id}" in page.locator(".serve-roleplay").get_attribute("class")
    assert choice.feedback in page.locator(".serve-feedback").inner_text()
    shown = page.get_by_label("Role-play").locator("option:checked").inner_text()
    assert shown.replace("\xa0", " ").startswith(other.title)  # ipywidgets writes no-break spaces
    page.close()
    assert watch.external == [] and watch.errors == []


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("query", ["scenario=no-such-thing", "scenario=__proto__", "scenario=toString", "scenario="])
def test_a_page_asking_for_no_known_role_play_opens_on_the_first_one(voila, chromium, query):
    page = chromium.new_page()
    watch = PageWatch(page)
    hold_voila_front_end(page)  # the first view alone
    page.goto(f"{voila}{APP}?{query}", wait_until="commit", timeout=60_000)
    page.locator("button.course-first-choice").first.wait_for(timeout=60_000)
    first = load_by_id(app.roleplay_app().children[0].options[0][1])
    assert page.get_by_role("heading", level=2).inner_text() == first.title
    page.close()
    assert watch.errors == []


@pytest.mark.slow
@pytest.mark.browser
def test_a_learner_plays_the_app_to_the_debrief_with_the_keyboard_alone(voila, chromium):
    page = chromium.new_page()
    release_front_end = hold_voila_front_end(page)
    page.goto(f"{voila}{APP}?scenario=serve-call-centre", wait_until="commit", timeout=60_000)
    page.get_by_role("button", name="Let her finish").wait_for(timeout=60_000)

    def focused_button() -> str:
        return page.evaluate("""() => { const e = document.activeElement;
            return e && e.tagName === "BUTTON" && e.getAttribute("aria-disabled") !== "true" ? e.textContent : ""; }""")

    def tab_to_a_button():
        for _ in range(60):
            if focused_button():
                return
            page.keyboard.press("Tab")
        pytest.fail("Tab never reached a button")

    # The first choice, answered in the first view; the live app takes over with the focus on
    # the next beat's first choice, so the learner goes on where they are.
    tab_to_a_button()
    assert focused_button().startswith("Let her finish")
    page.keyboard.press("Enter")
    release_front_end()
    page.locator(".course-first-view").wait_for(state="detached", timeout=60_000)
    assert page.evaluate("document.activeElement.classList.contains('serve-choice')")
    # Then the first choice of each beat, with Tab and Enter, to the ending.
    for _ in range(10):
        if page.locator(".serve-ending").count():
            break
        tab_to_a_button()
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)  # the kernel redraws the beat
    assert page.locator(".serve-path-code").inner_text() == "serve-call-centre/AAAA/257c"
    for _ in range(60):  # and start again
        if focused_button() == "Play again":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Let her finish").wait_for(timeout=10_000)
    page.close()


@pytest.mark.slow
def test_a_closed_page_can_shut_its_kernel_down(voila):
    # What Voila's page does when its tab closes: post the _xsrf cookie's value to the shutdown
    # endpoint. The page must have set that cookie, or the kernel is left running (403).
    import http.cookiejar
    import json
    import re
    import urllib.parse

    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    page = browser.open(f"{voila}{APP}", timeout=60).read().decode()
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    xsrf = {c.name: c.value for c in cookies}.get("_xsrf")
    assert xsrf, "the page did not set the _xsrf cookie"
    request = urllib.request.Request(f"{voila}/voila/api/shutdown/{config['kernelId']}",
                                     data=urllib.parse.urlencode({"_xsrf": xsrf}).encode())
    assert browser.open(request, timeout=60).status == 204
