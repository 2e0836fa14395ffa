"""The course policy: pass mark, required modules with their due days, debrief minimum group.

One file says it, ``course.yml``: the repository's copy is the policy of new cohorts, and each
cohort keeps its own copy (``COHORT/course.yml``, copied by `servicecourse.cohort.create`), so
changing the course later never changes the rules of a cohort already running. Every part that
applies a rule (report, dashboard, certificates, feedback, debrief) reads the cohort's copy with
`cohort_policy`. A bad value is refused with a `PolicyError` naming the file, the key and what
is wrong; a cohort made before cohorts had their own copy falls back to the repository's, with a
`PolicyWarning` saying so.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from servicecourse.course import REPO

POLICY_NAME = "course.yml"
KEYS = ("pass_mark", "debrief_min_group", "modules")


class PolicyError(ValueError):
    """A ``course.yml`` cannot be used: unreadable, or a key missing, unknown or of a bad value."""


class PolicyWarning(UserWarning):
    """A cohort has no policy of its own; the repository's is used instead."""


@dataclass(frozen=True)
class Policy:
    """The rules of a course (or of one cohort of it).

    ``pass_mark`` is the share of a module's maximum score needed to pass it (0 < x <= 1);
    ``due_days`` maps each required module, in course order, to the days after a learner's
    start date by which it is due; ``debrief_min_group`` is the fewest learners a debrief shows
    a beat for (fewer would let a trainer see one learner's path). ``source`` is the file read
    and ``note`` says, when not empty, why it is not the cohort's own.
    """

    pass_mark: float
    due_days: dict[str, int]
    debrief_min_group: int
    source: Path | None = field(default=None, compare=False)
    note: str = field(default="", compare=False)

    @property
    def modules(self) -> list[str]:
        """The required modules, in course order."""
        return list(self.due_days)

    def rank(self, module: str) -> tuple[int, str]:
        """Sort key putting modules in course order, unknown ones last (by name)."""
        order = self.modules
        return (order.index(module) if module in order else len(order), module)

    def order(self, modules) -> list[str]:
        """``modules`` (any iterable of names, repeats allowed) once each, in course order."""
        return sorted(set(modules), key=self.rank)


def check_pass_mark(value) -> float:
    """``value`` as a pass mark (a share of the maximum score, 0 < x <= 1), or ValueError saying why."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a number; give a share of the maximum score, e.g. 0.7")
    if not math.isfinite(value) or not 0 < value <= 1:
        hint = " (a share, not a percentage: 0.7 for 70%)" if 1 < value <= 100 else ""
        raise ValueError(f"{value!r} is not between 0 (excluded) and 1{hint}")
    return float(value)


def _whole(value, least: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number of {what}")
    if value < least:
        raise ValueError(f"{value!r} is less than {least}")
    return value


def _due_days(value) -> tuple[dict[str, int], list[str]]:
    if not isinstance(value, dict) or not value:
        return {}, [f"modules: {value!r} is not a list of 'module: days' lines (at least one)"]
    days, problems = {}, []
    for module, n in value.items():
        if not isinstance(module, str) or not module.strip():
            problems.append(f"modules: {module!r} is not a module name")
            continue
        try:
            days[module] = _whole(n, 0, "days")
        except ValueError as error:
            problems.append(f"modules: {module}: {error}")
    return days, problems


def parse(data, source: str | Path) -> Policy:
    """The policy in ``data`` (a parsed ``course.yml``); PolicyError listing every problem."""
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: expected keys {', '.join(KEYS)}, found {type(data).__name__}")
    problems = [f"unknown key {key!r} (the keys are {', '.join(KEYS)})"
                for key in data if key not in KEYS]
    problems += [f"{key}: missing" for key in KEYS if key not in data]

    def checked(key: str, check):
        try:
            return check(data[key]) if key in data else None
        except ValueError as error:
            problems.append(f"{key}: {error}")
            return None

    pass_mark = checked("pass_mark", check_pass_mark)
    group = checked("debrief_min_group", lambda v: _whole(v, 1, "learners"))
    due_days, module_problems = _due_days(data["modules"]) if "modules" in data else ({}, [])
    problems += module_problems
    if problems or pass_mark is None or group is None:
        raise PolicyError(f"{source}: " + "; ".join(problems))
    return Policy(pass_mark, due_days, group, source=Path(source))


def read_policy(path: str | Path) -> Policy:
    """The policy in the file ``path``; PolicyError naming the file and the problem."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: cannot read the course policy ({error})") from None
    except yaml.YAMLError as error:
        raise PolicyError(f"{path}: not valid YAML ({error})".replace("\n", " ")) from None
    return parse(data, path)


@cache
def course_policy() -> Policy:
    """The repository's policy (``course.yml``): what new cohorts get."""
    return read_policy(REPO / POLICY_NAME)


def cohort_policy(folder: str | Path) -> Policy:
    """The policy of the cohort in ``folder`` (its own ``course.yml``), read afresh.

    A cohort made before cohorts kept their own copy gets the repository's, with a
    `PolicyWarning` and the reason in ``Policy.note``.
    """
    path = Path(folder) / POLICY_NAME
    if path.exists():
        return read_policy(path)
    note = (f"{folder}: no {POLICY_NAME} in the cohort (made before cohorts kept their own "
            f"policy); using the course's {REPO / POLICY_NAME}. To fix this cohort's rules, "
            f"copy that file into {folder}.")
    warnings.warn(note, PolicyWarning, stacklevel=2)
    course = course_policy()
    return Policy(course.pass_mark, course.due_days, course.debrief_min_group,
                  source=course.source, note=note)
