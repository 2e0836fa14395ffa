"""Matplotlib charts the course shows: a role-play's SERVE profile and HR completion charts.

Charts drawn for a server (the report, the dashboard) are plain `matplotlib.figure.Figure`
objects, never pyplot's: pyplot keeps every figure in one global list until it is closed, which
a long-running app would grow. Chapters and the learners' notebooks keep pyplot (``plt``).
"""

from __future__ import annotations

import functools
import io
from collections import Counter
from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from servicecourse.roleplay.serve_model import DIMENSIONS, LABELS, SCORE_MAX, SCORE_MIN

GOOD, BAD = "#2e7d32", "#c62828"
# One colour per completion status (`servicecourse.reporting.report.STATUSES`), in the charts; the
# dashboard's table cells use light tints of the same hues (servicecourse/templates/dashboard.css).
STATUS_COLOURS = {"not started": "#9e9e9e", "submitted": "#64b5f6",
                  "needs manual grading": "#ffb300", "failed": BAD, "passed": GOOD}


def serve_profile_figure(profile: dict[str, float], title: str = "Your SERVE profile"):
    """A horizontal bar chart of the mean score per choice on each SERVE dimension."""
    fig, ax = plt.subplots(figsize=(6, 2.8), dpi=100)
    labels = [LABELS[d] for d in DIMENSIONS][::-1]
    values = [profile[d] for d in DIMENSIONS][::-1]
    ax.barh(labels, values, color=[GOOD if v >= 0 else BAD for v in values])
    ax.axvline(0, color="#444", linewidth=0.8)
    ax.set_xlim(SCORE_MIN, SCORE_MAX)
    ax.set_xlabel("mean score per choice (-2 harmful ... +2 excellent)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def shown(fig):
    """Close ``fig`` and return it, so a notebook displays it once (as the cell's value) not twice."""
    plt.close(fig)
    return fig


def diagram(fig, ax, xlim: tuple[float, float], ylim: tuple[float, float]):
    """Finish a drawn diagram (no axes): set its extent, fit the layout, return it for display."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.axis("off")
    fig.tight_layout()
    return shown(fig)


def status_figure(counts: Mapping[str, Counter], title: str, unit: str) -> Figure:
    """A horizontal stacked bar per key of ``counts`` (top to bottom), one colour per status."""
    labels = list(counts)
    fig = Figure(figsize=(8.5, 0.42 * len(labels) + 1.7), dpi=100)
    ax = fig.subplots()
    left = [0] * len(labels)
    for status, colour in STATUS_COLOURS.items():
        values = [counts[label][status] for label in labels]
        ax.barh(labels, values, left=left, color=colour, label=status)
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()  # the first key at the top, as in the tables
    ax.set_xlabel(unit)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(STATUS_COLOURS),
              frameon=False, fontsize=9)
    ax.set_title(title, pad=24)
    fig.tight_layout()
    return fig


def serve_profile_png(profile: Mapping[str, float], title: str = "Your SERVE profile") -> bytes:
    """`serve_profile_figure` as PNG bytes, drawn once per distinct profile and title: a play
    that ends as an earlier one did (a replay, another learner in the same kernel) shows the
    same chart, and drawing one costs a tenth of a second or more of CPU."""
    return _serve_profile_png(tuple(profile[d] for d in DIMENSIONS), title)


@functools.lru_cache(maxsize=64)
def _serve_profile_png(values: tuple[float, ...], title: str) -> bytes:
    return figure_png(serve_profile_figure(dict(zip(DIMENSIONS, values)), title))


def status_png(counts: Mapping[str, Counter], title: str, unit: str) -> bytes:
    """`status_figure` as PNG bytes, drawn once per distinct chart: the dashboard draws its
    charts again on every filter, cohort switch and refresh, mostly from the same counts."""
    key = tuple((label, tuple(counts[label][s] for s in STATUS_COLOURS)) for label in counts)
    return _status_png(key, title, unit)


@functools.lru_cache(maxsize=128)
def _status_png(key: tuple[tuple[str, tuple[int, ...]], ...], title: str, unit: str) -> bytes:
    counts = {label: Counter(dict(zip(STATUS_COLOURS, values))) for label, values in key}
    return figure_png(status_figure(counts, title, unit))


def figure_png(fig) -> bytes:
    """Render a figure to PNG bytes (and close it if pyplot holds it)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    if fig.canvas.manager is not None:  # made by pyplot
        plt.close(fig)
    return buffer.getvalue()
