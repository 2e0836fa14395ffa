"""Simulated visitors of a Voila app that speak Voila's protocol, not a browser.

Each visitor does what a browser on the role-play app's page does, with no browser:

1. requests the page (``urllib`` with a cookie jar, as a browser keeps Jupyter's cookies) and
   reads the kernel id from the page's ``jupyter-config-data``;
2. opens the kernel's websocket as Voila's front end opens it (JupyterLab's ``KernelConnection``:
   ``api/kernels/<id>/channels?session_id=...``, subprotocol ``v1.kernel.websocket.jupyter.org``,
   framed with jupyter_server's own v1 functions) and asks for the kernel's info;
3. asks for the widget state as ipywidgets 8's manager does (a ``jupyter.widget.control`` comm,
   ``request_states``) and keeps every widget up to date from the kernel's comm messages;
4. finds the first choice of the role-play shown (a button with the ``serve-choice`` class under
   the ``serve-roleplay`` box; in an app with no role-play, its first button) and clicks it by
   sending the comm message a browser's button sends (``{"method": "custom", "content":
   {"event": "click"}}``);
5. waits until the kernel has handled the click (its ``idle`` status for that message), by which
   time the role-play's feedback has arrived;
6. leaves: as a closed tab does (Voila's page posts its kernel's shutdown), or by dropping the
   connection (a crashed tab, a lost network).

A page served with no kernel (the course server's page engine beyond its kernel cap,
`servicecourse.serving.voila_server`) is playable as it arrives: the visitor records it and stops there.

Localhost only, and bounded: at most `MAX_VISITORS` visitors, each given up after ``limit``
seconds. The websocket client is ``websocket-client`` (pinned in requirements.txt).
"""

from __future__ import annotations

import contextlib
import html.parser
import http.cookiejar
import json
import re
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterator

import websocket
from jupyter_client.session import Session
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)

PROTOCOL = "v1.kernel.websocket.jupyter.org"  # what JupyterLab's KernelConnection asks for
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_VISITORS = 200
MAX_SECONDS = 600.0
PAGE_ENGINE_MARK = "course-page-engine"  # the class of the page served with no kernel
FIRST_VIEW = b'<div class="course-first-view">'  # the role-play as the page draws it at once
CONFIG = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)
ROOT = re.compile(r'"application/vnd.jupyter.widget-view\+json": \{"model_id": "([0-9a-f]+)"')


class VisitError(Exception):
    """A visitor could not go on (the message says at which step)."""


@dataclass
class Visit:
    """What one visitor saw, in seconds from its arrival (None: never reached)."""

    asked: str | None  # the role-play the URL named
    page: float | None = None  # the page's HTML complete
    first_view: float | None = None  # the page's bytes holding the first view (playable at once)
    widgets: float | None = None  # the first live widget message: the kernel's widget state
    playable: float | None = None  # the live first choice of the role-play asked for, clicked
    feedback: float | None = None  # the first choice's click handled by the kernel
    ended: float | None = None  # (playing through) the last choice handled: the debrief shown
    page_engine: bool = False  # served with no kernel: played on the page's own engine
    first_shown: str | None = None  # the role-play the first widget state showed
    shown: str | None = None  # the role-play whose first choice was clicked
    feedback_text: str | None = None
    kernel_id: str | None = None
    error: str | None = None
    kernel_stderr: str = ""  # what the kernel wrote to its standard error meanwhile

    @property
    def served(self) -> bool:
        """Whether the visitor could play: a live first choice answered, or the page engine."""
        return self.page_engine or self.feedback is not None


def check_local(base: str) -> None:
    """Refuse any server but this machine's: the load generator is for localhost only."""
    host = urllib.parse.urlsplit(base).hostname
    if host not in LOCAL_HOSTS:
        raise ValueError(f"{base}: the load generator only visits localhost, not {host!r}")


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0  # inside <style> or <script>

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in {"style", "script"}

    def handle_endtag(self, tag):
        self.hidden -= tag in {"style", "script"} and self.hidden > 0

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_text(fragment: str) -> str:
    """The text of an HTML fragment with whitespace collapsed, as a browser's innerText reads."""
    parser = _Text()
    parser.feed(fragment)
    return " ".join("".join(parser.parts).split())


