"""Design checks of a valid role-play: can it be won by test-wiseness instead of judgement?

These are warnings, not errors: `course check` prints them and still succeeds, unless
`--strict`. Each names the line of the beat, choice or ending concerned. The rules:

- A *decision beat* has two choices or more. A choice's *total* is the sum of its SERVE scores;
  the *best* choices of a beat are those with the highest total; the others are *alternatives*.
  A choice is *mixed* when it scores above 0 on one dimension and below 0 on another.
- Length counts words; the *longest* choice has the most words (a tie goes to the one with more
  characters, then to the first), the *shortest* the fewest (a tie goes to the one with fewer
  characters, then to the first). The *politest* has the most polite markers, counted in its
  text without regard to case as words or word beginnings: please, sorry, thank (thanks...),
  apolog (apologise...), appreciate, happy to, glad to, understand (understandable...), of
  course; a tie goes to the longest of them.

Warnings:

1. best-longest: the longest choice is a best one in more than half of the decision beats;
   best-shortest: the same for the shortest choice (the reverse cue).
2. best-position: there are two decision beats or more and in every one a best choice stands in
   the same position (the first, the second..., or the last).
3. no-tempting: a beat where no alternative is tempting, i.e. not one alternative has a total
   of 0 or more and not one is mixed.
4. few-mixed: fewer than a third of the decision beats offer a mixed alternative (a partly
   right option).
5. blind-strategy: always picking the longest, the first, the last or the politest choice
   reaches a good ending (a strategy that comes back to a beat it has seen never ends).
6. no-consequence: a decision beat whose choice cannot change the ending: every choice leads
   to the same beat or ending, or a good ending can be reached from the beat and every choice
   keeps one within reach (so a mistake there costs nothing).
7. uneven-length: in a beat, the longest choice has more than 25% more words than the shortest
   and more than 3 words more (the warning points at the longest).
8. too-short: an ending that can be reached in fewer than 4 choices.
9. outcomes: the endings do not include a good, a mixed and a poor one.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Callable

from servicecourse.roleplay.scenario import Beat, Choice, Ending, Scenario

POLITE_MARKERS = ("please", "sorry", "thank", "apolog", "appreciate", "happy to", "glad to",
                  "understand", "of course")
STRATEGY_NAMES = ("longest", "first", "last", "politest")
MIN_CHOICES_TO_END = 4
_POLITE = re.compile(r"\b(?:" + "|".join(re.escape(m) for m in POLITE_MARKERS) + ")", re.I)
_WORD = re.compile(r"[\w'’-]+")


@dataclass(frozen=True)
class DesignWarning:
    """One design warning: the rule it breaks, the line it points at and a plain sentence."""

    rule: str
    line: int
    message: str


def total(choice: Choice) -> int:
    """The sum of a choice's SERVE scores."""
    return sum(choice.score.values())


def is_mixed(choice: Choice) -> bool:
    """True if the choice scores above 0 on one dimension and below 0 on another."""
    values = choice.score.values()
    return any(v > 0 for v in values) and any(v < 0 for v in values)


def words(text: str) -> int:
    """The number of words in ``text``."""
    return len(_WORD.findall(text))


def polite_markers(text: str) -> int:
    """How many polite markers (POLITE_MARKERS) ``text`` contains."""
    return len(_POLITE.findall(text))


def _fixed(index: int) -> Callable[[Beat], int]:
    """A position rule: always the choice at ``index``."""
    return lambda beat: index


def best(beat: Beat) -> set[int]:
    """The positions (0-based) of the choices with the highest total at ``beat``."""
    top = max(total(c) for c in beat.choices)
    return {i for i, c in enumerate(beat.choices) if total(c) == top}


def _longest_of(beat: Beat, positions) -> int:
    """Of ``positions``, the one with most words, then most characters, then the first."""
    return min(positions, key=lambda i: (-words(beat.choices[i].text), -len(beat.choices[i].text), i))


def longest(beat: Beat) -> int:
    """The position of the longest choice (most words, then most characters, then first)."""
    return _longest_of(beat, range(len(beat.choices)))


def shortest(beat: Beat) -> int:
    """The position of the shortest choice (fewest words, then fewest characters, then first)."""
    return min(range(len(beat.choices)),
               key=lambda i: (words(beat.choices[i].text), len(beat.choices[i].text), i))


def politest(beat: Beat) -> int:
    """The position of the choice with the most polite markers (a tie goes to the longest)."""
    most = max(polite_markers(c.text) for c in beat.choices)
    return _longest_of(beat, [i for i, c in enumerate(beat.choices) if polite_markers(c.text) == most])


STRATEGIES: dict[str, Callable[[Beat], int]] = {
    "longest": longest,
    "first": lambda beat: 0,
    "last": lambda beat: len(beat.choices) - 1,
    "politest": politest,
}


def play(scenario: Scenario, pick: Callable[[Beat], int]) -> tuple[str, Ending | None]:
    """Follow ``pick`` from the start: the letters chosen and the ending (None if it loops)."""
    node, seen, letters = scenario.start, set(), ""
    while node in scenario.beats:
        if node in seen:
            return letters, None
        seen.add(node)
        beat = scenario.beats[node]
        index = pick(beat)
        letters += "ABCDEFGHIJ"[index]
        node = beat.choices[index].next
    return letters, scenario.endings[node]


