"""Smoke test of deploy/: a real JupyterHub on localhost serves the apps behind its login.

The hub runs deploy/jupyterhub_config.py from a temporary working folder (its database and
cookie secret), with a clean environment and a temporary cohort for the formgrader. Only the
login differs from a server: a shared test password instead of PAM (COURSE_HUB_TEST_PASSWORD).
"""

from __future__ import annotations

import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import psutil
import pytest

from conftest import BIN
from servicecourse.paths import REPO

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DEPLOY = REPO / "deploy"
CONFIG = DEPLOY / "jupyterhub_config.py"
JUPYTERHUB = BIN / "jupyterhub"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
ROLEPLAY = "/services/apps/voila/render/roleplay.ipynb?scenario=serve-call-centre"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Descendants(threading.Thread):
    """Every process the hub starts, directly or not (proxy, services, kernels), seen while it
    runs: they are reparented, and so out of reach, once their parent is gone."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.seen: dict[int, psutil.Process] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.snapshot()
            self._stop_event.wait(0.2)

    def snapshot(self) -> None:
        try:
            for child in self.root.children(recursive=True):
                self.seen.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            pass

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def alive(self) -> list[psutil.Process]:
        running = []
        for process in self.seen.values():
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    running.append(process)
            except psutil.NoSuchProcess:
                pass
        return running


@dataclass
class Hub:
    url: str
    password: str
    course_id: str
    ports: dict[str, int]
    process: subprocess.Popen
    descendants: _Descendants
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _answers(url: str) -> bool:
    """Whether an HTTP server answers at url (any status below 500, redirects not followed)."""
    try:
        _NO_REDIRECTS.open(url, timeout=2)
        return True
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is returned to the caller as an HTTPError


_NO_REDIRECTS = urllib.request.build_opener(_KeepRedirects)


def _stop(hub: Hub) -> list[str]:
    """Stop the hub as an administrator would (SIGTERM); kill whatever it left. Returns what it left."""
    if hub.process.poll() is None:
        hub.descendants.snapshot()
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hub.process.kill()
            hub.process.wait(timeout=10)
    hub.descendants.stop()
    deadline = time.monotonic() + 15
    while hub.descendants.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = hub.descendants.alive()
    described = []
    for process in left:
        try:
            described.append(f"{process.pid}: {' '.join(process.cmdline())}")
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(left, timeout=10)
    return described


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A real JupyterHub on free localhost ports with deploy/'s config, until the module ends."""
    if not JUPYTERHUB.exists():
        pytest.fail(f"jupyterhub is not installed in {BIN.parent}: run `make setup` "
                    f"(it installs the pinned jupyterhub from requirements.txt)")
    if not PROXY.exists():
        pytest.fail(f"configurable-http-proxy is not installed in {DEPLOY / 'node_modules'}: "
                    f"run `make setup` (npm ci --prefix deploy; needs Node.js and npm)")
    if not shutil.which("node", path="/usr/local/bin:/usr/bin:/bin"):
        pytest.fail("Node.js is not installed (apt-get install nodejs npm), the proxy needs it")
    from servicecourse import cohort

    work = tmp_path_factory.mktemp("jupyterhub")
    folder = cohort.create(work / "cohort")
    course_id = cohort.config(folder).CourseDirectory.course_id
    (work / "run").mkdir()
    ports = {name: _free_port() for name in ("hub", "hub_api", "proxy_api", "apps", "grader")}
    password = secrets.token_urlsafe(12)
    env = {
        "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
        "HOME": str(work / "home"), "JUPYTER_CONFIG_DIR": str(work / "home" / ".jupyter"),
        "COURSE_HUB_PORT": str(ports["hub"]), "COURSE_HUB_API_PORT": str(ports["hub_api"]),
        "COURSE_PROXY_API_PORT": str(ports["proxy_api"]), "COURSE_APPS_PORT": str(ports["apps"]),
        "COURSE_GRADER_PORT": str(ports["grader"]), "COURSE_COHORT_DIR": str(folder),
        "COURSE_TRAINERS": "trainer", "COURSE_HUB_TEST_PASSWORD": password,
    }
    log = work / "hub.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(JUPYTERHUB), "-f", str(CONFIG)], cwd=work / "run", env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    descendants = _Descendants(process.pid)
    descendants.start()
    url = f"http://127.0.0.1:{ports['hub']}"
    running = Hub(url, password, course_id, ports, process, descendants, log)
    # ready: the hub says so only once both services answered; then its API answers too
    deadline = time.monotonic() + 180
    while not ("JupyterHub is now running" in log.read_text(errors="replace")
               and _answers(f"{url}/hub/api/")):
        if process.poll() is not None or time.monotonic() > deadline:
            left = _stop(running)
            pytest.fail(f"JupyterHub did not start (exit {process.poll()}; left {left}):\n"
                        f"{running.log_tail()}")
        time.sleep(0.5)
    yield running
    _stop(running)


