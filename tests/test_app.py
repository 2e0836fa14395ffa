"""Can a person play a role-play in the Voila app, in a real browser, to the debrief?"""

from __future__ import annotations

import urllib.request

import pytest

from conftest import voila_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    """The apps served by a real Voila, as `course serve` starts them (preheated kernels)."""
    with voila_server(tmp_path_factory.mktemp("jupyter-config")) as url:
        yield url


def test_the_served_app_shows_no_source_code(voila):
    page = urllib.request.urlopen(f"{voila}/voila/render/roleplay.ipynb", timeout=60).read().decode()
    assert "roleplay_app()" not in page and "import" not in page.split("<body")[1].split("<script")[0]


def test_a_learner_plays_to_an_ending_and_sees_the_debrief(voila, chromium):
    page = chromium.new_page()
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


def test_the_picker_switches_to_another_scenario(voila, chromium):
    page = chromium.new_page()
    page.goto(f"{voila}/voila/render/roleplay.ipynb", timeout=60_000)
    picker = page.get_by_label("Role-play")
    picker.wait_for(timeout=60_000)
    option = picker.locator("option", has_text="Billed twice")
    picker.select_option(label=option.inner_text())
    page.get_by_role("button", name="Let her finish").wait_for(timeout=10_000)
    page.close()