def reachable_endings(scenario: Scenario, node: str) -> frozenset[str]:
    """The ids of the endings that can still be reached from ``node``."""
    seen, queue = {node}, deque([node])
    while queue:
        beat = scenario.beats.get(queue.popleft())
        for choice in beat.choices if beat else ():
            if choice.next not in seen:
                seen.add(choice.next)
                queue.append(choice.next)
    return frozenset(n for n in seen if n in scenario.endings)


def _choices_to_reach(scenario: Scenario) -> dict[str, int]:
    """The fewest choices needed to reach each node from the start."""
    steps, queue = {scenario.start: 0}, deque([scenario.start])
    while queue:
        node = queue.popleft()
        for choice in scenario.beats[node].choices if node in scenario.beats else ():
            if choice.next not in steps:
                steps[choice.next] = steps[node] + 1
                queue.append(choice.next)
    return steps


def _names(beats: list[Beat]) -> str:
    return ", ".join(f"'{b.id}' (line {b.line})" for b in beats)


def design_warnings(scenario: Scenario) -> list[DesignWarning]:
    """Every design warning for a valid scenario, in line order (see the module docstring)."""
    found: list[DesignWarning] = []
    decisions = [b for b in scenario.beats.values() if len(b.choices) >= 2]
    first_line = min((b.line for b in decisions), default=1)

    for rule, pick in (("best-longest", longest), ("best-shortest", shortest)):
        cued = [b for b in decisions if pick(b) in best(b)]
        if decisions and len(cued) > len(decisions) / 2:
            length = rule.removeprefix("best-")
            found.append(DesignWarning(
                rule, cued[0].line,
                f"the best choice is also the {length} in {len(cued)} of {len(decisions)} "
                f"beats ({_names(cued)}): picking the {length} reply wins"))

    if len(decisions) >= 2:
        width = min(len(b.choices) for b in decisions)
        positions: list[tuple[str, Callable[[Beat], int]]] = [
            (f"choice {i + 1}", _fixed(i)) for i in range(width)]
        positions.append(("the last choice", lambda b: len(b.choices) - 1))
        for name, where in positions:
            if all(where(b) in best(b) for b in decisions):
                found.append(DesignWarning(
                    "best-position", first_line,
                    f"the best choice is {name} in every beat: vary its position"))
                break

    mixed_beats = 0
    for beat in decisions:
        alternatives = [c for i, c in enumerate(beat.choices) if i not in best(beat)]
        mixed_beats += any(is_mixed(c) for c in alternatives)
        if alternatives and not any(total(c) >= 0 or is_mixed(c) for c in alternatives):
            found.append(DesignWarning(
                "no-tempting", beat.line,
                f"beat '{beat.id}': every alternative to the best choice scores below 0 and none "
                f"is mixed: give it a tempting, partly right option"))
    if decisions and mixed_beats < len(decisions) / 3:
        found.append(DesignWarning(
            "few-mixed", first_line,
            f"only {mixed_beats} of {len(decisions)} beats offer a mixed (partly right) "
            f"alternative; at least a third should"))

    for name in STRATEGY_NAMES:
        letters, ending = play(scenario, STRATEGIES[name])
        if ending is not None and ending.outcome == "good":
            found.append(DesignWarning(
                "blind-strategy", ending.line,
                f"always picking the {name} choice ({letters}) reaches the good ending "
                f"'{ending.id}'"))

    good = {e.id for e in scenario.endings.values() if e.outcome == "good"}
    for beat in decisions:
        if len({c.next for c in beat.choices}) == 1:
            found.append(DesignWarning(
                "no-consequence", beat.line,
                f"beat '{beat.id}': every choice leads to '{beat.choices[0].next}', so no ending "
                f"depends on it"))
        elif all(reachable_endings(scenario, c.next) & good for c in beat.choices):
            found.append(DesignWarning(
                "no-consequence", beat.line,
                f"beat '{beat.id}': every choice keeps a good ending within reach, so a mistake "
                f"there costs nothing; let at least one choice lose it"))
        counts = [words(c.text) for c in beat.choices]
        if max(counts) > 1.25 * min(counts) and max(counts) - min(counts) > 3:
            found.append(DesignWarning(
                "uneven-length", beat.choices[longest(beat)].line,
                f"beat '{beat.id}': choices run from {min(counts)} to {max(counts)} words; keep "
                f"them within a quarter of each other"))

    steps = _choices_to_reach(scenario)
    for ending in scenario.endings.values():
        if steps.get(ending.id, MIN_CHOICES_TO_END) < MIN_CHOICES_TO_END:
            found.append(DesignWarning(
                "too-short", ending.line,
                f"ending '{ending.id}' can be reached in {steps[ending.id]} choices; every path "
                f"should take at least {MIN_CHOICES_TO_END}"))
    missing = [o for o in ("good", "mixed", "poor")
               if o not in {e.outcome for e in scenario.endings.values()}]
    if missing:
        found.append(DesignWarning(
            "outcomes", min((e.line for e in scenario.endings.values()), default=1),
            f"no {' and no '.join(missing)} ending: a role-play needs a good, a mixed and a "
            f"poor one"))
    return sorted(found, key=lambda w: w.line)


RULES = __doc__.split("\n\n", 1)[1]
