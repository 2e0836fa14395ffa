"""Does the role-play app open on the role-play asked for, and can a person play it in Voila,
in a real browser, to the debrief?"""

from __future__ import annotations

import threading
import urllib.request

import pytest

from conftest import PageWatch, voila_server
from servicecourse import app, page_request


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
    page = urllib.request.urlopen(f"{voila}/voila/render/roleplay.ipynb", timeout=60).read().decode()
    assert "roleplay_app()" not in page and "import" not in page.split("<body")[1].split("<script")[0]


@pytest.mark.slow
@pytest.mark.browser
def test_a_learner_plays_to_an_ending_and_sees_the_debrief(voila, chromium):
    page = chromium.new_page()
    watch = PageWatch(page)
    page.goto(f"{voila}/voila/render/roleplay.ipynb?scenario=serve-call-centre", timeout=60_000)
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
    page.goto(f"{voila}/voila/render/roleplay.ipynb", timeout=60_000)
    picker = page.get_by_label("Role-play")
    picker.wait_for(timeout=60_000)
    option = picker.locator("option", has_text="Billed twice")
    picker.select_option(label=option.inner_text())
    page.get_by_role("button", name="Let her finish").wait_for(timeout=10_000)
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_page_opens_on_the_requested_role_play_not_the_first_one(voila, chromium):
    # A preheated kernel draws the app before the request; it must still follow ?scenario=.
    page = chromium.new_page()
    page.goto(f"{voila}/voila/render/roleplay.ipynb?scenario=serve-call-centre", timeout=60_000)
    page.get_by_role("button", name="Let her finish").wait_for(timeout=60_000)
    assert page.locator(".serve-roleplay h2").inner_text() == "Billed twice"
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
    page = browser.open(f"{voila}/voila/render/roleplay.ipynb", timeout=60).read().decode()
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    xsrf = {c.name: c.value for c in cookies}.get("_xsrf")
    assert xsrf, "the page did not set the _xsrf cookie"
    request = urllib.request.Request(f"{voila}/voila/api/shutdown/{config['kernelId']}",
                                     data=urllib.parse.urlencode({"_xsrf": xsrf}).encode())
    assert browser.open(request, timeout=60).status == 204
