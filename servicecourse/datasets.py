"""Synthetic data sets for the measurement chapters and exercises, made the same on every run.

No real customer or employee is in them: a seeded random generator makes plausible survey
answers, complaint logs and site figures, so every learner and every test sees the same numbers.
"""

from __future__ import annotations

import random

SITES = ("Leeds", "Bristol", "Glasgow", "Cardiff", "Norwich", "Belfast", "York", "Exeter")
COMPLAINT_CAUSES = {
    "billing error": 34, "late delivery": 22, "rude or unhelpful staff": 12,
    "no reply to email": 10, "wrong item": 8, "website fault": 6, "long queue": 5, "other": 3,
}


def satisfaction_survey(respondents: int = 400, seed: int = 7) -> list[dict]:
    """Survey answers: site, likelihood to recommend (0-10) and satisfaction (1-5)."""
    rng = random.Random(seed)
    rows = []
    for number in range(1, respondents + 1):
        recommend = min(10, max(0, round(rng.gauss(7.4, 2.1))))
        satisfied = min(5, max(1, round(recommend / 2.2 + rng.gauss(0.4, 0.6))))
        rows.append({"respondent": number, "site": rng.choice(SITES),
                     "recommend": recommend, "satisfied": satisfied})
    return rows


def complaint_log(complaints: int = 300, seed: int = 11) -> list[dict]:
    """Complaints with their cause and channel, causes drawn with realistic, uneven weights."""
    rng = random.Random(seed)
    causes, weights = zip(*COMPLAINT_CAUSES.items())
    return [{"complaint": number, "cause": rng.choices(causes, weights)[0],
             "channel": rng.choice(("phone", "email", "shop", "chat"))}
            for number in range(1, complaints + 1)]


def site_figures(seed: int = 3) -> list[dict]:
    """Per site: employee engagement and customer satisfaction (both 0-100), and sales growth (%).

    Engagement drives satisfaction, which drives growth, with noise: the shape of the
    Employee-Customer-Profit Chain, which learners can see in a scatter plot.
    """
    rng = random.Random(seed)
    rows = []
    for site in SITES:
        engagement = rng.uniform(45, 90)
        satisfaction = 20 + 0.75 * engagement + rng.gauss(0, 4)
        growth = -6 + 0.14 * satisfaction + rng.gauss(0, 0.8)
        rows.append({"site": site, "engagement": round(engagement, 1),
                     "satisfaction": round(satisfaction, 1), "growth": round(growth, 1)})
    return rows
