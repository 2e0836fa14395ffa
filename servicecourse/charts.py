"""Matplotlib charts the course shows: a role-play's SERVE profile and HR completion charts."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt

from servicecourse.serve import DIMENSIONS, LABELS, SCORE_MAX, SCORE_MIN

GOOD, BAD = "#2e7d32", "#c62828"


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


def figure_png(fig) -> bytes:
    """Render a figure to PNG bytes and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