class KernelSocket:
    """A kernel's websocket opened as JupyterLab's KernelConnection opens it (v1 framing)."""

    def __init__(self, base: str, kernel_id: str, cookies: http.cookiejar.CookieJar, timeout: float):
        split = urllib.parse.urlsplit(base)
        scheme = "wss" if split.scheme == "https" else "ws"
        self.session = Session(username="visitor")
        url = (f"{scheme}://{split.netloc}{split.path.rstrip('/')}/api/kernels/"
               f"{urllib.parse.quote(kernel_id)}/channels?session_id={self.session.session}")
        cookie = "; ".join(f"{c.name}={c.value}" for c in cookies)
        self.ws = websocket.create_connection(url, subprotocols=[PROTOCOL], cookie=cookie,
                                              timeout=timeout)

    def send(self, channel: str, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        """Send a message; return its id."""
        msg = self.session.msg(msg_type, content, metadata=metadata or {})
        parts = [self.session.pack(msg[key]) for key in ("header", "parent_header", "metadata", "content")]
        self.ws.send_binary(serialize_msg_to_ws_v1(parts, channel))
        return msg["header"]["msg_id"]

    def receive(self, deadline: float) -> tuple[str, dict]:
        """The next message as (channel, message); VisitError when ``deadline`` passes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise VisitError("timed out")
        self.ws.settimeout(remaining)
        try:
            data = self.ws.recv()
        except websocket.WebSocketTimeoutException:
            raise VisitError("timed out") from None
        if isinstance(data, str):  # the legacy JSON framing (a server that refused v1)
            msg = json.loads(data)
            return msg.get("channel", ""), msg
        channel, parts = deserialize_msg_from_ws_v1(data)
        msg = {key: self.session.unpack(part) for key, part in
               zip(("header", "parent_header", "metadata", "content"), parts)}
        return channel, msg

    def close(self) -> None:
        """Drop the connection."""
        self.ws.close()


@dataclass
class Widgets:
    """The widget models a front end holds, kept up to date from the kernel's comm messages."""

    states: dict[str, dict] = field(default_factory=dict)

    def apply(self, msg: dict) -> None:
        """Update the models from one iopub message (comm open, update, close)."""
        kind, content = msg["header"]["msg_type"], msg.get("content", {})
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.states[content["comm_id"]] = dict(content.get("data", {}).get("state", {}))
        elif kind == "comm_msg":
            data = content.get("data", {})
            if data.get("method") in {"update", "echo_update"} and content["comm_id"] in self.states:
                self.states[content["comm_id"]].update(data.get("state", {}))
            elif data.get("method") == "update_states":
                for model_id, model in data.get("states", {}).items():
                    self.states.setdefault(model_id, {}).update(model.get("state", {}))
        elif kind == "comm_close":
            self.states.pop(content.get("comm_id"), None)

    def children(self, model_id: str) -> list[str]:
        """The ids of a box's children that are still open."""
        refs = self.states.get(model_id, {}).get("children", [])
        ids = [ref.removeprefix("IPY_MODEL_") for ref in refs if isinstance(ref, str)]
        return [i for i in ids if i in self.states]

    def descendants(self, root: str) -> list[str]:
        """``root`` and every open widget under it, depth first, in display order."""
        found, stack = [], [root]
        while stack:
            model_id = stack.pop(0)
            if model_id in self.states:
                found.append(model_id)
                stack[:0] = self.children(model_id)
        return found

    def classes(self, model_id: str) -> list[str]:
        return list(self.states.get(model_id, {}).get("_dom_classes", []))

    def roleplay(self, root: str) -> tuple[str | None, str | None]:
        """The role-play box shown under ``root`` and its scenario id (None, None: none)."""
        for model_id in self.descendants(root):
            classes = self.classes(model_id)
            if "serve-roleplay" in classes:
                scenario = next((c.removeprefix("serve-scenario-") for c in classes
                                 if c.startswith("serve-scenario-")), None)
                return model_id, scenario
        return None, None

    def first_choice(self, root: str) -> str | None:
        """The first choice button of the role-play under ``root`` (any app: its first button)."""
        box, _ = self.roleplay(root)
        for model_id in self.descendants(box or root):
            state = self.states[model_id]
            if state.get("_model_name") == "ButtonModel" and (
                    box is None or "serve-choice" in self.classes(model_id)):
                return model_id
        return None

    def feedback(self, root: str) -> str | None:
        """The text of the role-play's feedback under ``root``, if it shows one."""
        box, _ = self.roleplay(root)
        for model_id in self.descendants(box or root):
            value = self.states[model_id].get("value")
            if isinstance(value, str) and 'class="serve-feedback"' in value:
                return html_text(value)
        return None


def _page(opener, url: str, visit: Visit, began: float, deadline: float) -> str:
    with opener.open(url, timeout=max(0.1, deadline - time.monotonic())) as response:
        chunks = []
        while chunk := response.read1(65536):
            chunks.append(chunk)
            if visit.first_view is None and FIRST_VIEW in b"".join(chunks[-2:]):
                visit.first_view = time.monotonic() - began
            if time.monotonic() > deadline:
                raise VisitError("the page did not arrive in time")
    visit.page = time.monotonic() - began
    return b"".join(chunks).decode("utf-8")


def _shutdown(opener, cookies, base: str, kernel_id: str) -> None:
    """What Voila's page does when its tab closes: post the kernel's shutdown with _xsrf."""
    xsrf = next((c.value for c in cookies if c.name == "_xsrf"), "")
    request = urllib.request.Request(f"{base.rstrip('/')}/voila/api/shutdown/{kernel_id}",
                                     data=urllib.parse.urlencode({"_xsrf": xsrf}).encode())
    try:
        opener.open(request, timeout=30).close()
    except OSError:
        pass  # the server may be gone already; a browser does not wait either


def visit(base: str, path: str, asked: str | None = None, limit: float = 60.0,
          leave: str = "shutdown", played: threading.Semaphore | None = None,
          stay: threading.Event | None = None, record: Visit | None = None,
          through: bool = False) -> Visit:
    """One visitor of ``base + path`` (``?scenario=asked`` added if given): see the module's steps.

    ``leave`` is ``shutdown`` (a closed tab) or ``drop`` (the connection lost). Once done playing
    (or failing) the visitor releases ``played``, if given, and with ``stay`` keeps its page open
    until that event is set before leaving. ``record``, if given, is filled as the visit goes.
    With ``through`` the visitor plays on, each beat's first choice, to the role-play's end.
    """
    check_local(base)
    began = time.monotonic()
    deadline = began + limit
    record = record or Visit(asked)
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    url = base.rstrip("/") + path + (f"?scenario={urllib.parse.quote(asked)}" if asked else "")
    socket = None
    try:
        page = _page(opener, url, record, began, deadline)
        if PAGE_ENGINE_MARK in page:  # playable as it arrives: the page plays the role-play
            record.page_engine, record.first_view = True, record.page
            return record
        config = CONFIG.search(page)
        root = ROOT.search(page)
        if not config:
            raise VisitError("the page holds no kernel id")
        if not root:
            outputs = page.split('class="jp-OutputArea-output', 1)[1:]
            shown = html_text(outputs[0].split(">", 1)[-1])[:200] if outputs else "no output at all"
            raise VisitError(f"the page's app shows no widget: {shown}")
        record.kernel_id = json.loads(config.group(1))["kernelId"]
        socket = KernelSocket(base, record.kernel_id, cookies, timeout=limit)
        _play(socket, root.group(1), record, began, deadline, through)
    except (VisitError, OSError, websocket.WebSocketException, ValueError, KeyError) as error:
        record.error = f"{type(error).__name__}: {error}"
    finally:
        if played is not None:
            played.release()
        if stay is not None:
            stay.wait(MAX_SECONDS)  # the crowd sets it once everyone has played
        if socket is not None:
            socket.close()
        if record.kernel_id and leave == "shutdown":
            _shutdown(opener, cookies, base, record.kernel_id)
    return record


def _play(socket: KernelSocket, root: str, record: Visit, began: float, deadline: float,
          through: bool = False) -> None:
    """Steps 2 to 5 on an open kernel socket (with ``through``, on to the role-play's end);
    fills ``record``."""
    widgets = Widgets()

    def next_message() -> tuple[str, dict]:
        channel, msg = socket.receive(deadline)
        if channel == "iopub":
            widgets.apply(msg)
            content = msg.get("content", {})
            if msg["header"]["msg_type"] == "stream" and content.get("name") == "stderr":
                record.kernel_stderr += content.get("text", "")
        return channel, msg

    def replied(msg: dict, request: str, kind: str, state: str | None = None) -> bool:
        return (msg.get("parent_header", {}).get("msg_id") == request and msg["header"]["msg_type"] == kind
                and (state is None or msg.get("content", {}).get("execution_state") == state))

    def click(button: str) -> None:  # what a browser's button sends; back when the kernel is done
        request = socket.send("shell", "comm_msg", {"comm_id": button, "data": {
            "method": "custom", "content": {"event": "click"}}})
        while not replied(next_message()[1], request, "status", "idle"):
            pass

    info = socket.send("shell", "kernel_info_request", {})
    while not replied(next_message()[1], info, "kernel_info_reply"):
        pass  # the front end's first request: is the kernel there?
    control = str(uuid.uuid4())
    socket.send("shell", "comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                                       "data": {}}, metadata={"version": "1.0.0"})
    socket.send("shell", "comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
    while True:
        _, msg = next_message()
        content = msg.get("content", {})
        if (msg["header"]["msg_type"] == "comm_msg" and content.get("comm_id") == control
                and content.get("data", {}).get("method") == "update_states"):
            break
    record.widgets = time.monotonic() - began
    record.first_shown = widgets.roleplay(root)[1]
    socket.send("shell", "comm_close", {"comm_id": control, "data": {}})
    while True:  # until the role-play asked for shows its first choice
        _, shown = widgets.roleplay(root)
        button = widgets.first_choice(root) if not record.asked or shown == record.asked else None
        if button is not None:
            break
        next_message()
    record.shown, record.playable = shown, time.monotonic() - began
    click(button)
    record.feedback = time.monotonic() - began
    record.feedback_text = widgets.feedback(root)
    while through and widgets.roleplay(root)[0] and (button := widgets.first_choice(root)) is not None:
        click(button)  # each beat's first choice, to the debrief (an app with no role-play: none)
    if through:
        record.ended = time.monotonic() - began


@contextlib.contextmanager
def present(base: str, path: str, asked: str | None = None, limit: float = 60.0,
            through: bool = False) -> Iterator[Visit]:
    """A visitor who has played (see `visit`) and keeps its page open while the ``with`` block
    runs, then leaves as a closed tab does; yields its visit (check its ``error``)."""
    played, stay = threading.Semaphore(0), threading.Event()
    record = Visit(asked)
    visitor = threading.Thread(target=visit, args=(base, path, asked), daemon=True, kwargs=dict(
        limit=limit, played=played, stay=stay, record=record, through=through))
    visitor.start()
    try:
        played.acquire(timeout=limit + 10)
        yield record
    finally:
        stay.set()
        visitor.join(timeout=limit)


def crowd(base: str, path: str, asked: list[str | None], within: float = 60.0,
          limit: float = 60.0, leave: str = "shutdown",
          while_present: Callable[[], None] | None = None) -> list[Visit]:
    """``len(asked)`` visitors arriving evenly over ``within`` seconds, visitor i asking for
    ``asked[i]``, each in its own thread; returns their visits in arrival order once all have left.

    With ``while_present``, every visitor keeps its page open once done playing until all are
    done; ``while_present()`` is called then (to measure the server with everyone there)."""
    check_local(base)
    if not 0 < len(asked) <= MAX_VISITORS or within + limit > MAX_SECONDS:
        raise ValueError(f"a crowd is 1 to {MAX_VISITORS} visitors over at most {MAX_SECONDS:.0f} s "
                         f"in all, not {len(asked)} over {within + limit:.0f} s")
    visits = [Visit(a) for a in asked]
    played, stay = threading.Semaphore(0), threading.Event() if while_present else None
    start = time.monotonic()

    def arrive(i: int) -> None:
        time.sleep(max(0.0, start + i * within / len(asked) - time.monotonic()))
        visit(base, path, asked[i], limit=limit, leave=leave, played=played, stay=stay, record=visits[i])

    threads = [threading.Thread(target=arrive, args=(i,), daemon=True) for i in range(len(asked))]
    for thread in threads:
        thread.start()
    if while_present is not None and stay is not None:
        end = start + within + limit
        for _ in asked:
            played.acquire(timeout=max(0.0, end - time.monotonic()))
        try:
            while_present()
        finally:
            stay.set()
    for thread in threads:
        thread.join(timeout=max(0.0, start + within + limit + 60 - time.monotonic()))
    for thread, record in zip(threads, visits):
        if thread.is_alive() and record.error is None:
            record.error = "the visitor was still waiting when the crowd's time ran out"
    return visits


if __name__ == "__main__":
    print("bench/voila_load.py is the load generator of bench/capacity.py: run that.")
