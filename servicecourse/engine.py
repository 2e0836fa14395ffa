"""Play a scenario in pure Python: current beat, choices, history, SERVE score, path codes.

The engine knows nothing of ipywidgets or HTML: the widget, the static player and the
autograder all drive this one state machine (or, for the static player, match its test vectors).

A *path code* records the choices a learner made, e.g. ``serve-call-centre/ABAC/3f9e``: the
scenario id, one letter per choice (A is the first choice of a beat) and a short checksum that
catches typos and hand-edited codes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from servicecourse.scenario import Beat, Choice, Ending, Scenario
from servicecourse.serve import DIMENSIONS

LETTERS = "ABCDEFGHIJ"


class PathCodeError(ValueError):
    """A path code is malformed, forged or does not fit its scenario."""


@dataclass(frozen=True)
class Step:
    """One decision: the beat it was taken at and the choice made there."""

    beat: Beat
    index: int

    @property
    def choice(self) -> Choice:
        return self.beat.choices[self.index]


class Roleplay:
    """The state of one play-through of a scenario."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.restart()

    def restart(self) -> None:
        """Go back to the opening beat with an empty history."""
        self.history: list[Step] = []
        self._node = self.scenario.start

    @property
    def finished(self) -> bool:
        """True once the conversation has reached an ending."""
        return self._node in self.scenario.endings

    @property
    def beat(self) -> Beat | None:
        """The beat waiting for a choice, or None at an ending."""
        return self.scenario.beats.get(self._node)

    @property
    def ending(self) -> Ending | None:
        """The ending reached, or None while the conversation goes on."""
        return self.scenario.endings.get(self._node)

    def choose(self, index: int) -> Choice:
        """Take choice ``index`` (0-based) at the current beat and return it."""
        if self.finished:
            raise ValueError("the conversation has ended; restart to play again")
        beat = self.beat
        if not 0 <= index < len(beat.choices):
            raise ValueError(f"beat '{beat.id}' has {len(beat.choices)} choices, not {index + 1}")
        self.history.append(Step(beat, index))
        self._node = beat.choices[index].next
        return beat.choices[index]

    @property
    def score(self) -> dict[str, int]:
        """The SERVE score summed over the choices made so far."""
        return {d: sum(step.choice.score[d] for step in self.history) for d in DIMENSIONS}

    @property
    def profile(self) -> dict[str, float]:
        """The mean SERVE score per choice, on the choice scale (-2..2); zeros before any choice."""
        count = len(self.history) or 1
        return {d: total / count for d, total in self.score.items()}

    @property
    def path_code(self) -> str:
        """The code that records this play-through (see the module docstring)."""
        letters = "".join(LETTERS[step.index] for step in self.history)
        return f"{self.scenario.id}/{letters}/{_checksum(self.scenario.id, letters)}"


def _checksum(scenario_id: str, letters: str) -> str:
    return hashlib.sha256(f"{scenario_id}/{letters}".encode()).hexdigest()[:4]


def replay(scenario: Scenario, code: str) -> Roleplay:
    """Replay a path code through ``scenario``; raise PathCodeError if it is not a valid, finished path."""
    if not isinstance(code, str):
        raise PathCodeError(f"a path code is text like '{scenario.id}/ABCA/1a2b', not {type(code).__name__}")
    parts = code.strip().split("/")
    if len(parts) != 3:
        raise PathCodeError(f"'{code}' is not a path code: expected '{scenario.id}/LETTERS/CHECK'")
    scenario_id, letters, check = parts
    if scenario_id != scenario.id:
        raise PathCodeError(f"this code is for role-play '{scenario_id}', not '{scenario.id}'")
    letters = letters.upper()
    if check.lower() != _checksum(scenario_id, letters):
        raise PathCodeError("the code's check does not match: copy it exactly as the debrief shows it")
    play = Roleplay(scenario)
    for letter in letters:
        if play.finished or letter not in LETTERS:
            raise PathCodeError("the code does not describe a path through this role-play")
        try:
            play.choose(LETTERS.index(letter))
        except ValueError:
            raise PathCodeError("the code does not describe a path through this role-play") from None
    if not play.finished:
        raise PathCodeError("the code stops before the conversation ends: play it to an ending")
    return play
