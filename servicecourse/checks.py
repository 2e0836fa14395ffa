"""Checks that graded notebooks call: friendly messages for learners, booleans for tests.

Each check prints what is wrong in plain words and returns True or False, so a visible test
reads ``assert check_...(answer)`` and a learner who is not a programmer sees a sentence, not a
traceback. None of them raises on bad input: a wrong type or a forged code is a wrong answer.
"""

from __future__ import annotations

from collections.abc import Iterable

from servicecourse.engine import PathCodeError, replay
from servicecourse.scenario import ScenarioError, load_by_id


def _say(ok: bool, message: str) -> bool:
    print(("OK: " if ok else "Not yet: ") + message)
    return ok


def check_one_of(answer, allowed: Iterable[str], question: str = "this answer") -> bool:
    """Is ``answer`` one of the ``allowed`` options (letters or keys)?"""
    allowed = list(allowed)
    if isinstance(answer, str) and answer.strip() in allowed:
        return _say(True, f"{question} is one of the options.")
    return _say(False, f"{question} must be one of {', '.join(repr(a) for a in allowed)}, "
                       f"in quotes; you wrote {answer!r}.")


def check_mapping(answer, keys: Iterable[str], allowed: Iterable[str]) -> bool:
    """Does ``answer`` give every key in ``keys`` one value from ``allowed``?"""
    keys, allowed = list(keys), list(allowed)
    if not isinstance(answer, dict):
        return _say(False, "the answer must stay a dictionary: {\"A\": \"...\", ...}.")
    problems = [f"{key!r} is missing" for key in keys if key not in answer]
    problems += [f"{key!r} is not one of the statements" for key in answer if key not in keys]
    problems += [f"{key!r}: {value!r} is not one of {', '.join(allowed)}"
                 for key, value in answer.items() if key in keys and value not in allowed]
    if problems:
        return _say(False, "; ".join(problems) + ".")
    return _say(True, "every statement has a valid answer.")


def check_letters(answer, allowed: Iterable[str], exact_count: int | None = None) -> bool:
    """Is ``answer`` a list of distinct letters from ``allowed`` (of ``exact_count`` letters)?"""
    allowed = list(allowed)
    if not isinstance(answer, (list, tuple)) or not all(isinstance(a, str) for a in answer):
        return _say(False, 'the answer must be a list of letters in quotes, like ["A", "C"].')
    unknown = [a for a in answer if a not in allowed]
    if unknown:
        return _say(False, f"{', '.join(map(repr, unknown))} not among {', '.join(allowed)}.")
    if len(set(answer)) != len(answer):
        return _say(False, "a letter appears twice.")
    if exact_count is not None and len(answer) != exact_count:
        return _say(False, f"the list needs all {exact_count} letters; it has {len(answer)}.")
    return _say(True, "the list is well formed.")


def roleplay_outcome(code, scenario_id: str) -> str | None:
    """The outcome ('good', 'mixed', 'poor') that a path code reaches, or None if it is invalid.

    Prints a message either way: where the path ended, or why the code is not accepted.
    """
    try:
        play = replay(load_by_id(scenario_id), code)
    except (PathCodeError, ScenarioError) as error:
        _say(False, f"this path code is not accepted: {error}")
        return None
    ending = play.ending
    _say(ending.outcome == "good",
         f"your path ends in '{ending.title}' ({ending.outcome} outcome)."
         + ("" if ending.outcome == "good" else " Play the role-play again and aim for a better ending."))
    return ending.outcome


def check_number(answer, question: str = "this answer") -> bool:
    """Is ``answer`` a number (not text, not left as ``...``)?"""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return _say(False, f"{question} must be a number; you wrote {answer!r}.")
    return _say(True, f"{question} is a number.")


def check_text(answer, question: str = "this answer") -> bool:
    """Is ``answer`` some text in quotes, not left as ``"?"`` or empty?"""
    if isinstance(answer, str) and answer.strip() not in ("", "?"):
        return _say(True, f"{question} is some text.")
    return _say(False, f"{question} must be some text between the quotes, instead of the ?; "
                       f"you wrote {answer!r}.")
