"""Figures of the chapter on building an organisation-wide service commitment."""

from __future__ import annotations

import textwrap

from servicecourse.charts import diagram, plt

# The 13 steps towards systemic service change, in our own short words, with their stage.
STEPS = (
    ("Gather reliable data on today's customer experience", "define"),
    ("Decide the part service plays in the strategy", "define"),
    ("Agree what customer service means here", "define"),
    ("Choose precise measures of service, satisfaction, loyalty", "define"),
    ("Spell out the value we promise customers", "define"),
    ("Clarify the customer relationship end to end", "define"),
    ("Map the journey to find the moments that delight", "define"),
    ("Plan and launch the communication to everyone", "align"),
    ("Review service policies and bring them into line", "align"),
    ("Recruit people who share the commitment", "align"),
    ("Train, then train again, and keep training", "align"),
    ("Measure progress, share it, celebrate it", "sustain"),
    ("Make continual improvement a habit", "sustain"),
)
STAGES = {
    "define": ("Understand and define", "#1565c0"),
    "align": ("Align people and policies", "#6a1b9a"),
    "sustain": ("Measure and keep improving", "#2e7d32"),
}


def staircase_figure():
    """The 13 steps as a staircase rising from today's experience to continual improvement."""
    fig, ax = plt.subplots(figsize=(8, 7), dpi=100)
    for i, (label, stage) in enumerate(STEPS):
        colour = STAGES[stage][1]
        ax.add_patch(plt.Rectangle((i, 0), 1, i + 1, facecolor=colour, alpha=0.85,
                                   edgecolor="white"))
        ax.text(i + 0.5, i + 0.55, str(i + 1), ha="center", va="center", color="white",
                fontsize=10, weight="bold")
        ax.text(i + 0.95, i + 1.45, textwrap.fill(label, 33), ha="right", va="center",
                fontsize=9.5, linespacing=1.1)
    for (name, colour) in STAGES.values():
        ax.bar(0, 0, color=colour, label=name)
    ax.legend(loc="upper left", frameon=False, fontsize=10)
    return diagram(fig, ax, (-4.6, 13.1), (0, 14.9))


# Why service fails: the question to ask, a sign of it and the remedy that fits.
FAILURE_CAUSES = (
    ("Knowledge", "#1565c0", "Did they know the\nright thing to do?",
     "new process, nobody\nexplained it",
     "explain, train,\nwrite it down"),
    ("Will", "#ef6c00", "Did they care about\ngiving good service?",
     "shrugs, \"not my job\",\ncynical jokes",
     "purpose, example,\nrecognition, recruiting"),
    ("Resources", "#c62828", "Did they have the time,\ntools and training?",
     "empty parts shelf,\nsix-minute call limit",
     "fund it, change the\npolicy, fix the tool"),
)


def failure_causes_figure():
    """Three tiles: service fails for lack of knowledge, will or resources, each with its remedy."""
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=100)
    for i, (name, colour, question, sign, remedy) in enumerate(FAILURE_CAUSES):
        x = i * 3.1
        ax.add_patch(plt.Rectangle((x, 1.55), 2.9, 0.75, color=colour))
        ax.text(x + 1.45, 1.92, name, ha="center", va="center", fontsize=15, color="white",
                weight="bold")
        ax.text(x + 1.45, 1.2, question, ha="center", va="center", fontsize=10.5, style="italic")
        ax.text(x + 1.45, 0.6, "Sign: " + sign, ha="center", va="center", fontsize=10)
        ax.text(x + 1.45, 0.0, "Fix: " + remedy, ha="center", va="center", fontsize=10,
                weight="bold")
    return diagram(fig, ax, (-0.1, 9.2), (-0.4, 2.4))
