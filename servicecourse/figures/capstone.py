"""Figures of the capstone chapter: how the course's models fit together, and one complaint's path."""

from __future__ import annotations

from matplotlib.patches import FancyBboxPatch

from servicecourse.charts import GOOD, diagram, plt

# From the outside in: who acts, the model that guides them, the question it answers, the chapter.
LAYERS = (
    ("The whole organisation", "the 13 steps", "How does the change last?",
     "A service commitment across the whole organisation", "#2e7d32"),
    ("Managers and support functions", "the Employee-Customer-Profit Chain",
     "How are the people who serve treated?",
     "Customer-centric culture: what about management?",
     "#6a1b9a"),
    ("My team", "a proactive culture of service", "Do we act before the complaint?",
     "What is a culture of service?", "#ef6c00"),
    ("Me", "SERVE", "How do I behave, moment by moment?", "Do you SERVE?", "#1565c0"),
)


def _pale(colour: str, share: float) -> tuple[float, float, float]:
    """``colour`` mixed with white: ``share`` of the colour, the rest white."""
    red, green, blue = (1 - share * (1 - int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return red, green, blue


def models_figure():
    """The course's models as nested frames around a customer's moment of truth."""
    fig, ax = plt.subplots(figsize=(10, 6.6), dpi=100)
    width, height = 10.0, 6.8
    inset_x, inset_bottom, band = 0.4, 0.2, 0.9
    for depth, (who, model, question, chapter, colour) in enumerate(LAYERS):
        x0, y0 = depth * inset_x, depth * inset_bottom
        w, h = width - 2 * x0, height - depth * (band + inset_bottom)
        ax.add_patch(FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0,rounding_size=0.15",
                                    facecolor=_pale(colour, 0.12), edgecolor=colour,
                                    linewidth=2))
        top = y0 + h - 0.3
        ax.text(x0 + 0.2, top, f"{who}: {model}", ha="left", va="center", fontsize=10.5,
                weight="bold", color=colour)
        ax.text(x0 + 0.2, top - 0.33, f"chapter: {chapter}", ha="left", va="center",
                fontsize=8.5, color="#444")
        ax.text(x0 + w - 0.2, top - 0.33, question, ha="right", va="center", fontsize=9.5,
                style="italic", color="#222")
    # The core: the customer's moment of truth, where everything around it becomes visible.
    depth = len(LAYERS)
    cx0, cy0 = depth * inset_x, depth * inset_bottom
    cw, ch = width - 2 * cx0, height - depth * (band + inset_bottom) - 0.1
    ax.add_patch(FancyBboxPatch((cx0, cy0), cw, ch, boxstyle="round,pad=0,rounding_size=0.15",
                                facecolor="white", edgecolor="#c62828", linewidth=2.5))
    ax.text(width / 2, cy0 + ch * 0.66, "A customer's moment of truth", ha="center",
            va="center", fontsize=12.5, weight="bold", color="#c62828")
    ax.text(width / 2, cy0 + ch * 0.3,
            "the job done right, plus the little extra;\na weak link anywhere in the journey "
            "spoils it\nchapter: Service spirit: spreading it through the company",
            ha="center", va="center", fontsize=9,
            color="#333", linespacing=1.3)
    return diagram(fig, ax, (-0.1, width + 0.1), (-0.1, height + 0.1))


# From one complaint to lasting change: the move, what it draws on, and the chapter.
MOVES = (
    ("Listen and put it\nright for this\ncustomer", "Value feedback,\nservice recovery", "SERVE"),
    ("Find the root cause\nand the weak link", "Embrace solutions,\nweak link",
     "SERVE, Service spirit"),
    ("Diagnose:\nknowledge, will\nor resources?", "why service fails", "Commitment"),
    ("Show how big it is\nand what it costs", "data, prove that\nit pays", "Service spirit, Management"),
    ("Change the process,\ntrain, support\nthose who serve", "steps 9 and 11,\nthe Chain",
     "Commitment, Management"),
    ("Measure, share,\ncelebrate, repeat", "steps 12 and 13,\nbase hits", "Commitment"),
)


def complaint_to_change_figure():
    """Six moves that turn one customer's problem into a lasting fix, with the chapters behind them."""
    fig, ax = plt.subplots(figsize=(10.5, 3.8), dpi=100)
    colours = ["#1565c0", "#1565c0", "#2e7d32", "#6a1b9a", "#6a1b9a", GOOD]
    box_w, gap = 1.5, 0.28
    for i, ((move, idea, chapter), colour) in enumerate(zip(MOVES, colours)):
        x = i * (box_w + gap)
        ax.add_patch(FancyBboxPatch((x, 1.0), box_w, 1.55,
                                    boxstyle="round,pad=0.02,rounding_size=0.1",
                                    facecolor=colour, alpha=0.88, edgecolor="none"))
        ax.text(x + 0.12, 2.38, str(i + 1), ha="left", va="center", fontsize=11, weight="bold",
                color="white")
        ax.text(x + box_w / 2, 1.72, move, ha="center", va="center", fontsize=8.4,
                color="white", weight="bold", linespacing=1.15)
        ax.text(x + box_w / 2, 0.62, idea, ha="center", va="center", fontsize=8,
                linespacing=1.1)
        ax.text(x + box_w / 2, 0.15, chapter, ha="center", va="center", fontsize=7.5,
                style="italic", color="#555")
        if i < len(MOVES) - 1:
            ax.annotate("", xy=(x + box_w + gap - 0.02, 1.78), xytext=(x + box_w + 0.02, 1.78),
                        arrowprops={"arrowstyle": "-|>", "color": "#333", "linewidth": 1.3})
    last = (len(MOVES) - 1) * (box_w + gap) + box_w / 2
    ax.annotate("", xy=(box_w / 2, 2.6), xytext=(last, 2.6),
                arrowprops={"arrowstyle": "-|>", "color": "#777", "linewidth": 1.2,
                            "linestyle": "--", "connectionstyle": "arc3,rad=0.12"})
    ax.text(last / 2 + box_w / 4, 3.5, "the next biggest problem: continual improvement",
            ha="center", va="center", fontsize=8.5, color="#555")
    return diagram(fig, ax, (-0.1, len(MOVES) * (box_w + gap)), (-0.05, 3.75))
