"""The trainer's debrief of a cohort's role-plays (Voila app ``apps/debrief.ipynb``), a view.

The statistics are `servicecourse.reporting.debrief`'s; this module draws them (charts with
their text alternatives, the page from ``templates/debrief.html.j2``) inside `TrainerDebrief`,
a `servicecourse.apps.cohort_app.CohortApp`: the cohort list and the data are read at each page view.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets

from servicecourse.apps.cohort_app import PICKER_STYLE, CohortApp
from servicecourse.charts import BAD, GOOD
from servicecourse.cohort import evidence
from servicecourse.policy import PolicyError
from servicecourse.reporting.debrief import (
    RoleplayDebrief,
    attempt_counts,
    beat_name,
    choice_counts,
    cohort_debriefs,
    ending_counts,
    hidden_text,
    plural,
    reached,
    shown,
    summary_lines,
    title,
    total,
    trouble_spots,
)
from servicecourse.roleplay import pathcodes
from servicecourse.templating import macros

NEUTRAL = "#9e9e9e"
OUTCOME_COLOURS = {"good": GOOD, "mixed": "#ef6c00", "poor": BAD}


# --- charts (matplotlib Figure, never pyplot: a long-running app) -------------------------------

def _wrap(text: str, width: int = 48, lines: int = 2) -> str:
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder=" \u2026"))


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def shown_beats(debrief: RoleplayDebrief) -> dict[str, list[int]]:
    """The choice counts of the beats that may be shown."""
    return {b: c for b, c in choice_counts(debrief).items() if shown(sum(c), debrief)}


def choices_figure(debrief: RoleplayDebrief):
    """One horizontal bar chart per shown beat: learners per choice, red if the reply does harm."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    counts = shown_beats(debrief)
    beats = debrief.known.beats
    plays = attempt_counts(debrief)
    heights = [0.62 * len(beats[b].choices) + 0.9 for b in counts]
    fig = Figure(figsize=(9, sum(heights) + 0.4), dpi=100)
    axes = fig.subplots(len(counts), 1, squeeze=False, gridspec_kw={"height_ratios": heights})
    top = max(max(c) for c in counts.values())
    for ax, (beat_id, values) in zip(axes[:, 0], counts.items(), strict=True):
        beat = beats[beat_id]
        labels = [f"{pathcodes.LETTERS[i]}: {_wrap(c.text)}" for i, c in enumerate(beat.choices)]
        colours = [BAD if total(c) < 0 else GOOD if total(c) > 0 else NEUTRAL for c in beat.choices]
        ax.barh(labels, values, color=colours)
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.12 + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="y", labelsize=8)
        for y, value in enumerate(values):
            ax.text(value + top * 0.01 + 0.05, y, str(value), va="center", fontsize=9)
        ax.set_title(f"{beat_name(beat).capitalize()} ({beat.speaker}): {sum(values)} learners "
                     f"({plays[beat_id]} plays with replays)", fontsize=10, loc="left")
    axes[-1, 0].set_xlabel("learners on their first play "
                           "(green: helpful reply, grey: neutral, red: does harm)")
    fig.tight_layout()
    return fig


def choices_alt(debrief: RoleplayDebrief) -> str:
    """Alt text of `choices_figure`."""
    beats = debrief.known.beats
    parts = []
    for beat_id, values in shown_beats(debrief).items():
        choices = ", ".join(
            f"{pathcodes.LETTERS[i]} {n}{' (does harm)' if total(beats[beat_id].choices[i]) < 0 else ''}"
            for i, n in enumerate(values))
        parts.append(f"{beat_name(beats[beat_id])}: {choices}")
    return "Learners per choice at each beat, first plays. " + "; ".join(parts) + "."


