"""HTML from Jinja2 templates (``servicecourse/templates``), autoescaped, for the course's views.

`render` fills a whole template; `macros` gives a template's macros as functions, for views that
draw several parts from one file (the role-play widget). `script_json` is the one safe way to put
data inside a ``<script>`` element (also a filter of the templates).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jinja2
import markupsafe

TEMPLATES = Path(__file__).parent / "templates"

# Characters that must not appear raw inside a <script> element: "</script>" or "<!--" in a text
# would end or confuse it. JSON allows \uXXXX escapes, so the parsed data is unchanged.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                   0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_json(data) -> str:
    """``data`` as compact JSON that is safe to place inside a ``<script>`` element."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)


@cache
def environment() -> jinja2.Environment:
    """The templates' environment: autoescape on, undefined names are errors."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["script_json"] = lambda data: markupsafe.Markup(script_json(data))
    return env


def render(name: str, **context) -> str:
    """Template ``name`` filled with ``context``."""
    return environment().get_template(name).render(**context)


def macros(name: str):
    """The macros of template ``name``, as attributes (each returns escaped-safe HTML)."""
    return environment().get_template(name).module
