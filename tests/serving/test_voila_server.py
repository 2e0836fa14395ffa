"""Does the apps' Voila server take its settings from its config file, compile its page templates
once, find the course template, know the visitor and cap visitors' kernels?"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from pathlib import Path

import jinja2
import nbformat
import pytest
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter

from servicecourse.course import REPO
from servicecourse.serving import voila_server
from servicecourse.serving.voila_server import JUPYTER_DATA, MemoryBytecodeCache, share_compiled_templates


class CountingCache(MemoryBytecodeCache):
    """Counts the templates it hands back already compiled."""

    def __init__(self):
        super().__init__()
        self.hits = 0

    def load_bytecode(self, bucket):
        super().load_bytecode(bucket)
        self.hits += bucket.code is not None


def test_the_second_page_reuses_the_templates_the_first_compiled(monkeypatch):
    monkeypatch.setattr(TemplateExporter, "_create_environment", TemplateExporter._create_environment)
    cache = share_compiled_templates(CountingCache())
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Hello")])
    first, _ = HTMLExporter().from_notebook_node(notebook)
    compiled = len(cache.store)
    assert compiled > 1 and cache.hits == 0
    second, _ = HTMLExporter().from_notebook_node(notebook)  # a new exporter, as Voila makes
    assert cache.hits == compiled and len(cache.store) == compiled
    assert "Hello" in second


def test_an_edited_template_is_compiled_again(tmp_path):
    cache = MemoryBytecodeCache()
    template = tmp_path / "page.j2"
    template.write_text("first {{ x }}")
    environment = lambda: jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path),  # noqa: E731
                                             bytecode_cache=cache)
    assert environment().get_template("page.j2").render(x=1) == "first 1"
    template.write_text("second {{ x }}")
    assert environment().get_template("page.j2").render(x=2) == "second 2"


def test_the_course_template_drops_voila_s_cdn_style_sheets():
    folder = JUPYTER_DATA / "voila" / "templates" / "course"
    assert (folder / "conf.json").exists()
    lab = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "lab" / "index.html.j2"
    ours = (folder / "index.html.j2").read_text()
    # Every off-site <link> Voila's lab template writes is replaced by nothing in ours.
    links = [line.strip() for line in lab.read_text().splitlines()
             if "<link" in line and "https://" in line]
    assert links and all(f"replace('{link}', '')" in ours for link in links)


class _Handler:
    """What visitor_name reads of a Voila page handler."""

    def __init__(self, provider, user):
        self.identity_provider, self.current_user = provider, user


def test_the_visitor_is_the_hub_user_behind_the_hub_and_the_os_account_without_it():
    import getpass
    from types import SimpleNamespace

    from servicecourse.serving.voila_server import visitor_name

    hub = SimpleNamespace(hub_auth=object())
    assert visitor_name(_Handler(hub, SimpleNamespace(username="amara"))) == "amara"
    assert visitor_name(_Handler(hub, None)) is None
    local = SimpleNamespace()  # Voila's own provider: anonymous users with made-up names
    assert visitor_name(_Handler(local, SimpleNamespace(username="anonymous-Io"))) == getpass.getuser()


# --- the cap on visitors' kernels (servicecourse/serving/kernel_cap.py) ----------------------------------

def test_the_cap_is_half_the_available_memory_over_a_visitor_s_kernel():
    from servicecourse.serving.kernel_cap import KERNEL_MB, kernel_cap

    assert kernel_cap({}, available=20 * KERNEL_MB) == 10
    assert kernel_cap({}, available=21 * KERNEL_MB) == 10  # whole kernels only
    assert kernel_cap({}, available=KERNEL_MB / 2) == 1  # never no room at all


def test_the_setting_overrides_the_memory_rule_and_nonsense_is_refused():
    import pytest

    from servicecourse.serving.kernel_cap import CAP_ENV, kernel_cap

    assert kernel_cap({CAP_ENV: "3"}, available=100_000) == 3
    for bad in ("0", "-2", "lots", "2.5"):
        with pytest.raises(ValueError, match=f"{CAP_ENV}='{bad}'.*whole number"):
            kernel_cap({CAP_ENV: bad}, available=100_000)


def test_the_available_memory_is_read_from_meminfo(tmp_path):
    from servicecourse.serving.kernel_cap import available_mb

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:    2048000 kB\n")
    assert available_mb(meminfo) == 2000
    assert available_mb(tmp_path / "none") is None


def test_the_kernel_cap_is_an_option_of_the_server_and_nonsense_is_refused():
    import pytest

    from servicecourse.serving.voila_app import CourseVoila

    app = CourseVoila()
    app.parse_command_line(["apps", "--kernel-cap=5", "--port=1"])
    assert (app.kernel_cap, app.port, app.extra_args) == (5, 1, ["apps"])
    with pytest.raises(SystemExit):
        CourseVoila().parse_command_line(["--kernel-cap=0"])


# --- the server's settings: one config file (servicecourse/serving/voila_config.py) ------------

def _configured(*argv: str):
    """A course Voila app with ``argv`` and its config file read, as at start (no server)."""
    from servicecourse.serving.voila_app import CourseVoila

    app = CourseVoila()
    app.parse_command_line(list(argv))
    app.load_config_file("voila", path=app.config_file_paths)
    return app


def test_the_server_s_settings_come_from_its_config_file_not_the_machine_s(tmp_path, monkeypatch):
    """Does the server read the course's config file, and no voila.json of this machine?"""
    (tmp_path / "voila.json").write_text('{"VoilaConfiguration": {"template": "classic"}}')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    app = _configured(str(tmp_path))
    assert app.config.VoilaConfiguration.template == "course"
    assert app.config.MappingKernelManager.cull_idle_timeout == 60
    assert app.ip == "127.0.0.1" and app.roleplay_pool == 4 and app.kernel_cap is None


