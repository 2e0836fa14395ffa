"""The SERVE model: its five dimensions, their labels and the score range of one choice."""

DIMENSIONS = ("spirit", "solutions", "respect", "feedback", "excellence")

LABELS = {
    "spirit": "Spirit of service",
    "solutions": "Embrace solutions",
    "respect": "Respectful communication",
    "feedback": "Value feedback",
    "excellence": "Empowered excellence",
}

SCORE_MIN, SCORE_MAX = -2, 2
