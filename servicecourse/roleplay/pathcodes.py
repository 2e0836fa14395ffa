"""Path codes of role-plays: the text a learner pastes into a module to show how a play went.

A code names the role-play, the choices made (one letter per beat, A for a beat's first choice)
and what kind of evidence it is:

- a **graded** code, ``serve-call-centre/BACA/1-K3QZ7M2XPA``: the attempt number and a signature,
  the first 10 characters of the base32 of HMAC-SHA256(cohort key, "learner\\nscenario\\nLETTERS\\n
  attempt"). Only the course app on the server signs (the cohort's key never leaves it), so a
  code computed from a page, copied from a colleague (signed for another learner) or taken from a
  later attempt is told apart by the grader;
- a **practice** code, ``serve-call-centre/BACA/practice``: from the static site or the learner's
  own JupyterLab, where no key is reachable. It records a path and proves nothing.

This module only reads, writes and checks codes; which cohort key applies and which attempt a
play was is `servicecourse.cohort.evidence`'s job, and whether a code's path ends well is the engine's.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import re
import threading
from dataclasses import dataclass

LETTERS = "ABCDEFGHIJ"  # the letter of each choice of a beat, in order
PRACTICE = "practice"
SIGNATURE_LENGTH = 10
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_GRADED = re.compile(rf"^([1-9][0-9]{{0,5}})-([{_BASE32}]{{{SIGNATURE_LENGTH}}})$")


class PathCodeError(ValueError):
    """A path code is malformed or does not fit its role-play (the message is a plain sentence)."""


@dataclass(frozen=True)
class PathCode:
    """A parsed code: a practice code has neither ``attempt`` nor ``signature``."""

    scenario: str
    letters: str
    attempt: int | None
    signature: str | None

    @property
    def graded(self) -> bool:
        """Whether the code claims to be signed evidence (it still has to be checked)."""
        return self.signature is not None

    def __str__(self) -> str:
        tail = PRACTICE if self.signature is None else f"{self.attempt}-{self.signature}"
        return f"{self.scenario}/{self.letters}/{tail}"


def letters_of(choices) -> str:
    """The letters of a path given as choice indices: [1, 0, 2] -> 'BAC'."""
    return "".join(LETTERS[index] for index in choices)


def practice(scenario_id: str, letters: str) -> str:
    """The practice code of a play: ``<scenario>/<LETTERS>/practice``."""
    return str(PathCode(scenario_id, letters, None, None))


def signature(key: bytes, learner: str, scenario_id: str, letters: str, attempt: int) -> str:
    """The SIG part of a graded code (contract 2 of the brief)."""
    message = f"{learner}\n{scenario_id}\n{letters}\n{attempt}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def sign(key: bytes, learner: str, scenario_id: str, letters: str, attempt: int) -> str:
    """The whole graded code of ``learner``'s play ``attempt`` (1 = first complete play)."""
    return str(PathCode(scenario_id, letters, attempt,
                        signature(key, learner, scenario_id, letters, attempt)))


def signature_ok(key: bytes, learner: str, code: PathCode) -> bool:
    """Whether ``code`` was signed with ``key`` for ``learner`` (False for a practice code)."""
    if code.signature is None or code.attempt is None:
        return False
    expected = signature(key, learner, code.scenario, code.letters, code.attempt)
    return hmac.compare_digest(expected, code.signature)


def parse(code, scenario_id: str) -> PathCode:
    """Read a code meant for role-play ``scenario_id``; raise PathCodeError saying what is wrong.

    Case and surrounding spaces are forgiven (codes are copied by hand); the signature is not
    checked here (`signature_ok` does, with the cohort's key).
    """
    example = f"'{scenario_id}/ABCA/1-K3QZ7M2XPA'"
    if not isinstance(code, str):
        raise PathCodeError(f"a path code is text in quotes, like {example}, not {type(code).__name__}.")
    parts = code.strip().split("/")
    if len(parts) != 3 or not all(parts):
        raise PathCodeError(f"'{code.strip()}' is not a path code: copy the whole code the role-play "
                            f"shows at its end, like {example}.")
    scenario, letters, tail = parts[0].strip().lower(), parts[1].strip().upper(), parts[2].strip()
    if scenario != scenario_id:
        raise PathCodeError(f"this code is for the role-play '{scenario}', not '{scenario_id}'.")
    if any(letter not in LETTERS for letter in letters):
        raise PathCodeError(f"'{letters}' are not choice letters: each is one of "
                            f"{LETTERS[0]} to {LETTERS[-1]}.")
    if tail.lower() == PRACTICE:
        return PathCode(scenario, letters, None, None)
    graded = _GRADED.match(tail.upper())
    if not graded:
        raise PathCodeError(f"the end of the code, '{tail}', should be 'practice' or an attempt and "
                            f"a signature like '1-K3QZ7M2XPA': copy the code exactly as shown.")
    return PathCode(scenario, letters, int(graded.group(1)), graded.group(2))


# --- the trusted grader -------------------------------------------------------------------------

_graders: list[tuple[str, bytes]] = []
_graders_lock = threading.Lock()


@contextlib.contextmanager
def graded_as(learner: str, key: bytes):
    """Inside this block `current_grader()` is ``(learner, key)``: the grader sets it while it
    grades one learner's notebook, so checks can verify codes without the key being passed in."""
    with _graders_lock:
        _graders.append((learner, key))
    try:
        yield
    finally:
        with _graders_lock:
            _graders.remove((learner, key))


def current_grader() -> tuple[str, bytes] | None:
    """``(learner, key)`` of the innermost `graded_as` block, or None outside any."""
    with _graders_lock:
        return _graders[-1] if _graders else None
