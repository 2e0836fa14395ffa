"""Helpers of the hub tests: Unix accounts made for a test, a real JupyterHub started as root
with deploy/'s config and stopped with a check that nothing it started is left running."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import signal
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from servicecourse.course import REPO

from conftest import BIN, free_port

DEPLOY = REPO / "deploy"
CONFIG = DEPLOY / "jupyterhub_config.py"
JUPYTERHUB = BIN / "jupyterhub"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
PATH = f"{BIN}:/usr/local/bin:/usr/bin:/bin"


# --- Unix accounts -----------------------------------------------------------------------------

@dataclass
class Accounts:
    """The accounts and Unix groups a test made: names end in the same random suffix."""

    learners: list[str]
    trainer: str
    hr: str
    grader: str
    apps: str
    groups: dict[str, str]  # learners / trainers / hr / roleplay (the apps account's) -> Unix group
    password: str = field(repr=False)

    def env(self) -> dict[str, str]:
        """The hub's and deploy/setup-hub.sh's settings naming these accounts and groups."""
        return {"COURSE_LEARNERS_GROUP": self.groups["learners"],
                "COURSE_TRAINERS_GROUP": self.groups["trainers"],
                "COURSE_HR_GROUP": self.groups["hr"],
                "COURSE_ROLEPLAY_GROUP": self.groups["roleplay"],
                "COURSE_GRADER_USER": self.grader, "COURSE_APPS_USER": self.apps}


def _root(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True)


@contextlib.contextmanager
def course_accounts():
    """Three learners, a trainer and an HR account (with one password, for PAM), a grader and
    an apps account, each with a home, in three new Unix groups, and a fourth, empty, for the
    role-play app's account (deploy/setup-hub.sh puts it and the grader in); all removed
    afterwards (``userdel -r``, ``groupdel``), also when the test fails."""
    if not shutil.which("useradd"):
        pytest.fail("useradd is missing (Debian's passwd package)")
    suffix = secrets.token_hex(3)
    groups = {role: f"sc{role[:5]}{suffix}" for role in ("learners", "trainers", "hr", "roleplay")}
    accounts = Accounts([f"{name}{suffix}" for name in ("ana", "ben", "cleo")], f"tom{suffix}",
                        f"hana{suffix}", f"grader{suffix}", f"apps{suffix}", groups,
                        secrets.token_urlsafe(12))
    members = {**{name: groups["learners"] for name in accounts.learners},
               accounts.trainer: groups["trainers"], accounts.hr: groups["hr"],
               accounts.grader: None, accounts.apps: None}
    made_groups, made_users = [], []
    try:
        for group in groups.values():
            _root("groupadd", group)
            made_groups.append(group)
        for name, group in members.items():
            _root("useradd", "--create-home", "--shell", "/bin/bash",
                  *(["--groups", group] if group else []), name)
            made_users.append(name)
        subprocess.run(["chpasswd"], check=True, text=True, capture_output=True,
                       input="".join(f"{name}:{accounts.password}\n" for name in members))
        yield accounts
    finally:
        problems = []
        for name in made_users:
            result = subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
            if result.returncode not in (0, 12):  # 12: the mail spool was not there
                problems.append(f"userdel {name}: {result.stderr.strip()}")
        for group in made_groups:
            result = subprocess.run(["groupdel", group], capture_output=True, text=True)
            if result.returncode != 0:
                problems.append(f"groupdel {group}: {result.stderr.strip()}")
        if problems:
            pytest.fail("accounts left behind: " + "; ".join(problems))


def as_user(user: str, *command: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """Run a command as a Unix account (runuser), with the venv first on PATH."""
    return subprocess.run(["runuser", "-u", user, "--", "env", f"PATH={PATH}",
                           *(f"{key}={value}" for key, value in env.items()), *command],
                          cwd=cwd, capture_output=True, text=True)


# --- the hub -----------------------------------------------------------------------------------

class Descendants(threading.Thread):
    """Every process the hub starts, directly or not (proxy, services, servers, kernels), seen
    while it runs: they are reparented, and so out of reach, once their parent is gone."""

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
    """A running hub: its URL, the localhost ports of its parts, its process and log."""

    url: str
    ports: dict[str, int]
    process: subprocess.Popen
    descendants: Descendants
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is returned to the caller as an HTTPError


NO_REDIRECTS = urllib.request.build_opener(_KeepRedirects)


def answers(url: str) -> bool:
    """Whether an HTTP server answers at url (any status below 500, redirects not followed)."""
    try:
        NO_REDIRECTS.open(url, timeout=2)
        return True
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


PORTS = ("hub", "hub_api", "proxy_api", "roleplay", "dashboard", "debrief", "grader")


def start_hub(work: Path, settings: dict[str, str]) -> Hub:
    """Start JupyterHub as root with deploy/'s config in ``work`` (its state), on free localhost
    ports, with a clean environment plus ``settings``; wait until it and its services answer."""
    for missing, fix in ((not JUPYTERHUB.exists(), "run `make setup` (pinned jupyterhub)"),
                         (not PROXY.exists(), "run `make setup` (npm ci --prefix deploy)"),
                         (not shutil.which("node", path=PATH), "apt-get install nodejs npm")):
        if missing:
            pytest.fail(f"cannot start the hub: {fix}")
    ports = {name: free_port() for name in PORTS}
    env = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": str(work),
           "JUPYTER_CONFIG_DIR": str(work / ".jupyter"),
           **{f"COURSE_{key}_PORT": str(ports[name]) for key, name in (
               ("HUB", "hub"), ("HUB_API", "hub_api"), ("PROXY_API", "proxy_api"),
               ("ROLEPLAY", "roleplay"), ("DASHBOARD", "dashboard"), ("DEBRIEF", "debrief"),
               ("GRADER", "grader"))},
           **settings}
    log = work / "hub.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(JUPYTERHUB), "-f", str(CONFIG)], cwd=work, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    descendants = Descendants(process.pid)
    descendants.start()
    hub = Hub(f"http://127.0.0.1:{ports['hub']}", ports, process, descendants, log)
    deadline = time.monotonic() + 240  # the hub says it runs once every service answered
    while not ("JupyterHub is now running" in log.read_text(errors="replace")
               and answers(f"{hub.url}/hub/api/")):
        if process.poll() is not None or time.monotonic() > deadline:
            left = stop_hub(hub)
            pytest.fail(f"JupyterHub did not start (exit {process.poll()}; left {left}):\n"
                        f"{hub.log_tail()}")
        time.sleep(0.5)
    return hub


def stop_hub(hub: Hub) -> list[str]:
    """Stop the hub as an administrator would (SIGTERM); kill whatever it left (by process id,
    only processes it started). Returns a line for each process it left."""
    if hub.process.poll() is None:
        hub.descendants.snapshot()
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(timeout=90)
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
            described.append(f"{process.pid} ({process.username()}): {' '.join(process.cmdline())}")
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(left, timeout=10)
    return described


def login(context, url: str, name: str, password: str):
    """Open url in a browser context, log in as name at the hub's login page; the page."""
    page = context.new_page()
    page.goto(url, timeout=60_000)
    page.wait_for_url("**/hub/login**", timeout=30_000)
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    return page


@contextlib.contextmanager
def reachable_by_others(*paths: Path):
    """Let other accounts pass through (not list) every folder above ``paths`` while the test
    runs, and put the modes back after. This machine's Python is pyenv's, under /root (0700);
    a server's venv uses a Python every account can reach (deploy/README.md)."""
    changed = []
    for path in paths:
        for folder in reversed(Path(path).resolve().parents):
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH and folder not in dict(changed):
                folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
                changed.append((folder, stat.S_IMODE(mode)))
    try:
        yield [folder for folder, _ in changed]
    finally:
        for folder, mode in reversed(changed):
            folder.chmod(mode)
