"""What the page of a Voila app asked for, and who asked: the query string and the visitor.

Voila's preheated kernels run an app's notebook before anyone asks for the page, so the request
is not known while the notebook runs, and waiting for it there would hold the page back until a
visitor comes. Apps therefore draw what they can at once and act on the request with
`on_request` (or `follow_request`, for a picker): at once in an ordinary kernel, or when the
request reaches a preheated kernel, which it does as the page is sent, before the browser has
loaded its scripts and asked the kernel for the widgets. One background thread waits for it;
the callbacks then run on the kernel's own event loop (the thread that handles the browser's
messages), not in that thread: widgets changed from another thread while the kernel answers a
browser's request for the widget state could send that browser a state older than the changes
it had already been sent, and the page would wait for ever for a role-play it was never shown.

Voila hands a kernel its request once, over a websocket to ``voila/query/<kernel id>`` (a
second wait would never end), so this module waits once and every caller shares the result. It
waits as Voila's ``voila.utils.wait_for_request`` does, but without importing Voila into the
kernel: that import costs 1.8 s of CPU per kernel (all of Jupyter Server), which on a busy
machine held a visitor's request back by 4 to 8 s, and Voila's helper gives up after one 5 s
attempt to connect, losing the request (the page then showed the default role-play, for
practice). Here the connection is tried again until it holds.

The visitor is the user name the course's Voila server puts in the ``X-Course-Learner`` header
after authenticating the request (`servicecourse.serving.voila_server`); Voila passes it to the kernel
as ``HTTP_X_COURSE_LEARNER``. Anywhere else (JupyterLab, a book chapter) there is no visitor.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from typing import Callable
from urllib.parse import parse_qs

VISITOR_HEADER = "X-Course-Learner"
VISITOR_ENV = "HTTP_" + VISITOR_HEADER.upper().replace("-", "_")  # as Voila names it

CONNECT_ATTEMPTS = 30  # about a minute in all, with the pauses below
_log = logging.getLogger(__name__)
_lock = threading.Lock()
_arrived = threading.Event()
_waiting: list[Callable[[], None]] = []
_waiter: threading.Thread | None = None
_loop: asyncio.AbstractEventLoop | None = None  # the kernel's event loop, where callbacks run


def preheated() -> bool:
    """Whether this kernel runs the notebook before anyone asked for it (a Voila pool kernel)."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def query_url() -> str:
    """Where the Voila server hands this kernel its page's request (as Voila's helper finds it)."""
    env = os.environ.get
    base = env("VOILA_WS_BASE_URL", env("VOILA_SERVER_URL", "/"))
    return (f"{env('VOILA_WS_PROTOCOL', 'ws')}://{env('VOILA_APP_IP', '127.0.0.1')}:"
            f"{env('VOILA_APP_PORT', '8866')}{base}voila/query/{env('VOILA_KERNEL_ID', '')}")


def _wait() -> None:
    """Wait for the visitor's request and put it in ``os.environ``, trying the connection again
    if it fails or drops (ConnectionError after `CONNECT_ATTEMPTS`)."""
    import websocket  # websocket-client: light, unlike Voila's helper

    for attempt in range(CONNECT_ATTEMPTS):
        try:
            connection = websocket.create_connection(query_url(), timeout=10, suppress_origin=True)
            try:
                connection.settimeout(None)  # a pool kernel waits as long as no one comes
                message = connection.recv()
            finally:
                connection.close()
        except (OSError, websocket.WebSocketException) as error:
            _log.warning("waiting for the page's request: %s (attempt %d)", error, attempt + 1)
            time.sleep(min(0.1 * 2 ** attempt, 2.0))
            continue
        for name, value in json.loads(message).items():
            os.environ[name] = value
        return
    raise ConnectionError(f"{query_url()}: no connection after {CONNECT_ATTEMPTS} attempts")


def _wait_then_call_back() -> None:
    try:
        _wait()
    except Exception:  # a lost request must not leave the callbacks waiting forever
        _log.exception("the page's request did not reach this kernel")
    _arrived.set()
    if _loop is not None:
        try:
            _loop.call_soon_threadsafe(_call_back)
            return
        except RuntimeError:  # the loop is closed: the kernel is shutting down
            return
    _call_back()


def _call_back() -> None:
    while True:
        with _lock:
            if not _waiting:
                return
            callback = _waiting.pop(0)
        try:
            callback()
        except Exception:
            _log.exception("acting on the page's request failed")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # no loop in this thread (a plain script, a test)
        return None


def _start_waiting() -> None:
    global _waiter, _loop
    with _lock:
        if _waiter is None:
            _loop = _running_loop()  # a notebook cell runs on the kernel's loop
            _waiter = threading.Thread(target=_wait_then_call_back, name="page-request", daemon=True)
            _waiter.start()


def on_request(callback: Callable[[], None]) -> None:
    """Call ``callback()`` once the page's request is known: at once, or, in a preheated kernel
    that has not had its request yet, when it arrives, in the order given, on the event loop of
    the thread that first asked (the kernel's), else in the thread that waited."""
    if not preheated() or _arrived.is_set():
        callback()
        return
    with _lock:
        _waiting.append(callback)
    _start_waiting()


def _known() -> None:
    """Block until the request is known (at once outside a preheated kernel)."""
    if preheated() and not _arrived.is_set():
        _start_waiting()
        _arrived.wait()


def requested(name: str) -> str | None:
    """The query parameter ``name`` of the page, if any (waits for the request if need be)."""
    _known()
    values = parse_qs(os.environ.get("QUERY_STRING", "")).get(name)
    return values[0] if values else None


def visitor() -> str | None:
    """The user name the course's server vouches for, or None (no such server: practice only)."""
    _known()
    return os.environ.get(VISITOR_ENV) or None


def follow_request(picker, name: str, known: set[str], default: str | None = None) -> None:
    """Set ``picker`` to the page's ``?name=`` value if it is one of ``known``, else to
    ``default`` (None: leave it): at once, or when the request arrives in a preheated kernel."""
    def choose():
        wanted = requested(name)
        if wanted in known:
            picker.value = wanted
        elif default is not None:
            picker.value = default

    on_request(choose)
