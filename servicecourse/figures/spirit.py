"""Figures of the chapter "Service spirit: spreading it through the company"."""

from __future__ import annotations

from servicecourse.charts import BAD, GOOD, diagram, plt, shown
from servicecourse.datasets import complaint_log, satisfaction_survey
from servicecourse.measure import csat, pareto, share

FRONT, BACK = "#1565c0", "#6a1b9a"

# A customer's journey with an energy supplier: what the customer lives (front) and the
# back-office work that decides how each moment goes. The weak link is in the back office.
JOURNEY = (
    ("Finds the offer\non the website", "Web team keeps\nprices up to date", False),
    ("Signs up\nby phone", "Adviser is trained\non real calls", False),
    ("Switch-over\nday", "Data team moves\nthe account on time", False),
    ("First bill\narrives", "Billing checks the\nbatch before release", True),
    ("Calls about\na question", "CRM shows the\nwhole history", False),
    ("Renews\nor leaves", "Complaints are\nanalysed monthly", False),
)


def moments_of_truth_figure():
    """A customer journey as six moments of truth, each resting on back-office work; one weak link."""
    fig, ax = plt.subplots(figsize=(10, 4.3), dpi=100)
    n = len(JOURNEY)
    ax.text(-0.75, 1.55, "What the customer\nlives (front office)", ha="left", va="center",
            fontsize=9.5, weight="bold", color=FRONT)
    ax.text(-0.75, -0.35, "What makes it work\n(back office)", ha="left", va="center",
            fontsize=9.5, weight="bold", color=BACK)
    ax.annotate("", xy=(n + 0.05, 1.0), xytext=(0.45, 1.0),
                arrowprops={"arrowstyle": "-|>", "color": "#555", "linewidth": 1.3})
    for i, (moment, support, weak) in enumerate(JOURNEY):
        x = i + 1
        colour = BAD if weak else GOOD
        ax.plot(x, 1.0, "o", markersize=16, color=colour, zorder=3)
        ax.text(x, 1.55, moment, ha="center", va="center", fontsize=8.5)
        ax.plot([x, x], [0.88, 0.12], color="#999", linewidth=1, linestyle=":")
        ax.add_patch(plt.Rectangle((x - 0.45, -0.65), 0.9, 0.65, facecolor=BACK,
                                   alpha=0.35 if weak else 0.12, edgecolor=BAD if weak else BACK,
                                   linewidth=2 if weak else 1))
        ax.text(x, -0.33, support, ha="center", va="center", fontsize=7.8)
    weak_x = 1 + [w for *_, w in JOURNEY].index(True)
    ax.text(weak_x, -0.95, "weak link: a back-office slip\nspoils this moment of truth",
            ha="center", va="center", fontsize=8.5, color=BAD, weight="bold")
    return diagram(fig, ax, (-0.8, n + 0.6), (-1.25, 2.0))


def survey_figure():
    """How many respondents gave each 'would you recommend us?' score, coloured by group."""
    survey = satisfaction_survey()
    scores = [row["recommend"] for row in survey]
    counts = [scores.count(value) for value in range(11)]
    colours = [BAD] * 7 + ["#9e9e9e"] * 2 + [GOOD] * 2
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=100,
                                  gridspec_kw={"width_ratios": [3, 1.2]})
    ax.bar(range(11), counts, color=colours)
    ax.set_xticks(range(11))
    ax.set_xlabel("'How likely are you to recommend us?' (0 = not at all, 10 = certainly)")
    ax.set_ylabel("respondents")
    top = max(counts)
    for low, high, label, colour, value in (
            (0, 6, "detractors\n(0-6)", BAD, share(scores, 0, 6)),
            (7, 8, "passives\n(7-8)", "#616161", share(scores, 7, 8)),
            (9, 10, "promoters\n(9-10)", GOOD, share(scores, 9, 10))):
        ax.text((low + high) / 2, top * 1.08, f"{label}\n{100 * value:.2f}%", ha="center",
                va="bottom", fontsize=8.5, color=colour, weight="bold")
    ax.set_ylim(0, top * 1.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(f"Net Promoter question, {len(scores)} respondents", fontsize=10)

    satisfied = [row["satisfied"] for row in survey]
    value = csat(satisfied)
    ax2.bar(["satisfied\n(4 or 5)", "not satisfied\n(1 to 3)"], [value, 100 - value],
            color=[GOOD, "#9e9e9e"])
    for x, v in enumerate((value, 100 - value)):
        ax2.text(x, v + 2, f"{v:.1f}%", ha="center", fontsize=9, weight="bold")
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("% of respondents")
    ax2.set_title("Satisfaction question (CSAT)", fontsize=10)
    ax2.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return shown(fig)


def pareto_figure():
    """Complaint causes as bars, largest first, with the cumulative share as a line."""
    rows = pareto(row["cause"] for row in complaint_log())
    causes = [cause for cause, _, _ in rows]
    counts = [count for _, count, _ in rows]
    cumulative = [cum for _, _, cum in rows]
    fig, ax = plt.subplots(figsize=(10, 4.4), dpi=100)
    ax.bar(range(len(rows)), counts,
           color=[BAD if i < 2 else "#90a4ae" for i in range(len(rows))])
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([c.replace(" or ", " or\n").replace(" to ", " to\n") for c in causes],
                       fontsize=8.5)
    ax.set_ylabel("number of complaints")
    ax.spines[["top"]].set_visible(False)
    line = ax.twinx()
    line.plot(range(len(rows)), cumulative, "o-", color="#37474f")
    line.set_ylim(0, 105)
    line.set_ylabel("cumulative share of all complaints (%)")
    line.axhline(80, color="#37474f", linestyle=":", linewidth=1)
    line.text(len(rows) - 0.5, 81.5, "80%", ha="right", fontsize=8, color="#37474f")
    line.spines[["top"]].set_visible(False)
    ax.set_title(f"Causes of {sum(counts)} complaints, largest first", fontsize=10)
    fig.tight_layout()
    return shown(fig)
