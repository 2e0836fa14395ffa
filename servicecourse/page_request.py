"""What the page of a Voila app asked for, and who asked: the query string and the visitor.

Voila's preheated kernels run an app's notebook before anyone asks for the page, so the request
is not known while the notebook runs, and waiting for it there would hold the page back until a
visitor comes. Apps therefore draw their default at once and act on the request with
`on_request` (or `follow_request`, for a picker): at once in an ordinary kernel, or from one
background thread when the request reaches a preheated kernel, which it does as the page is
sent, before the browser has loaded its scripts and asked the kernel for the widgets.

Voila hands a kernel its request once (``voila.utils.wait_for_request``: a second wait would
never end), so this module waits once and every caller shares the result.

The visitor is the user name the course's Voila server puts in the ``X-Course-Learner`` header
after authenticating the request (`servicecourse.voila_server`); Voila passes it to the kernel
as ``HTTP_X_COURSE_LEARNER``. Anywhere else (JupyterLab, a book chapter) there is no visitor.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Callable
from urllib.parse import parse_qs

VISITOR_HEADER = "X-Course-Learner"
VISITOR_ENV = "HTTP_" + VISITOR_HEADER.upper().replace("-", "_")  # as Voila names it

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_arrived = threading.Event()
_waiting: list[Callable[[], None]] = []
_waiter: threading.Thread | None = None


def preheated() -> bool:
    """Whether this kernel runs the notebook before anyone asked for it (a Voila pool kernel)."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def _wait() -> None:
    """Wait for the visitor's request and put it in ``os.environ`` (Voila's own helper)."""
    from voila.utils import wait_for_request

    wait_for_request()


def _wait_then_call_back() -> None:
    try:
        _wait()
    except Exception:  # a lost request must not leave the callbacks waiting forever
        _log.exception("the page's request did not reach this kernel")
    _arrived.set()
    while True:
        with _lock:
            if not _waiting:
                return
            callback = _waiting.pop(0)
        try:
            callback()
        except Exception:
            _log.exception("acting on the page's request failed")


def _start_waiting() -> None:
    global _waiter
    with _lock:
        if _waiter is None:
            _waiter = threading.Thread(target=_wait_then_call_back, name="page-request", daemon=True)
            _waiter.start()


def on_request(callback: Callable[[], None]) -> None:
    """Call ``callback()`` once the page's request is known: at once, or, in a preheated kernel
    that has not had its request yet, from the one thread that waits for it (callbacks in the
    order given)."""
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


def follow_request(picker, name: str, known: set[str]) -> None:
    """Set ``picker`` to the page's ``?name=`` value when it is one of ``known``: at once, or
    when the request arrives in a preheated kernel."""
    def switch():
        wanted = requested(name)
        if wanted in known:
            picker.value = wanted

    on_request(switch)
