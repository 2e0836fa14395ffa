"""The graded-play record: which cohort a learner plays for, its key, and every complete play.

A learner's role-plays count as evidence only when played in the course app on the server,
which knows who the visitor is (`servicecourse.page_request.visitor`). For each cohort whose
``roster.csv`` lists the learner (learner id == user name), every complete play is appended to
``COHORT/roleplay/attempts.jsonl`` (learner, scenario, letters, attempt number, UTC time) under
a file lock, so that however many pages finish at once, a learner's first complete play of a
role-play is attempt 1. The graded code of a play is signed with the cohort's key,
``COHORT/.roleplay-key`` (owner-only, made on first use), which never leaves the server.

Anywhere else (the static site, a learner's own JupyterLab, a visitor on no roster) a play gets
a practice code: `practice_outcome`.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from servicecourse import pathcodes

KEY_NAME = ".roleplay-key"
RECORD = Path("roleplay") / "attempts.jsonl"
ROSTER_NAME = "roster.csv"  # as servicecourse.roster.ROSTER_NAME (not imported: see roster_ids)
COHORTS_ENV = "COURSE_COHORTS"
PRACTICE_NOTE = ("Plays here are practice: graded codes come from the course app, where your "
                 "first complete play of each role-play is recorded.")


class EvidenceError(OSError):
    """A cohort's key or record cannot be read or written (the message names the file)."""


# --- cohorts and rosters ------------------------------------------------------------------------

def cohorts_root() -> Path:
    """The folder holding the cohorts: ``$COURSE_COHORTS`` if set, else ``servicecourse.paths.COHORTS``."""
    from servicecourse.paths import COHORTS

    return Path(os.environ.get(COHORTS_ENV) or COHORTS)


def roster_ids(folder: str | Path) -> set[str]:
    """The learner ids of a cohort's ``roster.csv`` (empty if it has none or it is unreadable).

    Only the ``id`` column of the file the course writes (`servicecourse.roster`) is read, with
    the csv module: importing the roster module would load nbgrader into every role-play kernel
    (87 MB and 3 s measured here) for one column.
    """
    path = Path(folder) / ROSTER_NAME
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",", ",;\t")
            except csv.Error:
                dialect = csv.excel
            return {(row.get("id") or "").strip() for row in csv.DictReader(handle, dialect=dialect)} - {""}
    except (OSError, UnicodeDecodeError, csv.Error):
        return set()


def learner_cohorts(learner: str, root: str | Path | None = None) -> list[Path]:
    """The cohort folders under ``root`` whose roster lists ``learner``, sorted by name."""
    root = Path(root) if root else cohorts_root()
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    return [folder for folder in folders if learner in roster_ids(folder)]


# --- the key ------------------------------------------------------------------------------------

def roleplay_key(folder: str | Path) -> bytes:
    """The cohort's role-play key, made (random, owner-only file) the first time it is asked for.

    Two processes asking at once get the same key: the file is written whole under another
    name, then linked into place, which only one of them can do.
    """
    path = Path(folder) / KEY_NAME
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    temporary = path.with_name(f"{KEY_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    except OSError as error:
        raise EvidenceError(f"{path}: cannot create the role-play key ({error.strerror})") from None
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
        return bytes.fromhex(text)
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise EvidenceError(f"{path}: cannot read the role-play key ({error})") from None


# --- the record ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    """One complete play: attempt 1 is the learner's first complete play of that role-play."""

    learner: str
    scenario: str
    letters: str
    attempt: int
    time: str  # UTC, ISO 8601


def record_path(folder: str | Path) -> Path:
    """The cohort's record of complete plays."""
    return Path(folder) / RECORD


def _parse_line(line: str) -> Attempt | None:
    try:
        data = json.loads(line)
        attempt = Attempt(**{key: data[key] for key in ("learner", "scenario", "letters", "attempt", "time")})
    except (ValueError, TypeError, KeyError):
        return None
    if not all(isinstance(getattr(attempt, k), str) for k in ("learner", "scenario", "letters", "time")):
        return None
    if isinstance(attempt.attempt, bool) or not isinstance(attempt.attempt, int) or attempt.attempt < 1:
        return None
    return attempt


def attempts(folder: str | Path) -> tuple[list[Attempt], int]:
    """Every recorded play of a cohort, in the order played, and the number of unreadable lines."""
    path = record_path(folder)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return [], 0
    except (OSError, UnicodeDecodeError) as error:
        raise EvidenceError(f"{path}: cannot read the role-play record ({error})") from None
    parsed = [_parse_line(line) for line in lines if line.strip()]
    return [a for a in parsed if a is not None], sum(a is None for a in parsed)


def record(folder: str | Path, learner: str, scenario_id: str, letters: str,
           now: datetime | None = None) -> tuple[Attempt, Attempt]:
    """Append a complete play to the cohort's record; return it and the learner's first play
    of the same role-play (the same one when this is attempt 1).

    The attempt number is counted and the line written while holding an exclusive lock on the
    record, so concurrent pages (processes) never give two plays the same number.
    """
    path = record_path(folder)
    time = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "r+b", buffering=0) as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
            text = handle.read().decode("utf-8", errors="replace")
            earlier = [a for a in map(_parse_line, text.splitlines())
                       if a is not None and a.learner == learner and a.scenario == scenario_id]
            this = Attempt(learner, scenario_id, letters,
                           max((a.attempt for a in earlier), default=0) + 1, time)
            line = json.dumps(asdict(this), ensure_ascii=False) + "\n"
            if text and not text.endswith("\n"):  # a line cut short (a crash): keep ours whole
                line = "\n" + line
            handle.write(line.encode("utf-8"))
            os.fsync(handle.fileno())
    except OSError as error:
        raise EvidenceError(f"{path}: cannot record the play ({error.strerror})") from None
    first = min(earlier, key=lambda a: a.attempt) if earlier else this
    return this, first


# --- what a learner is told at the end of a play ------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What the end of a play means as evidence, for one cohort (or none: practice).

    ``kind`` is ``graded`` (attempt 1: ``code`` is the graded code), ``practice-again`` (a later
    attempt: ``code`` is still attempt 1's graded code), ``practice`` (no cohort, no key:
    ``code`` is the practice code) or ``error`` (the play could not be recorded: ``code`` is
    the practice code and ``problem`` says why).
    """

    kind: str
    code: str
    attempt: int | None = None
    cohort: str | None = None
    problem: str | None = None


def practice_outcome(scenario_id: str, letters: str) -> Outcome:
    """The outcome of a play where nothing is recorded."""
    return Outcome("practice", pathcodes.practice(scenario_id, letters))


def record_play(learner: str | None, scenario_id: str, letters: str,
                root: str | Path | None = None) -> list[Outcome]:
    """Record a complete play of ``learner`` in each cohort whose roster lists them; one outcome
    per cohort, or a single practice outcome when the learner is unknown or on no roster."""
    cohorts = learner_cohorts(learner, root) if learner else []
    if not learner or not cohorts:
        return [practice_outcome(scenario_id, letters)]
    outcomes = []
    for folder in cohorts:
        try:
            key = roleplay_key(folder)
            this, first = record(folder, learner, scenario_id, letters)
        except EvidenceError as error:
            outcomes.append(Outcome("error", pathcodes.practice(scenario_id, letters),
                                    cohort=folder.name, problem=str(error)))
            continue
        code = pathcodes.sign(key, learner, scenario_id, first.letters, first.attempt)
        outcomes.append(Outcome("graded" if this.attempt == 1 else "practice-again", code,
                                this.attempt, folder.name))
    return outcomes
