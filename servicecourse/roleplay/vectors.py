"""Test vectors: every path through every scenario, played by the Python engine.

The browser player (``book/_player/roleplay-player.js``) re-implements the engine in JavaScript.
These vectors are what both must agree on: for each path, the choices taken, the beats visited,
the ending reached, the SERVE score and profile, the practice code, and the short feedback (first
sentence) shown after each choice during play.
"""

from __future__ import annotations

from pathlib import Path

from servicecourse.roleplay.engine import Roleplay, first_sentence
from servicecourse.roleplay.scenario import Scenario, load_all

MAX_DEPTH = 30      # a path longer than this is not followed (scenarios are short and acyclic)
MAX_PATHS = 2000    # per scenario, so a scenario with loops cannot make the list endless


def paths(scenario: Scenario, max_depth: int = MAX_DEPTH, max_paths: int = MAX_PATHS) -> list[list[int]]:
    """The choice indices of every path from the start to an ending, depth-first, bounded."""
    found: list[list[int]] = []

    def walk(node: str, taken: list[int]) -> None:
        if len(found) >= max_paths:
            return
        if node in scenario.endings:
            found.append(taken)
            return
        if len(taken) >= max_depth:
            return
        for index, choice in enumerate(scenario.beats[node].choices):
            walk(choice.next, taken + [index])

    walk(scenario.start, [])
    return found


def vector(scenario: Scenario, choices: list[int]) -> dict:
    """Play ``choices`` through the engine and return what it computed."""
    play = Roleplay(scenario)
    visited, short = [], []
    for index in choices:
        assert play.beat is not None, "a path goes on after its ending"
        visited.append(play.beat.id)
        short.append(first_sentence(play.choose(index).feedback))
    return {
        "choices": list(choices),
        "beats": visited,
        "ending": play.ending.id if play.ending else None,
        "outcome": play.ending.outcome if play.ending else None,
        "score": play.score,
        "profile": play.profile,
        "letters": play.letters,
        "practice_code": play.practice_code,
        "short_feedback": short,
    }


def scenario_vectors(scenario: Scenario, **bounds) -> list[dict]:
    """A vector for every (bounded) path through one scenario."""
    return [vector(scenario, choices) for choices in paths(scenario, **bounds)]


def all_vectors(folder: str | Path | None = None, **bounds) -> dict[str, list[dict]]:
    """Vectors for every scenario in ``folder`` (default ``scenarios/``), keyed by scenario id."""
    return {sid: scenario_vectors(scenario, **bounds) for sid, scenario in load_all(folder).items()}


def path_to(scenario: Scenario, outcome: str = "good") -> list[int]:
    """The choice indices of the first path (depth-first) that ends with ``outcome``."""
    for choices in paths(scenario):
        if vector(scenario, choices)["outcome"] == outcome:
            return choices
    raise ValueError(f"no path of '{scenario.id}' ends {outcome}")