def endings_figure(debrief: RoleplayDebrief):
    """Learners per shown ending (first plays), coloured by outcome."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    endings = debrief.known.endings
    counts = {e: n for e, n in ending_counts(debrief).items() if shown(n, debrief)}
    labels = [_wrap(f"{endings[e].title} ({endings[e].outcome})", 40) for e in counts]
    values = list(counts.values())
    fig = Figure(figsize=(9, 0.55 * len(labels) + 1.2), dpi=100)
    ax = fig.subplots()
    ax.barh(labels, values, color=[OUTCOME_COLOURS.get(endings[e].outcome, NEUTRAL) for e in counts])
    ax.invert_yaxis()
    top = max(values)
    ax.set_xlim(0, top * 1.12 + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for y, value in enumerate(values):
        ax.text(value + top * 0.01 + 0.05, y, str(value), va="center", fontsize=9)
    ax.set_xlabel("learners on their first play")
    ax.set_title("Endings reached", loc="left")
    fig.tight_layout()
    return fig


def endings_alt(debrief: RoleplayDebrief) -> str:
    """Alt text of `endings_figure`."""
    endings = debrief.known.endings
    parts = [f"{endings[e].title} ({endings[e].outcome}) {n}"
             for e, n in ending_counts(debrief).items() if shown(n, debrief)]
    return "Learners per ending, first plays: " + ", ".join(parts) + "."


# --- HTML and the app ---------------------------------------------------------------------------

def debrief_html(debrief: RoleplayDebrief, notes: Sequence[str] = ()) -> str:
    """The debrief of one role-play: summary, charts, the beats to discuss, the expert's view."""
    html = macros("debrief.html.j2")
    if debrief.scenario is None:
        return str(html.missing(debrief.scenario_id, debrief.module))
    beats = debrief.known.beats
    counts = reached(debrief)
    visible = bool(debrief.first) and shown(debrief.learners, debrief)
    charts = {}
    if visible and any(shown(n, debrief) for n in ending_counts(debrief).values()):
        charts["endings"] = (_png(endings_figure(debrief)), endings_alt(debrief))
    if visible and shown_beats(debrief):
        charts["choices"] = (_png(choices_figure(debrief)), choices_alt(debrief))
    hidden = [beat_name(beats[b]) for b, n in counts.items() if visible and 0 < n < debrief.min_group]
    spots = [{"spot": s, "name": beat_name(s.beat).capitalize(), "letter": pathcodes.LETTERS[s.choice],
              "choice": s.beat.choices[s.choice]} for s in trouble_spots(debrief)] if visible else []
    return str(html.page(debrief, summary_lines(debrief), notes, charts, spots, hidden,
                         hidden_text(debrief), visible))


class TrainerDebrief(CohortApp):
    """Cohort and role-play pickers and Refresh over the debrief of the chosen role-play."""

    css_files = ("dashboard.css", "debrief.css")
    css_classes = ("hr-dashboard", "debrief")
    errors = (PolicyError, evidence.EvidenceError)

    def make_filters(self) -> list[widgets.Dropdown]:
        self.roleplay = widgets.Dropdown(description="Role-play", style=PICKER_STYLE,
                                         layout=widgets.Layout(width="36em", margin="2px 0 2px 2em"))
        return [self.roleplay]

    def load(self, folder: Path) -> tuple[list[RoleplayDebrief], list[str]]:
        return cohort_debriefs(folder)

    def filter_options(self, data) -> list[list]:
        debriefs, _ = data
        options = [(f"{d.module + ': ' if d.module else ''}{title(d)} ({plural(d.learners, 'learner')})",
                    d.scenario_id) for d in debriefs]
        return [options or [("No role-play played or graded in this cohort yet", "")]]

    def draw(self, folder: Path, data) -> str:
        debriefs, notes = data
        chosen = next((d for d in debriefs if d.scenario_id == self.roleplay.value), None)
        if chosen is None:
            return str(macros("debrief.html.j2").nothing(notes))
        return debrief_html(chosen, notes)


def debrief_app(initial: str | None = None, root: str | Path | None = None) -> TrainerDebrief:
    """The trainer debrief (cohorts under ``root``, default the course's), opened on ``initial``
    or the page's ``?cohort=``."""
    return TrainerDebrief(root, initial)
