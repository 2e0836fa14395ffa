"""Can a person play a role-play in the Voila app, in a real browser, to the debrief?"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import BIN
from servicecourse.paths import REPO

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    """A real Voila server on localhost serving apps/, with no config from this machine."""
    port = _free_port()
    config = tmp_path_factory.mktemp("jupyter-config")
    server = subprocess.Popen(
        [str(BIN / "voila"), str(REPO / "apps"), f"--port={port}", "--no-browser",
         "--Voila.ip=127.0.0.1"],
        env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(config), "JUPYTER_CONFIG_DIR": str(config)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.25)
    else:
        server.kill()
        pytest.fail(f"voila did not start:\n{server.stdout.read().decode()}")
    yield url
    server.terminate()
    server.wait(timeout=10)


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
