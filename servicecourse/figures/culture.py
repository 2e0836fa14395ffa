"""Figures of the chapter "What is a culture of service?"."""

from __future__ import annotations

from servicecourse.charts import BAD, GOOD, diagram, plt

_REACTIVE = (
    ("A fault builds up\nunnoticed", "#9e9e9e"),
    ("The customer\nis let down", BAD),
    ("The customer\ncomplains", BAD),
    ("We apologise\nand fix it", "#ef6c00"),
)
_PROACTIVE = (
    ("Someone notices\na risk", "#1565c0"),
    ("They act, or tell\nthe team who can", "#1565c0"),
    ("The cause\nis removed", GOOD),
    ("The customer never\nmeets the problem", GOOD),
)


def reactive_proactive_figure():
    """Two timelines: reactive service waits for the complaint, a service culture acts first."""
    fig, ax = plt.subplots(figsize=(9, 3.9), dpi=100)
    for y, title, events in ((1.3, "Reactive customer service", _REACTIVE),
                             (0.0, "Proactive culture of service", _PROACTIVE)):
        ax.text(-0.35, y + 0.42, title, ha="left", va="center", fontsize=12, weight="bold")
        ax.annotate("", xy=(3.45, y), xytext=(-0.3, y),
                    arrowprops={"arrowstyle": "-|>", "color": "#555", "linewidth": 1.2})
        for x, (label, colour) in enumerate(events):
            ax.plot(x, y, "o", markersize=13, color=colour, zorder=3)
            ax.text(x, y - 0.22, label, ha="center", va="top", fontsize=10)
    ax.plot([1.0, 1.0], [0.75, 1.9], color=BAD, linestyle=":", linewidth=1)
    ax.text(1.04, 1.9, "the customer feels it from here", color=BAD, fontsize=10, va="center")
    ax.text(3.5, -0.85, "time", ha="right", fontsize=10, color="#555")
    return diagram(fig, ax, (-0.4, 3.6), (-0.95, 2.0))


# Three distances from the customer, each with roles and what they do for the customer.
ROLE_MAP = (
    ("Meets the customer", "#1565c0", (
        ("Shop assistant", "finds the right size and\nsays honestly when it's out"),
        ("Call-centre agent", "solves the problem\non the first call"),
        ("Field technician", "leaves the home safe and\nthe customer confident"),
    )),
    ("One step behind", "#6a1b9a", (
        ("Warehouse picker", "the right item arrives\nundamaged, on time"),
        ("Billing clerk", "every bill is right\nand easy to read"),
        ("Maintenance", "the lift works and the\nroom is quiet at night"),
    )),
    ("Far from the customer", "#2e7d32", (
        ("IT support", "the website and tills\nwork when customers need them"),
        ("Payroll", "staff paid right and on time\ncan give customers their attention"),
        ("Recruiter", "hires people who\nenjoy helping others"),
    )),
)


def role_map_figure():
    """Roles grouped by their distance from the customer, each with its impact on customers."""
    fig, ax = plt.subplots(figsize=(9, 4.6), dpi=100)
    for column, (heading, colour, roles) in enumerate(ROLE_MAP):
        x = column * 3.1
        ax.text(x + 1.45, 3.55, heading, ha="center", va="center", fontsize=12,
                weight="bold", color=colour)
        for row, (role, impact) in enumerate(roles):
            y = 2.35 - row * 1.15
            ax.add_patch(plt.Rectangle((x, y), 2.9, 0.95, facecolor=colour, alpha=0.12,
                                       edgecolor=colour))
            ax.text(x + 1.45, y + 0.72, role, ha="center", va="center", fontsize=10.5,
                    weight="bold")
            ax.text(x + 1.45, y + 0.32, impact, ha="center", va="center", fontsize=9.3)
    ax.annotate("", xy=(0, -0.35), xytext=(9.1, -0.35),
                arrowprops={"arrowstyle": "-|>", "color": "#555", "linewidth": 1.2})
    ax.text(4.55, -0.55, "closer to the customer  -  but every role has a customer impact",
            ha="center", va="top", fontsize=10, color="#555")
    return diagram(fig, ax, (-0.1, 9.2), (-0.9, 3.8))
