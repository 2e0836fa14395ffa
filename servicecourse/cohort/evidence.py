"""The graded-play record: which cohort a learner plays for, its key, and every complete play.

A learner's role-plays count as evidence only when played in the course app on the server,
which knows who the visitor is (`servicecourse.apps.page_request.visitor`). Everything the app reads
or writes of a cohort is in the cohort's role-play folder, ``COHORT/roleplay/``, and nothing
else of the cohort (on the hub the app's account can read nothing else, deploy/hub_share.py):

- ``learners.txt``: the learner ids of the roster, one a line (learner id == user name),
  rewritten at every roster import (`prepare`); a cohort made before it existed falls back to
  the ids of its ``roster.csv``;
- ``key``: the cohort's role-play key (made on first use; a cohort made before keeps its
  ``COHORT/.roleplay-key``, moved here by `prepare`), which never leaves the server;
- ``attempts.jsonl``: every complete play (learner, scenario, letters, attempt number, UTC
  time), appended under a file lock, so that however many pages finish at once, a learner's
  first complete play of a role-play is attempt 1.

The files are made group-readable (the record group-writable) whatever the umask, and the
folder owner-only: on one machine nobody else enters it; on the hub deploy/setup-hub.sh opens
it to one group, the app's account's. The graded code of a play is signed with the key.

Anywhere else (the static site, a learner's own JupyterLab, a visitor on no roster) a play gets
a practice code: `practice_outcome`.
"""

from __future__ import annotations

import csv
import fcntl
import json
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from servicecourse.roleplay import pathcodes

FOLDER = "roleplay"
KEY_NAME = "key"
OLD_KEY_NAME = ".roleplay-key"  # at the top of cohorts made before the role-play folder
LEARNERS_NAME = "learners.txt"
RECORD_NAME = "attempts.jsonl"
KEY_MODE, LEARNERS_MODE, RECORD_MODE = 0o640, 0o640, 0o660
ROSTER_NAME = "roster.csv"  # as servicecourse.cohort.roster.ROSTER_NAME (not imported: see roster_ids)
COHORTS_ENV = "COURSE_COHORTS"
PRACTICE_NOTE = ("Plays here are practice: graded codes come from the course app, where your "
                 "first complete play of each role-play is recorded.")

_log = logging.getLogger(__name__)


class EvidenceError(OSError):
    """A cohort's key or record cannot be read or written (the message names the file)."""


def roleplay_folder(folder: str | Path) -> Path:
    """The cohort's role-play folder: all the course app reads or writes of the cohort."""
    return Path(folder) / FOLDER


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a file that must not exist yet, whole and with exactly ``mode`` (not the umask's)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), mode)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")


# --- cohorts and their learners -----------------------------------------------------------------

def cohorts_root() -> Path:
    """The folder holding the cohorts: ``$COURSE_COHORTS`` if set, else ``servicecourse.course.COHORTS``."""
    from servicecourse.course import COHORTS

    return Path(os.environ.get(COHORTS_ENV) or COHORTS)


def _roster_file_ids(path: Path) -> set[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",", ",;\t")
        except csv.Error:
            dialect = csv.excel
        return {(row.get("id") or "").strip() for row in csv.DictReader(handle, dialect=dialect)} - {""}


def roster_ids(folder: str | Path) -> set[str]:
    """The learner ids of a cohort's ``roster.csv`` (empty if it has none or it is unreadable).

    Only the ``id`` column of the file the course writes (`servicecourse.cohort.roster`) is read, with
    the csv module: importing the roster module would load nbgrader into every role-play kernel
    (87 MB and 3 s measured here) for one column.
    """
    try:
        return _roster_file_ids(Path(folder) / ROSTER_NAME)
    except (OSError, UnicodeDecodeError, csv.Error):
        return set()


def learner_ids(folder: str | Path) -> set[str]:
    """The learners the role-play app grades in a cohort: its role-play folder's ``learners.txt``,
    or, in a cohort made before that file existed, its roster's ids (empty if neither is readable)."""
    path = roleplay_folder(folder) / LEARNERS_NAME
    try:
        return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()} - {""}
    except (FileNotFoundError, NotADirectoryError):  # no such file: a cohort made before
        return roster_ids(folder)
    except (OSError, UnicodeDecodeError) as error:
        _log.warning("%s: cannot read the cohort's learners (%s); its plays are practice", path, error)
        return set()


def learner_cohorts(learner: str, root: str | Path | None = None) -> list[Path]:
    """The cohort folders under ``root`` that list ``learner`` (`learner_ids`), sorted by name."""
    root = Path(root) if root else cohorts_root()
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    return [folder for folder in folders if learner in learner_ids(folder)]


def write_learners(folder: str | Path, learners: Iterable[str]) -> Path:
    """Replace the cohort's ``learners.txt`` (ids only, sorted) in one step; return its path."""
    path = roleplay_folder(folder) / LEARNERS_NAME
    temporary = _temporary(path)
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        _write_new(temporary, "".join(f"{learner}\n" for learner in sorted(set(learners))).encode(),
                   LEARNERS_MODE)
        os.replace(temporary, path)
    except OSError as error:
        raise EvidenceError(f"{path}: cannot write the cohort's learners ({error.strerror})") from None
    finally:
        temporary.unlink(missing_ok=True)
    return path


def prepare(folder: str | Path, learners: Iterable[str] | None = None) -> Path:
    """Make the cohort's role-play folder complete and return it: the folder, the key (moved
    from the top of a cohort made before), the record, and ``learners.txt`` from ``learners``
    or else from ``roster.csv`` (left as it is when the cohort has no roster)."""
    folder = Path(folder)
    share = roleplay_folder(folder)
    try:
        share.mkdir(mode=0o700, exist_ok=True)
        old, key = folder / OLD_KEY_NAME, share / KEY_NAME
        if old.exists():
            try:
                os.link(old, key)
            except FileExistsError:
                pass  # this cohort's key is the one already in its role-play folder
            else:
                old.unlink()
                key.chmod(KEY_MODE)
        try:
            _write_new(share / RECORD_NAME, b"", RECORD_MODE)
        except FileExistsError:
            pass
    except OSError as error:
        raise EvidenceError(f"{share}: cannot lay out the role-play folder ({error})") from None
    roleplay_key(folder)
    if learners is None:
        try:
            learners = _roster_file_ids(folder / ROSTER_NAME)
        except FileNotFoundError:
            return share
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise EvidenceError(f"{folder / ROSTER_NAME}: cannot read the learner ids ({error})") from None
    write_learners(folder, learners)
    return share


# --- the key ------------------------------------------------------------------------------------

def key_path(folder: str | Path) -> Path:
    """Where the cohort's key is: in its role-play folder, or at the top of a cohort made
    before (until `prepare` moves it); the former when there is none yet."""
    key, old = roleplay_folder(folder) / KEY_NAME, Path(folder) / OLD_KEY_NAME
    return old if old.exists() and not key.exists() else key


def roleplay_key(folder: str | Path) -> bytes:
    """The cohort's role-play key, made (random, in the role-play folder) the first time it is
    asked for.

    Two processes asking at once get the same key: the file is written whole under another
    name, then linked into place, which only one of them can do.
    """
    path = roleplay_folder(folder) / KEY_NAME
    for existing in (path, Path(folder) / OLD_KEY_NAME):
        try:
            return _read_key(existing)
        except FileNotFoundError:
            pass
    temporary = _temporary(path)
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        _write_new(temporary, (secrets.token_hex(32) + "\n").encode("ascii"), KEY_MODE)
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
    return roleplay_folder(folder) / RECORD_NAME


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
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, RECORD_MODE)
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
