"""The pages the course's Voila server serves with no kernel, for visitors beyond its kernel cap.

When the server holds as many visitors' kernels as its cap (`servicecourse.serving.kernel_cap`), a visitor
of the role-play app is not made to wait for a kernel: the server sends, at once, a page that
plays the role-play itself. It has the app's picker and the role-play the URL named, played by
the static site's player (``book/_player/roleplay-player.js``, whose engine agrees with the
Python engine on every path: tests/roleplay/test_static_player.py), and a sentence saying why and what
the play counts for. Graded codes are signed by the live app's kernel (`servicecourse.cohort.evidence`)
and this page has no kernel and no key: its plays are practice, their codes earn nothing.
Any other app beyond the cap gets a page saying the server is full (HTTP 503).
"""

from __future__ import annotations

from functools import cache
from urllib.parse import quote

import markupsafe

from servicecourse.course import REPO
from servicecourse.roleplay.first_view import picker_options
from servicecourse.roleplay.scenario import Scenario, load_all
from servicecourse.roleplay.static import scenario_data
from servicecourse.templating import macros

PLAYER = REPO / "book" / "_player"
MARK = "course-page-engine"  # the page's class (bench/voila_load.py looks for it)
ROLEPLAY_APP = "roleplay.ipynb"
NOTICE = ("The course server has no room for another live role-play right now, so this page "
          "plays the role-play by itself: your play here is practice and its code earns nothing "
          "(graded codes come only from the live app: reload this page in a few minutes).")
BUSY = ("The course server is running as many apps as it can hold right now. Please try again "
        "in a few minutes.")


@cache
def _scenarios() -> dict[str, Scenario]:
    return load_all()


@cache
def _player() -> tuple[markupsafe.Markup, markupsafe.Markup]:
    """The static player's script and style sheet, as they are (neither holds a closing tag)."""
    return (markupsafe.Markup((PLAYER / "roleplay-player.js").read_text(encoding="utf-8")),
            markupsafe.Markup((PLAYER / "roleplay-player.css").read_text(encoding="utf-8")))


def roleplay_page(asked: str | None) -> str:
    """The role-play app with no kernel, open on the role-play ``asked`` (the first one if it
    names none): the picker, the notice and the role-play played in the page."""
    scenarios = _scenarios()
    options = picker_options(scenarios)
    current = asked if asked in scenarios else options[0][1]
    scenario = scenarios[current]
    # Its "play in the course app" link reloads this page, live if the server has room again.
    preview = macros("roleplay/macros.html.j2").preview(
        scenario, scenario.beats[scenario.start], f"?scenario={quote(current)}", scenario_data(scenario))
    script, style = _player()
    return str(macros("app/page_engine.html.j2").page_engine(
        MARK, NOTICE, options, current, preview, script, style))


def busy_page() -> str:
    """The page of any other app beyond the cap."""
    return str(macros("app/page_engine.html.j2").busy(MARK, BUSY))
