"""Where the course's folders are: the repository root and what lives in it."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
SCENARIOS = REPO / "scenarios"
COHORTS = REPO / "cohorts"  # private data: ignored by git


def modules() -> list[str]:
    """The graded modules, one folder each in ``solutions/``, in course order."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith("."))
