"""The role-play as an ipywidgets view over the engine: buttons, short feedback, debrief, replay.

The view holds no game state of its own; every click goes to the `Roleplay` engine and the
view redraws from it. During play a choice shows its consequence (the next beat) and the first
sentence of its feedback; the SERVE scores and the full feedback of every choice come in the
debrief at the end (at once too if the scenario says ``scores: immediate``). The debrief also
says what the play counts for: ``on_finish`` (the course app's record,
`servicecourse.cohort.evidence.record_play`) or, by default, a practice code.

The same widget runs in JupyterLab, in Voila and in a book chapter; on the static site (no
kernel) the chapter shows the HTML preview from `servicecourse.roleplay.static` instead. Its parts
(header, beat, feedback, debrief, chart) are the macros of ``templates/roleplay/macros.html.j2``,
which that preview uses too, and which the browser's view (``book/_player/roleplay-player.js``)
words and builds alike (tests/roleplay/test_static_player.py compares them). Widgets the view
no longer shows are closed, so a kernel that plays for hours does not pile them up.
"""

from __future__ import annotations

import base64
import logging
from typing import Callable

import ipywidgets as widgets

from servicecourse.cohort.evidence import PRACTICE_NOTE, Outcome, practice_outcome
from servicecourse.roleplay.engine import Roleplay, first_sentence
from servicecourse.roleplay.scenario import Scenario, load_by_id
from servicecourse.roleplay.serve_model import DIMENSIONS, LABELS
from servicecourse.roleplay.static import scenario_html
from servicecourse.templating import macros

_log = logging.getLogger(__name__)
_html = macros("roleplay/macros.html.j2")


def score_text(score: dict[str, int]) -> str:
    """"Spirit of service +2, Respectful communication -1", or that a choice changed nothing."""
    parts = [f"{LABELS[d]} {score[d]:+d}" for d in DIMENSIONS if score[d]]
    return ", ".join(parts) or "no effect on the SERVE dimensions"


def profile_text(profile: dict[str, float]) -> str:
    """The profile chart's text alternative: "SERVE profile, mean score per choice: ... +0.5"."""
    return "SERVE profile, mean score per choice: " + ", ".join(
        f"{LABELS[d]} {profile[d]:+.1f}" for d in DIMENSIONS)


def close_tree(widget: widgets.Widget) -> None:
    """Close ``widget``, its children and their layouts and styles (each is a widget too)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, widgets.Widget):
            part.close()
    widget.close()


def _replace(box: widgets.Box, children, keep: tuple[widgets.Widget, ...] = ()) -> None:
    """Show ``children`` in ``box`` and close what it showed before (except ``keep``)."""
    old = [child for child in box.children if child not in children and child not in keep]
    box.children = tuple(children)
    for child in old:
        close_tree(child)


Finish = Callable[[Roleplay], list[Outcome]]


class RoleplayWidget(widgets.VBox):
    """Plays one scenario: choices as buttons, short feedback after each, a debrief at the end."""

    def __init__(self, scenario: Scenario, heading_level: int = 3,
                 on_finish: Finish | None = None, **kwargs):
        super().__init__(**kwargs)
        self.add_class("serve-roleplay")
        self.add_class(f"serve-scenario-{scenario.id}")  # which role-play, for the page's scripts
        self.play = Roleplay(scenario)
        self.on_finish = on_finish or (lambda play: [practice_outcome(play.scenario.id, play.letters)])
        self.outcomes: list[Outcome] = []
        # The title is a heading one level below the page's (h3 under a chapter's h2 section, h2
        # in the Voila app under its h1); the debrief's headings one level below the title.
        self.heading_level = max(1, min(heading_level, 5))
        self.header = widgets.HTML(_html.header(scenario, self.heading_level, style=True))
        self.feedback = widgets.HTML()
        self.prompt = widgets.HTML()
        self.choice_box = widgets.VBox()
        self.debrief = widgets.VBox()
        self.replay_button = widgets.Button(description="Play again",
                                            tooltip="Start this role-play again from the beginning")
        self.replay_button.on_click(lambda _: self.restart())
        self.children = [self.header, self.feedback, self.prompt, self.choice_box, self.debrief]
        self.restart()

    def restart(self) -> None:
        """Start the scenario again from its opening beat."""
        self.play.restart()
        self.outcomes = []
        self.feedback.value = ""
        self._draw()

    def choose(self, index: int) -> None:
        """Take choice ``index`` at the current beat (what a button click does)."""
        choice = self.play.choose(index)
        scores = score_text(choice.score) if self.play.scenario.show_scores else None
        self.feedback.value = _html.feedback(first_sentence(choice.feedback), scores)
        if self.play.finished:
            self.outcomes = self._record()
        self._draw()

    def _record(self) -> list[Outcome]:
        try:
            return self.on_finish(self.play)
        except Exception:  # the learner still gets the debrief, with a practice code
            _log.exception("recording the play of %s failed", self.play.scenario.id)
            return [Outcome("error", self.play.practice_code)]

    def _draw(self) -> None:
        beat = self.play.beat
        if beat is None:
            debrief = self._debrief()  # the chart first: the choices give way to it at once
            self.prompt.value = ""
            _replace(self.choice_box, ())
            _replace(self.debrief, debrief, keep=(self.replay_button,))
        else:
            self.prompt.value = _html.beat(beat)
            _replace(self.choice_box, [self._button(beat.id, i, c.text)
                                       for i, c in enumerate(beat.choices)])
            _replace(self.debrief, (), keep=(self.replay_button,))

    def _button(self, beat_id: str, index: int, text: str) -> widgets.Button:
        button = widgets.Button(description=text, tooltip=text,
                                layout=widgets.Layout(width="100%", height="auto"))
        button.add_class("serve-choice")
        button.on_click(lambda _: self._clicked(beat_id, index))
        return button

    def _clicked(self, beat_id: str, index: int) -> None:
        # A click that arrives after the beat moved on (a double click, a slow browser) belongs
        # to a beat the learner has left: ignore it rather than answer the new beat for them.
        if self.play.beat is not None and self.play.beat.id == beat_id:
            self.choose(index)

    def _debrief(self) -> list[widgets.Widget]:
        play = self.play
        steps = [{"text": step.choice.text, "feedback": step.choice.feedback,
                  "score_text": score_text(step.choice.score)} for step in play.history]
        summary = widgets.HTML(_html.debrief(play, self.heading_level + 1, steps, self.outcomes,
                                             PRACTICE_NOTE))
        # matplotlib is imported at the first debrief, not with the widget: a kernel that opens a
        # role-play (a preheated Voila kernel, a chapter) starts a second faster without it.
        from servicecourse.charts import serve_profile_png

        png = base64.b64encode(serve_profile_png(play.profile)).decode()
        chart = widgets.HTML(_html.chart(png, profile_text(play.profile), self.heading_level + 1))
        return [summary, chart, self.replay_button]

    def close(self) -> None:
        """Close the widget and every widget it is made of."""
        for part in (self.header, self.feedback, self.prompt, self.choice_box, self.debrief,
                     self.replay_button):
            close_tree(part)
        if isinstance(self.layout, widgets.Widget):
            self.layout.close()
        super().close()

    def _repr_mimebundle_(self, **kwargs):
        """Add an HTML fallback so pages with no kernel show the scenario, not dead buttons."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = scenario_html(self.play.scenario, self.heading_level)
        return bundle


def roleplay(scenario_id: str) -> RoleplayWidget:
    """Load the scenario called ``scenario_id`` from ``scenarios/`` and return its widget."""
    return RoleplayWidget(load_by_id(scenario_id))
