"""Figures of the chapter "Do you SERVE?"."""

from __future__ import annotations

from servicecourse.charts import diagram, plt
from servicecourse.roleplay.serve_model import DIMENSIONS, LABELS

_HABITS = {
    "spirit": "serve because you\nbelieve in it",
    "solutions": "own the problem,\nfix its cause",
    "respect": "fixes, not blame;\nclear information",
    "feedback": "listen to\nunderstand",
    "excellence": "go further,\ncelebrate success",
}


def serve_model_figure():
    """The SERVE model as five labelled tiles, each with the habit it stands for."""
    fig, ax = plt.subplots(figsize=(9, 2.4), dpi=100)
    colours = ["#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#c62828"]
    for i, (dimension, colour) in enumerate(zip(DIMENSIONS, colours)):
        ax.add_patch(plt.Rectangle((i * 1.05, 0), 1, 1, color=colour))
        ax.text(i * 1.05 + 0.5, 0.72, LABELS[dimension][0], ha="center", va="center",
                fontsize=26, color="white", weight="bold")
        ax.text(i * 1.05 + 0.5, 0.32, LABELS[dimension].replace(" ", "\n", 1), ha="center",
                va="center", fontsize=9, color="white", weight="bold")
        ax.text(i * 1.05 + 0.5, -0.22, _HABITS[dimension], ha="center", va="center", fontsize=8.5)
    return diagram(fig, ax, (-0.05, 5.25), (-0.45, 1.05))