def test_the_command_line_gives_what_differs_between_servers_and_wins_over_the_file():
    app = _configured("--roleplay-pool=1", "--port=4321", "--Voila.base_url=/services/roleplay/")
    assert (app.roleplay_pool, app.port, app.base_url) == (1, 4321, "/services/roleplay/")
    assert app.config.VoilaConfiguration.template == "course"  # the rest is the file's


def test_the_launcher_s_command_names_the_config_file_and_only_per_server_values():
    from servicecourse.serving.launch import KERNEL_GONE_AFTER, voila_command
    from servicecourse.serving.voila_server import CONFIG, settings

    command = voila_command(8866, base_url="/x/")
    assert command[3:] == [f"--config={CONFIG}", str(REPO / "apps"), "--port=8866", "--Voila.base_url=/x/"]
    assert "--roleplay-pool=2" in voila_command(8866, preheat=2)
    assert KERNEL_GONE_AFTER == settings().MappingKernelManager.cull_idle_timeout == 60


def test_the_hub_s_config_file_is_the_course_s_behind_the_hub_s_login(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "deploy"))  # as the hub's services run (PYTHONPATH)
    import hub_voila_auth

    app = _configured(f"--config={REPO / 'deploy' / 'voila_config.py'}", "--port=10101")
    assert app.config.VoilaConfiguration.template == "course" and app.roleplay_pool == 4
    assert app.identity_provider_class is hub_voila_auth.HubIdentityProvider
    assert app.authorizer_class is hub_voila_auth.HubAuthorizer
    assert app.port_retries == 0 and app.port == 10101


def test_a_missing_config_file_stops_the_server(tmp_path):
    import pytest

    with pytest.raises(SystemExit, match="no such config file"):
        _configured(f"--config={tmp_path / 'none.py'}")


