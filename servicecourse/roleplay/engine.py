"""Play a scenario in pure Python: current beat, choices, history, SERVE score, path letters.

The engine knows nothing of ipywidgets or HTML: the widget, the static player and the
autograder all drive this one state machine (or, for the static player, match its test vectors).

A play is recorded as one letter per choice (A is the first choice of a beat); the codes built
from those letters, practice or graded, are `servicecourse.roleplay.pathcodes`'. During play a learner
sees a choice's consequence (the next beat) and the `first_sentence` of its feedback; scores and
the full feedback wait for the end, unless the scenario shows scores at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from servicecourse.roleplay.pathcodes import LETTERS, PathCodeError, letters_of, parse, practice
from servicecourse.roleplay.scenario import Beat, Choice, Ending, Scenario
from servicecourse.roleplay.serve_model import DIMENSIONS

__all__ = ["LETTERS", "PathCodeError", "Roleplay", "Step", "first_sentence", "play_letters", "replay"]

# A sentence ends at . ! or ? (and any closing quotes or brackets) followed by the end of the
# text, or by spaces and a capital, a digit or an opening quote: "e.g. the" does not end one.
# book/_player/roleplay-player.js uses the same pattern.
_SENTENCE = re.compile(r"""^(.*?[.!?]["'”’)\]]*)(?=\s*$|\s+["'“‘(\[]?[A-ZÀ-ÖØ-Þ0-9])""", re.S)


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it if it has one sentence or no end mark)."""
    text = text.strip()
    found = _SENTENCE.match(text)
    return found.group(1) if found else text


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
        beat = self.beat
        if beat is None:
            raise ValueError("the conversation has ended; restart to play again")
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
    def letters(self) -> str:
        """The choices made so far, one letter each (A = a beat's first choice)."""
        return letters_of(step.index for step in self.history)

    @property
    def practice_code(self) -> str:
        """The practice code of this play (`servicecourse.roleplay.pathcodes`): a path, not evidence."""
        return practice(self.scenario.id, self.letters)


def play_letters(scenario: Scenario, letters: str) -> Roleplay:
    """Play ``letters`` through ``scenario`` to an ending; raise PathCodeError if they are not
    a whole path through it (the scenario may have changed since the play)."""
    play = Roleplay(scenario)
    for letter in letters:
        if play.finished or letter not in LETTERS:
            raise PathCodeError("the code does not describe a path through this role-play.")
        try:
            play.choose(LETTERS.index(letter))
        except ValueError:
            raise PathCodeError("the code does not describe a path through this role-play.") from None
    if not play.finished:
        raise PathCodeError("the code stops before the conversation ends: play it to an ending.")
    return play


def replay(scenario: Scenario, code: str) -> Roleplay:
    """Replay a path code (graded or practice) through ``scenario``; raise PathCodeError if it is
    malformed or not a finished path. Whether a graded code's signature holds is not checked here
    (`servicecourse.roleplay.pathcodes.signature_ok`)."""
    return play_letters(scenario, parse(code, scenario.id).letters)
