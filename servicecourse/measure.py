"""Small measures the course teaches: shares, NPS, CSAT, Pareto counts and correlation."""

from __future__ import annotations

from collections import Counter
from statistics import correlation as _pearson


def share(values, low: float, high: float) -> float:
    """The fraction of ``values`` between ``low`` and ``high`` inclusive (0 for no values)."""
    values = list(values)
    return sum(low <= v <= high for v in values) / len(values) if values else 0.0


def net_promoter_score(recommend_scores) -> float:
    """NPS: % of promoters (9-10) minus % of detractors (0-6), from -100 to 100."""
    scores = list(recommend_scores)
    return 100 * (share(scores, 9, 10) - share(scores, 0, 6))


def csat(satisfaction_scores) -> float:
    """CSAT: % of answers that are 4 or 5 on a 1-5 scale."""
    return 100 * share(satisfaction_scores, 4, 5)


def pareto(causes) -> list[tuple[str, int, float]]:
    """Causes by count, largest first, with the cumulative share (%) after each."""
    counts = Counter(causes).most_common()
    total = sum(count for _, count in counts) or 1
    running, rows = 0, []
    for cause, count in counts:
        running += count
        rows.append((cause, count, 100 * running / total))
    return rows


def correlation(xs, ys) -> float:
    """Pearson's correlation of two equally long lists of numbers (-1..1)."""
    return _pearson(list(xs), list(ys))
