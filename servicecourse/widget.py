"""The role-play as an ipywidgets view over the engine: buttons, feedback, debrief, replay.

The view holds no game state of its own; every click goes to the `Roleplay` engine and the
view redraws from it. The same widget runs in JupyterLab, in Voila and in a book chapter. On the
static site (no kernel) the chapter shows the HTML fallback from `servicecourse.static` instead.
"""

from __future__ import annotations

import base64
import html

import ipywidgets as widgets

from servicecourse.engine import Roleplay
from servicecourse.scenario import Scenario, load_by_id
from servicecourse.serve import DIMENSIONS, LABELS
from servicecourse.static import scenario_html

# Long choice texts must wrap inside their buttons instead of being cut off.
_STYLE = """<style>
.serve-choice { white-space: normal !important; height: auto !important; min-height: 2.4em;
  text-align: left !important; padding: 0.4em 0.8em !important; line-height: 1.35; }
.serve-roleplay .serve-speaker { font-weight: 600; margin-bottom: 0.2em; }
.serve-roleplay .serve-feedback { border-left: 4px solid #1565c0; padding: 0.3em 0.8em;
  background: #f3f7fc; }
</style>"""


def _score_text(score: dict[str, int]) -> str:
    parts = [f"{LABELS[d]} {score[d]:+d}" for d in DIMENSIONS if score[d]]
    return ", ".join(parts) or "no effect on the SERVE dimensions"


class RoleplayWidget(widgets.VBox):
    """Plays one scenario: choices as buttons, feedback after each, a debrief at the end."""

    def __init__(self, scenario: Scenario, heading_level: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.add_class("serve-roleplay")
        self.add_class(f"serve-scenario-{scenario.id}")  # which role-play, for the page's scripts
        self.play = Roleplay(scenario)
        # The title is a heading one level below the page's (h3 under a chapter's h2 section, h2
        # in the Voila app under its h1); the debrief's headings one level below the title.
        self.heading_level = max(1, min(heading_level, 5))
        level = self.heading_level
        self.header = widgets.HTML(
            _STYLE
            + f"<h{level}>{html.escape(scenario.title)}</h{level}>"
            f"<p><em>You are: {html.escape(scenario.role)}.</em> {html.escape(scenario.setting)}</p>"
        )
        self.feedback = widgets.HTML()
        self.prompt = widgets.HTML()
        self.choice_box = widgets.VBox()
        self.debrief = widgets.VBox()
        self.replay_button = widgets.Button(description="Play again",
                                            tooltip="Start this role-play again from the beginning")
        self.replay_button.on_click(lambda _: self.restart())
        self.restart()

    def restart(self) -> None:
        """Start the scenario again from its opening beat."""
        self.play.restart()
        self.feedback.value = ""
        self._draw()

    def choose(self, index: int) -> None:
        """Take choice ``index`` at the current beat (what a button click does)."""
        choice = self.play.choose(index)
        self.feedback.value = (
            f'<div class="serve-feedback" role="status"><strong>Feedback.</strong> '
            f"{html.escape(choice.feedback)}<br><small>SERVE: {_score_text(choice.score)}</small></div>"
        )
        self._draw()

    def _draw(self) -> None:
        beat = self.play.beat
        if beat is None:
            debrief = self._debrief()  # the chart first: the choices give way to it at once
            self.prompt.value = ""
            self.choice_box.children = ()
            self.debrief.children = debrief
        else:
            self.prompt.value = (
                f'<div class="serve-speaker">{html.escape(beat.speaker)}</div>'
                f"<p>{html.escape(beat.text)}</p><p><strong>What do you do?</strong></p>"
            )
            self.choice_box.children = [self._button(beat.id, i, c.text)
                                        for i, c in enumerate(beat.choices)]
            self.debrief.children = ()
        self.children = [self.header, self.feedback, self.prompt, self.choice_box, self.debrief]

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
        play, ending = self.play, self.play.ending
        steps = "".join(
            f"<li><strong>{html.escape(step.choice.text)}</strong><br>"
            f"{html.escape(step.choice.feedback)}</li>" for step in play.history
        )
        h = f"h{self.heading_level + 1}"
        summary = widgets.HTML(
            f'<{h} class="serve-ending">Ending: {html.escape(ending.title)} ({ending.outcome})</{h}>'
            f"<p>{html.escape(ending.text)}</p>"
            f"<{h}>Your path</{h}><ol>{steps}</ol>"
            f"<{h}>What an expert would do</{h}><p>{html.escape(play.scenario.expert)}</p>"
            f'<p>Your path code: <code class="serve-path-code">{play.path_code}</code> '
            f"(an exercise may ask you for it)</p>"
        )
        # matplotlib is imported at the first debrief, not with the widget: a kernel that opens a
        # role-play (a preheated Voila kernel, a chapter) starts a second faster without it.
        from servicecourse.charts import figure_png, serve_profile_figure

        png = base64.b64encode(figure_png(serve_profile_figure(play.profile))).decode()
        alt = "SERVE profile, mean score per choice: " + ", ".join(
            f"{LABELS[d]} {value:+.1f}" for d, value in play.profile.items())
        chart = widgets.HTML(f'<img class="serve-profile-chart" src="data:image/png;base64,{png}" '
                             f'alt="{html.escape(alt)}" style="max-width:100%">')
        return [summary, chart, self.replay_button]

    def _repr_mimebundle_(self, **kwargs):
        """Add an HTML fallback so pages with no kernel show the scenario, not dead buttons."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = scenario_html(self.play.scenario)
        return bundle


def roleplay(scenario_id: str) -> RoleplayWidget:
    """Load the scenario called ``scenario_id`` from ``scenarios/`` and return its widget."""
    return RoleplayWidget(load_by_id(scenario_id))