def _login(context, url: str, name: str, password: str):
    """Open url in a fresh browser context, log in as name at the hub's login page."""
    page = context.new_page()
    page.goto(url, timeout=60_000)
    page.wait_for_url("**/hub/login**", timeout=30_000)
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    return page


def test_an_anonymous_visitor_is_sent_to_the_hub_login_not_to_the_app(hub):
    formgrader = f"/services/{hub.course_id}/formgrader"
    for url in (hub.url + ROLEPLAY, hub.url + "/services/apps/", hub.url + formgrader,
                # the services' own ports, bypassing the proxy: they check the login themselves
                f"http://127.0.0.1:{hub.ports['apps']}{ROLEPLAY}",
                f"http://127.0.0.1:{hub.ports['grader']}{formgrader}"):
        with pytest.raises(urllib.error.HTTPError) as answer:
            _NO_REDIRECTS.open(url, timeout=60)
        assert answer.value.code == 302, url
        assert "/hub/api/oauth2/authorize" in answer.value.headers["Location"], url
    page = urllib.request.urlopen(hub.url + ROLEPLAY, timeout=60)  # following the redirects
    assert urlparse(page.geturl()).path == "/hub/login"
    body = page.read().decode()
    assert 'id="password_input"' in body and "serve-" not in body and "Let her finish" not in body


def test_a_learner_logs_in_and_plays_the_roleplay_through_the_hub(hub, chromium):
    context = chromium.new_context()
    try:
        page = _login(context, hub.url + ROLEPLAY, "learner", hub.password)
        page.get_by_role("button", name="Let her finish").click(timeout=120_000)
        page.wait_for_selector(".serve-feedback", timeout=30_000)
        assert page.url.startswith(hub.url + "/services/apps/voila/render/roleplay.ipynb")
        assert page.locator(".serve-feedback").first.inner_text().strip()
    finally:
        context.close()


def test_trainers_open_the_formgrader_and_learners_cannot(hub, chromium):
    formgrader = f"{hub.url}/services/{hub.course_id}/formgrader/manage_assignments"
    trainer = chromium.new_context()
    learner = chromium.new_context()
    try:
        page = _login(trainer, formgrader, "trainer", hub.password)
        page.wait_for_url(formgrader, timeout=60_000)
        page.get_by_text("Manage Assignments").first.wait_for(timeout=60_000)
        page.get_by_role("link", name="serve", exact=True).wait_for(timeout=60_000)

        page = _login(learner, hub.url + ROLEPLAY, "learner", hub.password)
        page.get_by_role("button", name="Let her finish").wait_for(timeout=120_000)
        refused = page.goto(formgrader, timeout=60_000)
        assert refused.status == 403
    finally:
        trainer.close()
        learner.close()


def test_stopping_the_hub_stops_everything_it_started(hub):
    assert hub.process.poll() is None, hub.log_tail()
    hub.descendants.snapshot()
    started = {p.pid for p in hub.descendants.seen.values()}
    assert len(started) >= 3, "expected at least the proxy, Voila and the formgrader server"
    left = _stop(hub)
    assert hub.process.returncode is not None
    assert not left, "processes left running after the hub stopped:\n" + "\n".join(left)
    for name, port in hub.ports.items():
        assert not _answers(f"http://127.0.0.1:{port}/"), f"{name} port {port} still answers"
