"""What autograde knows of each hand-in between runs, and the lock that keeps runs one at a time.

``COHORT/grading/status.json`` holds, per ``learner/module``: the hand-in's content hash, the
outcome (graded, flagged or failed) with its reasons, a hash per answer cell as it was graded
(so a regrade knows which manual grades still apply) and when it was graded. It is rewritten
atomically after every hand-in, so an interrupted run keeps what it finished. The completion
report reads it: a hand-in that could not be graded counts as failed, never as "submitted".
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

STATUS_NAME = "status.json"
LOCK_NAME = ".autograde.lock"


class GradingBusy(RuntimeError):
    """Another autograde holds the cohort's lock."""


@dataclass
class Record:
    """The last outcome of one learner's hand-in of one module."""

    status: str  # graded, flagged or failed
    reasons: list[str] = field(default_factory=list)
    hash: str = ""  # of the hand-in's files, as graded
    cells: dict[str, str] = field(default_factory=dict)  # grade id -> hash of the cell's source
    graded_at: str = ""


def folder(cohort: Path) -> Path:
    """The cohort's grading folder (created)."""
    path = Path(cohort) / "grading"
    path.mkdir(exist_ok=True)
    return path


def content_hash(submission: Path) -> str:
    """A hash of every file of a hand-in folder (names and bytes), timestamp.txt excepted."""
    digest = hashlib.sha256()
    for path in sorted(p for p in submission.rglob("*") if p.is_file() and p.name != "timestamp.txt"):
        digest.update(str(path.relative_to(submission)).encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def cell_hash(source: str) -> str:
    """A hash of one cell's source, its surrounding blank space ignored."""
    return hashlib.sha256(source.strip().encode()).hexdigest()[:16]


def load(cohort: Path) -> dict[str, Record]:
    """Every recorded outcome, by ``learner/module`` (empty when nothing was graded yet)."""
    path = Path(cohort) / "grading" / STATUS_NAME
    if not path.exists():
        return {}
    raw = json.loads(path.read_text())
    known = {f.name for f in fields(Record)}
    return {key: Record(**{k: v for k, v in value.items() if k in known}) for key, value in raw.items()}


def save(cohort: Path, records: dict[str, Record]) -> None:
    """Write every outcome at once: a new file renamed over the old, never half written."""
    path = folder(cohort) / STATUS_NAME
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps({key: asdict(records[key]) for key in sorted(records)}, indent=1))
    os.replace(partial, path)


@contextmanager
def exclusive(cohort: Path):
    """Hold the cohort's autograde lock; GradingBusy if another run holds it."""
    path = folder(cohort) / LOCK_NAME
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise GradingBusy(f"{cohort}: another autograde is running on this cohort ({holder}); "
                              f"wait for it to finish, then run this one again") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