def test_the_page_with_no_kernel_opens_on_the_role_play_asked_for_and_says_it_is_practice():
    import re

    from servicecourse.roleplay.scenario import load_all
    from servicecourse.serving.page_engine import MARK, NOTICE, roleplay_page

    scenarios = load_all()
    page = roleplay_page("serve-call-centre")
    assert f'class="{MARK}"' in page and NOTICE in page
    assert re.search(r'<option value="serve-call-centre" selected>', page)
    assert page.count("<option ") == len(scenarios) and page.count(" selected>") == 1
    assert 'data-scenario="serve-call-centre"' in page  # the static player's role-play
    assert "https://" not in page and "<script src" not in page  # all in the page
    first = roleplay_page("__proto__")  # asks for no known role-play: the picker's first
    first_id = re.search(r'<option value="([^"]+)"', first).group(1)
    assert f'data-scenario="{first_id}"' in first and f'<option value="{first_id}" selected>' in first


@contextlib.contextmanager
def _request_info_server():
    """Voila's request connections (``voila/query/<kernel id>``) served by tornado in a thread
    of their own, on localhost; yields the websocket base URL and a way to send a request."""
    import asyncio

    import tornado.web
    from voila.request_info_handler import RequestInfoSocketHandler

    ready, state = threading.Event(), {}

    def serve():
        async def main():
            app = tornado.web.Application([(r"/voila/query/(.*)", RequestInfoSocketHandler)])
            server = app.listen(0, "127.0.0.1")
            state["port"] = next(iter(server._sockets.values())).getsockname()[1]
            state["loop"], state["stop"] = asyncio.get_running_loop(), asyncio.Event()
            ready.set()
            await state["stop"].wait()
            server.stop()
        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)

    def send(kernel_id: str, payload: str) -> None:
        state["loop"].call_soon_threadsafe(RequestInfoSocketHandler.send_updates,
                                           {"kernel_id": kernel_id, "payload": payload})
    try:
        yield f"ws://127.0.0.1:{state['port']}/voila/query/", send
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)


@pytest.fixture
def request_handler(monkeypatch):
    """Voila's handler of the kernels' request connections, with no connection or request yet
    and the course's patch (`voila_server.deliver_requests`); put back as it was after the test."""
    from voila.request_info_handler import RequestInfoSocketHandler as Handler

    for name in ("on_close", "send_updates"):
        monkeypatch.setattr(Handler, name, Handler.__dict__[name])  # the classmethod as it is
    monkeypatch.setattr(Handler, "_waiters", {})
    monkeypatch.setattr(Handler, "_cache", {})
    voila_server.deliver_requests()
    return Handler


def test_a_kernel_s_old_request_connection_closing_leaves_the_other_kernels_waiting(request_handler):
    # Kernel a connects twice (its first attempt seemed to fail), then its old connection
    # closes; kernel b, connected in between, must still get its page's request.
    import websocket

    with _request_info_server() as (base, send):
        first_a = websocket.create_connection(base + "a", timeout=5)
        second_a = websocket.create_connection(base + "a", timeout=5)
        b = websocket.create_connection(base + "b", timeout=5)
        first_a.close()
        time.sleep(0.5)  # the server sees the close
        send("b", '{"QUERY_STRING": "cohort=beta"}')
        send("a", '{"QUERY_STRING": "scenario=x"}')
        assert b.recv() == '{"QUERY_STRING": "cohort=beta"}'
        assert second_a.recv() == '{"QUERY_STRING": "scenario=x"}'
        b.close()
        second_a.close()


def test_a_request_whose_connection_closed_meanwhile_waits_for_the_kernel_s_next_one(request_handler):
    # The connection is still listed when the page's request comes, but closed by then.
    from tornado.websocket import WebSocketClosedError

    class ClosedConnection:
        def write_message(self, payload):
            raise WebSocketClosedError()

    request_handler._waiters["k"] = ClosedConnection()
    request_handler.send_updates({"kernel_id": "k", "payload": '{"QUERY_STRING": "scenario=y"}'})
    assert "k" not in request_handler._waiters
    assert request_handler._cache["k"] == '{"QUERY_STRING": "scenario=y"}'
