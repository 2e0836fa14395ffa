"""Where the course's folders are: the repository root and what lives in it."""

from functools import cache
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
SCENARIOS = REPO / "scenarios"
COHORTS = REPO / "cohorts"  # private data: ignored by git


@cache
def due_days() -> dict[str, int]:
    """Days after a learner's start date by which each module is due, in course order."""
    return dict(yaml.safe_load((REPO / "course.yml").read_text())["modules"])


def course_rank(module: str) -> tuple[int, str]:
    """Sort key putting modules in course order (``course.yml``), unknown ones last, by name."""
    order = list(due_days())
    return (order.index(module) if module in order else len(order), module)


def course_order(modules) -> list[str]:
    """``modules`` (any iterable of names, repeats allowed) once each, in course order."""
    return sorted(set(modules), key=course_rank)


def modules() -> list[str]:
    """The graded modules, one folder each in ``solutions/``, in course order (course.yml)."""
    return course_order(p.name for p in SOLUTIONS.iterdir()
                        if p.is_dir() and not p.name.startswith("."))
