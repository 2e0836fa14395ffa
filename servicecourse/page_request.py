"""What the page of a Voila app asked for: a parameter of its query string (``?scenario=``).

Voila's preheated kernels run an app's notebook before anyone asks for the page, so the query
string is not known while the notebook runs, and waiting for it there would hold the page back
until a visitor comes. Apps therefore draw their default at once and `follow_request` switches a
picker to what the page asked for when the request arrives: the request reaches the kernel as
the page is sent, before the browser has loaded its scripts and asked the kernel for the
widgets, so the visitor sees what they asked for.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import parse_qs


def requested(name: str) -> str | None:
    """The query parameter ``name`` of the page, if any.

    In a preheated Voila kernel this waits until a visitor's request arrives (Voila's
    ``get_query_string``); anywhere else it returns at once.
    """
    try:
        from voila.utils import get_query_string
        query = get_query_string() or ""
    except ImportError:  # not under Voila
        query = os.environ.get("QUERY_STRING", "")
    return (parse_qs(query).get(name) or [None])[0]


def preheated() -> bool:
    """Whether this kernel runs the notebook before anyone asked for it (a Voila pool kernel)."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def follow_request(picker, name: str, known: set[str]) -> None:
    """Set ``picker`` to the page's ``?name=`` value when it is one of ``known``: at once, or
    from a background thread when the request arrives in a preheated kernel."""
    def switch():
        wanted = requested(name)
        if wanted in known:
            picker.value = wanted

    if preheated():
        threading.Thread(target=switch, name=f"follow-request-{name}", daemon=True).start()
    else:
        switch()
