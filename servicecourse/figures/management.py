"""Figures of the chapter "Customer-centric culture: what about management?"."""

from __future__ import annotations

from servicecourse.charts import BAD, GOOD, diagram, plt, shown
from servicecourse.datasets import site_figures

SUPPORT, FRONT, CUSTOMER = "#6a1b9a", "#1565c0", GOOD

# Departments a customer meets in an organisation built around its products.
SILOS = ("Customer\ncare", "Operations", "IT", "Marketing", "HR")


def silos_figure():
    """Left: a customer bounced between silos. Right: support functions serving those who serve."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.4), dpi=100)

    left.set_title("Built around the product: silos", fontsize=10.5, weight="bold", color=BAD)
    xs = [0.5 + 1.1 * i for i in range(len(SILOS))]
    for x, name in zip(xs, SILOS):
        left.add_patch(plt.Rectangle((x - 0.45, 0.6), 0.9, 2.2, facecolor="#cfd8dc",
                                     edgecolor="#607d8b"))
        left.text(x, 2.55, name, ha="center", va="center", fontsize=8.5, weight="bold")
    stops = [(-0.2, 1.4), (xs[0], 1.9), (xs[2], 1.2), (xs[1], 1.75), (xs[4], 1.05),
             (xs[0], 1.45)]
    for (x0, y0), (x1, y1) in zip(stops, stops[1:]):
        left.annotate("", xy=(x1, y1), xytext=(x0, y0),
                      arrowprops={"arrowstyle": "-|>", "color": BAD, "linewidth": 1.2,
                                  "linestyle": "--", "connectionstyle": "arc3,rad=0.25",
                                  "shrinkA": 4, "shrinkB": 4})
    for number, (x, y) in enumerate(stops[1:], start=1):
        left.text(x, y, str(number), ha="center", va="center", fontsize=7.5, color="white",
                  weight="bold", bbox={"boxstyle": "circle,pad=0.2", "color": BAD})
    left.plot(-0.2, 1.4, "o", markersize=12, color=CUSTOMER)
    left.text(-0.2, 1.05, "customer", ha="center", fontsize=8.5, color=CUSTOMER)
    left.text(2.7, 0.15, "each department guards its own part;\nnobody owns the whole journey",
              ha="center", va="center", fontsize=8.5)
    left.set_xlim(-0.6, 6.1)
    left.set_ylim(-0.2, 3.0)
    left.axis("off")

    right.set_title("Built around the customer", fontsize=10.5, weight="bold", color=GOOD)
    layers = (
        (2.3, "Customers", CUSTOMER, ""),
        (1.35, "Front-line staff", FRONT, "shop floor, call centre,\ntechnicians, advisers"),
        (0.4, "Support functions", SUPPORT, "IT, HR, purchasing,\nfinance, facilities"),
    )
    for y, name, colour, detail in layers:
        right.add_patch(plt.Rectangle((0.3, y), 2.6, 0.62, facecolor=colour, alpha=0.85))
        right.text(1.6, y + 0.31, name, ha="center", va="center", fontsize=10,
                   color="white", weight="bold")
        if detail:
            right.text(3.05, y + 0.31, detail, ha="left", va="center", fontsize=8)
    for y0, y1, label in ((1.02, 1.35, "serve"), (1.97, 2.3, "serve")):
        right.annotate("", xy=(1.6, y1), xytext=(1.6, y0),
                       arrowprops={"arrowstyle": "-|>", "color": "#333", "linewidth": 1.5})
        right.text(1.7, (y0 + y1) / 2, label, va="center", fontsize=8.5)
    right.text(2.3, 0.05, "support functions serve those who serve customers",
               ha="center", va="center", fontsize=8.5)
    right.set_xlim(0, 4.6)
    right.set_ylim(-0.2, 3.0)
    right.axis("off")
    fig.tight_layout()
    return shown(fig)


CHAIN = (
    ("Managers look\nafter employees", "#6a1b9a"),
    ("Employees are\nengaged", "#1565c0"),
    ("Customers get\nbetter service", "#00838f"),
    ("Customers are\nsatisfied and loyal", GOOD),
    ("Profit and\ngrowth follow", "#ef6c00"),
)


def chain_figure():
    """The Employee-Customer-Profit Chain as five linked links, with profit reinvested in staff."""
    fig, ax = plt.subplots(figsize=(10, 2.9), dpi=100)
    for i, (label, colour) in enumerate(CHAIN):
        x = i * 2.0
        ax.add_patch(plt.Rectangle((x, 0.5), 1.6, 1.0, facecolor=colour, alpha=0.9))
        ax.text(x + 0.8, 1.0, label, ha="center", va="center", fontsize=8.8, color="white",
                weight="bold")
        if i < len(CHAIN) - 1:
            ax.annotate("", xy=(x + 2.0, 1.0), xytext=(x + 1.6, 1.0),
                        arrowprops={"arrowstyle": "-|>", "color": "#333", "linewidth": 1.5})
    ax.annotate("", xy=(0.8, 0.5), xytext=(8.8, 0.5),
                arrowprops={"arrowstyle": "-|>", "color": "#777", "linewidth": 1.2,
                            "connectionstyle": "arc3,rad=-0.18", "linestyle": "--"})
    ax.text(4.8, -0.35, "part of the result is reinvested in people", ha="center", fontsize=8.5,
            color="#555")
    ax.text(4.8, 1.85, '"Employees first, customers second"', ha="center", fontsize=10,
            style="italic")
    return diagram(fig, ax, (-0.2, 9.8), (-0.6, 2.1))


def engagement_scatter_figure():
    """Employee engagement against customer satisfaction, one point per site, sized by growth."""
    sites = site_figures()
    xs = [row["engagement"] for row in sites]
    ys = [row["satisfaction"] for row in sites]
    growth = [row["growth"] for row in sites]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    ax.scatter(xs, ys, s=[80 + 60 * max(g, 0) for g in growth], color="#1565c0", alpha=0.75,
               zorder=3)
    offsets = {"Glasgow": (-4, -17), "Exeter": (4, 9)}
    for row in sites:
        ax.annotate(f"{row['site']} ({row['growth']:+.1f}%)", (row["engagement"],
                    row["satisfaction"]), textcoords="offset points",
                    xytext=offsets.get(row["site"], (9, -4)), fontsize=8.5, zorder=4,
                    bbox={"boxstyle": "round,pad=0.1", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.85})
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
             / sum((x - mean_x) ** 2 for x in xs))
    line_x = [min(xs) - 2, max(xs) + 2]
    ax.plot(line_x, [mean_y + slope * (x - mean_x) for x in line_x], "--", color="#999",
            linewidth=1, label="trend line", zorder=1)
    ax.set_xlabel("employee engagement score (0-100, staff survey)")
    ax.set_ylabel("customer satisfaction score (0-100)")
    ax.set_title("Eight sites: engaged staff, satisfied customers\n"
                 "(label: sales growth; bigger dot = more growth)", fontsize=10)
    ax.set_xlim(40, 100)
    ax.legend(loc="lower right", fontsize=8.5, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return shown(fig)
