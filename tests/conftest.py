"""Shared fixtures: the repo's paths, the venv's tools on PATH, a built book, a Chromium, the
session's Voila server of the apps."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from servicecourse.course import REPO

BIN = Path(sys.executable).parent
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"


class _LiveMarkup(HTMLParser):
    """Collects what a browser would run in a page: script-like elements, event handlers and
    javascript: links."""

    def __init__(self):
        super().__init__()
        self.live: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed"):
            self.live.append(tag)
        self.live += [f"{tag}[{name}]" for name, value in attrs if name.lower().startswith("on")
                      or (name.lower() in ("href", "src") and "javascript:" in (value or "").lower())]


def live_markup(page: str) -> list[str]:
    """Everything in ``page`` that would run in a browser (empty for a page of plain text)."""
    parser = _LiveMarkup()
    parser.feed(page)
    return parser.live


def in_a_thread_of_its_own(function):
    """What ``function()`` returns, called in a new thread, as a kernel's cells run in a thread
    whose event loop is the kernel's. The tests' own thread may already hold an event loop that
    never turns (Playwright's sync API leaves one there once a browser test has run)."""
    outcome: dict = {}

    def call():
        try:
            outcome["value"] = function()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=call)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), f"{function} still running after 60 s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run(*command: str, cwd: Path = REPO, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Run a command of the venv, capturing its output; fail the test with it if asked."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def toc_files() -> list[str]:
    """The book's pages in the order of _toc.yml (root first), as paths without extension."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The book built cold (executing every chapter) with warnings as errors; its HTML folder."""
    out = tmp_path_factory.mktemp("book")
    run(str(BIN / "jupyter-book"), "build", ".", "--path-output", str(out), "-W", "-n", "--keep-going")
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright."""
    playwright = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def graded_cohort(tmp_path_factory) -> Path:
    """A cohort where, for every module, 'instructor' handed in the solutions and 'blank' the
    untouched release, plus 'wrong' with wrong answers to the serve module; all autograded."""
    import nbformat

    from servicecourse import cohort
    from servicecourse.cohort.submissions import answer, solution_answers
    from servicecourse.course import modules

    folder = cohort.create(tmp_path_factory.mktemp("cohort") / "graded")
    api = cohort.api(folder)
    wrong_serve = {
        # 3 of 6 statements right (of 5 points), the partly right reply (half of 2), 2 of 6
        # options judged right (of 3), a code that is not one; spirit_sign left blank.
        "classify_statements": ('classification = {"A": "feedback", "B": "solutions", "C": "respect", '
                                '"D": "feedback", "E": "spirit", "F": "solutions"}'),
        "best_reply": 'best_reply = "D"',
        "beyond_the_fix": 'beyond_the_fix = ["B", "C", "E"]',
        "roleplay_path": 'path_code = "serve-call-centre/AAAA/9999"',
    }
    plan = {"instructor": "solutions", "blank": {}, "wrong": wrong_serve}
    for module in modules():
        cohort.run(api.generate_assignment(module), f"generate {module}")
        for learner, answers in plan.items():
            if learner == "wrong" and module != "serve":
                continue
            for notebook in sorted((folder / "release" / module).glob("*.ipynb")):
                given = (solution_answers(folder / "source" / module / notebook.name)
                         if answers == "solutions" else answers)
                target = folder / "submitted" / learner / module / notebook.name
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(answer(notebook, given), target)
            cohort.run(api.autograde(module, learner), f"autograde {module} {learner}")
    return folder


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A real PostgreSQL server on localhost for the session; yields a factory of fresh databases."""
    import glob
    import itertools
    import socket
    import tempfile

    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        pytest.fail("PostgreSQL is not installed (apt-get install postgresql)")
    pg = Path(binaries[-1])
    data = Path(tempfile.mkdtemp(prefix="course-pg-", dir="/tmp"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(data, "postgres", "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run(*as_postgres, str(pg / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "course",
        cwd=data)
    run(*as_postgres, str(pg / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w",
        "-o", f"-h 127.0.0.1 -p {port} -k {data}", "start", cwd=data)
    counter = itertools.count()

    def new_database() -> str:
        name = f"gradebook{next(counter)}"
        run(str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "course", name)
        return f"postgresql://course@127.0.0.1:{port}/{name}"

    yield new_database
    run(*as_postgres, str(pg / "pg_ctl"), "-D", str(data / "db"), "-m", "fast", "stop", cwd=data,
        check=False)
    shutil.rmtree(data, ignore_errors=True)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def voila_server(config_dir: Path, preheat: int | None = None, **env: str):
    """A real Voila server on localhost serving apps/ exactly as `course serve` starts it (its
    config file, servicecourse/serving/voila_config.py; ``preheat`` kernels ready, None: the
    file's 4), with no Jupyter config from this machine; yields its base URL."""
    import time
    import urllib.request

    from servicecourse.serving.launch import voila_command

    port = free_port()
    log = config_dir / f"voila-{port}.log"  # a file: a pipe nobody reads would fill and stall it
    server = subprocess.Popen(
        voila_command(port, preheat=preheat), cwd=REPO,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(config_dir),
             "JUPYTER_CONFIG_DIR": str(config_dir), **env},
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        else:
            server.kill()
            pytest.fail(f"voila did not start:\n{log.read_text(errors='replace')}")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=15)


@dataclass
class ServedApps:
    """The session's Voila server (``url``) and the folder of cohorts its apps read (``cohorts``,
    its ``COURSE_COHORTS``)."""

    url: str
    cohorts: Path
    log_folder: Path  # where voila_server writes the server's log

    def log_tail(self, characters: int = 4000) -> str:
        """The end of the server's log, for a test's failure message."""
        return "".join(log.read_text(errors="replace")[-characters:] for log in self.log_folder.glob("voila-*.log"))

    @contextlib.contextmanager
    def only_these_cohorts(self):
        """The with block's cohorts alone: the folder is empty when it starts (the block makes
        its cohorts there) and emptied when it ends."""
        assert not any(self.cohorts.iterdir()), f"cohorts left in {self.cohorts}"
        try:
            yield self.cohorts
        finally:
            for folder in self.cohorts.iterdir():
                shutil.rmtree(folder)


@pytest.fixture(scope="session")
def voila_apps(tmp_path_factory):
    """One real Voila server of apps/ for the whole session, as `course serve` starts it, over a
    folder of cohorts that starts empty. The apps read the cohorts whenever a page is viewed (a
    kernel kept ready included), so each test module puts the cohorts it needs there for its
    tests (`ServedApps.only_these_cohorts`) instead of starting a server of its own."""
    cohorts, config = tmp_path_factory.mktemp("served-cohorts"), tmp_path_factory.mktemp("jupyter-config")
    with voila_server(config, COURSE_COHORTS=str(cohorts)) as url:
        yield ServedApps(url, cohorts, config)


def copy_cohort(template: Path, folder: Path) -> Path:
    """A copy of a built cohort (the demo cohort, `small_cohort`'s) in ``folder``, its nbgrader
    config pointing at the copy: the template stays as built, plays and grades go to the copy."""
    shutil.copytree(template, folder, symlinks=True)
    config = folder / "nbgrader_config.py"
    config.write_text(config.read_text().replace(str(template), str(folder)))
    return folder


def hold_voila_front_end(page):
    """Keep Voila's front end (voila.js) from loading on ``page`` until the returned function is
    called, so a test sees the app's page as it is before the live widgets come."""
    held = []
    page.route("**/voila/static/voila.js", lambda route: held.append(route))
    return lambda: held[0].continue_()


class PageWatch:
    """Records what a browser page asks of another host and the errors it logs.

    ``external``: every request whose host is not this machine (data:, blob: and about: URLs
    stay in the page; file: ones are allowed when the test opens the site from files).
    ``errors``: console errors and uncaught exceptions, minus those containing ``known_errors``.
    """

    LOCAL_HOSTS = {"127.0.0.1", "localhost"}

    def __init__(self, page, known_errors: tuple[str, ...] = (), allow_file: bool = False):
        self.known_errors = known_errors
        self.allow_file = allow_file
        self.external: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("console", lambda m: m.type == "error" and self._error(f"console: {m.text}"))
        page.on("pageerror", lambda e: self._error(f"pageerror: {e}"))

    def _request(self, request):
        url = urlparse(request.url)
        if url.scheme in {"data", "blob", "about"}:
            return
        if url.scheme == "file" and self.allow_file:
            return
        if url.scheme not in {"http", "https", "ws", "wss"} or url.hostname not in self.LOCAL_HOSTS:
            self.external.append(request.url)

    def _error(self, text: str):
        if not any(known in text for known in self.known_errors):
            self.errors.append(text)


# A roster for the demo cohort: four learners start in the far past (their unfinished modules are
# overdue whenever the tests run), one in the far future, one has no date, two are not listed.
DEMO_ROSTER = """id,first_name,last_name,email,team,start_date
amara-okoye,Amara,Okoye,amara-okoye@example.com,Front desk,2020-01-06
ben-carter,Ben,Carter,ben-carter@example.com,Front desk,2099-01-05
chloe-martin,Chloé,Martin,chloe-martin@example.com,Billing,2020-01-06
dev-patel,Dev,Patel,dev-patel@example.com,Billing,
elena-rossi,Elena,Rossi,elena-rossi@example.com,,2020-01-06
farid-haddad,Farid,Haddad,farid-haddad@example.com,Call centre,2020-01-06
"""


@pytest.fixture(scope="session")
def demo_cohort(tmp_path_factory) -> Path:
    """The demo cohort (really autograded, ~60 s), built once per test session, with a roster."""
    from servicecourse.cohort.demo import build

    folder = build(tmp_path_factory.mktemp("cohorts") / "demo")
    (folder / "roster.csv").write_text(DEMO_ROSTER, encoding="utf-8")
    return folder


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging; answers the browser's own favicon request with 204."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        # The site has no favicon; the browser asks for one by itself. Not a page request.
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture(scope="session")
def site_url(built_site):
    """The built site served by a plain static file server on 127.0.0.1 (no kernel, no app)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
