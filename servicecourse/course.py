"""Where the course's folders are: the repository root and what lives in it.

The course's rules (required modules, their order and due days, the pass mark) are the course
policy, `servicecourse.policy`; the helpers here order modules by the repository's policy.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
SCENARIOS = REPO / "scenarios"
COHORTS = REPO / "cohorts"  # private data: ignored by git


def course_rank(module: str) -> tuple[int, str]:
    """Sort key putting modules in course order (``course.yml``), unknown ones last, by name."""
    from servicecourse.policy import course_policy  # policy imports REPO from here

    return course_policy().rank(module)


def course_order(modules) -> list[str]:
    """``modules`` (any iterable of names, repeats allowed) once each, in course order."""
    from servicecourse.policy import course_policy

    return course_policy().order(modules)


def modules() -> list[str]:
    """The graded modules, one folder each in ``solutions/``, in course order (course.yml)."""
    return course_order(p.name for p in SOLUTIONS.iterdir()
                        if p.is_dir() and not p.name.startswith("."))
