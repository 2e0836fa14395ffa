"""Autograde a whole cohort on every core, with nbgrader doing every grade, in a sandbox.

Each learner's notebook runs in nbgrader's own ``autograde``, its kernel in the course's sandbox
(`servicecourse.grading.sandbox`). Its answers are then also read as data and scored with the
module's tests from ``source/`` in the grader's own process (`servicecourse.grading.answers`);
wherever the two disagree, or an answer cell holds more than its answer, the hand-in is flagged
with the reason and the answers-as-data score is recorded.

Only new or changed hand-ins are graded (by a hash of their files), and those that could not be
graded last time (the cause may have been fixed since); ``force`` regrades them all.
Manual grades and comments are kept wherever the answer they graded is unchanged
(`servicecourse.grading.records`). nbgrader grades one submission at a time and SQLite takes
one writer at a time, so each worker process grades into a private copy of the gradebook and
the main process copies each result into the cohort's gradebook as soon as it is finished (with
PostgreSQL the workers write to it directly). A worker that dies is replaced; the hand-in it was
grading is tried once more, then failed with the reason; nothing stops the batch. One autograde
runs at a time per cohort.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from tqdm import tqdm

from servicecourse import cohort
from servicecourse.grading import records, sandbox, status
from servicecourse.grading.answers import score_hand_in
from servicecourse.grading.cells import grade_id, is_locked, is_test
from servicecourse.grading.sanitize import sanitize
from servicecourse.grading.screening import screen

_WORKER: dict = {}
OUTPUT_LIMIT = 1_000_000  # characters of output in one notebook worth a trainer's look
RETRIES = 1  # a hand-in whose worker died is tried this many more times


@dataclass
class Outcome:
    """What happened to one learner's submission of one module."""

    learner: str
    module: str
    status: str = "graded"  # graded, flagged (graded, with reasons), failed (not graded), unchanged
    reasons: list[str] = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None


def submissions(folder: Path) -> list[tuple[str, str]]:
    """Every (learner, module) with a folder in ``submitted/``."""
    root = folder / "submitted"
    return sorted((learner.name, module.name) for learner in root.iterdir() if learner.is_dir()
                  for module in learner.iterdir() if module.is_dir()) if root.is_dir() else []


def _sqlite_path(url: str) -> Path | None:
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def check_hidden_tests(folder: Path, db_url: str, releases: dict[str, Path]) -> None:
    """Refuse to grade when the gradebook's test cells are not those of the cohort's ``source/``.

    nbgrader runs the test cells it stored in the gradebook at release; the answers-as-data score
    runs those of ``source/``. They must be the same, or one of the two was changed since.
    """
    with Gradebook(db_url) as gradebook:
        for module, release in releases.items():
            source_path = folder / "source" / module / release.name
            if not source_path.exists():
                raise cohort.CohortError(f"{source_path}: missing; the cohort's source/ is incomplete")
            for cell in nbformat.read(source_path, as_version=4).cells:
                cell_id = grade_id(cell)
                if not cell_id or not (is_test(cell) or is_locked(cell)):
                    continue
                try:
                    stored = gradebook.find_source_cell(cell_id, release.stem, module).source
                except MissingEntry:
                    raise cohort.CohortError(
                        f"{module}: cell '{cell_id}' of source/ is not in the gradebook; "
                        f"run `course cohort release --cohort {folder}` again") from None
                if stored.strip() != cell.source.strip():
                    raise cohort.CohortError(
                        f"{module}: cell '{cell_id}' in the gradebook differs from {source_path}; "
                        f"the tests were changed after the release. Release the module again "
                        f"(`course cohort release`) if the change was meant; nothing was graded")


def _init_worker(folder: str, base_db: str | None, scratch: str, timeout: int | None,
                 use_sandbox: bool) -> None:
    """Per worker process: nbgrader's API on the cohort, with a private gradebook for SQLite."""
    config = cohort.config(folder)
    if base_db:
        private = Path(scratch) / f"gradebook-{os.getpid()}.db"
        shutil.copy(base_db, private)
        config.CourseDirectory.db_url = f"sqlite:///{private}"
    if timeout:
        config.Execute.timeout = timeout
    config.Execute.kernel_name = sandbox.KERNEL_NAME if use_sandbox else "python3"
    cohort.venv_tools_on_path()
    _WORKER.update(api=NbGraderAPI(config=config), db_url=config.CourseDirectory.db_url,
                   folder=Path(folder))


def _grading_identity(folder: Path, learner: str):
    """The context in which role-play codes are checked as this learner's (signed, attempt 1)."""
    try:
        from servicecourse.cohort import evidence
        from servicecourse.roleplay import pathcodes
    except ImportError:  # role-play evidence not installed in this checkout
        return contextlib.nullcontext()
    return pathcodes.graded_as(learner, evidence.roleplay_key(folder))


def _grade_one(learner: str, module: str) -> dict:
    """Run nbgrader's autograde on one hand-in, then score its answers as data."""
    folder: Path = _WORKER["folder"]
    result = _WORKER["api"].autograde(module, learner, force=True, create=True)
    done = {"learner": learner, "module": module, "ok": bool(result.get("success")),
            "reason": _failure_reason(result), "db": _WORKER["db_url"]}
    if not done["ok"]:
        return done
    release = cohort.released_notebooks(folder)[module]
    source = folder / "source" / module / release.name
    submitted = folder / "submitted" / learner / module / release.name
    with _grading_identity(folder, learner):
        answers, clean = score_hand_in(source, submitted)
    done["clean"] = clean
    done["extra"] = [f"answer '{cell_id}' holds more than its answer ({a.extra[0]})"
                     for cell_id, a in answers.items() if a.extra]
    done["extra"] += [f"test '{cell_id}': {score.problem}" for cell_id, score in clean.items() if score.problem]
    done["cells"] = records.answer_hashes(nbformat.read(submitted, as_version=4))
    done["depends"] = records.graded_answers(nbformat.read(source, as_version=4))
    return done


def _failure_reason(result: dict) -> str:
    if result.get("success"):
        return ""
    text = f"{result.get('error') or ''}\n{result.get('log') or ''}"
    for line in text.splitlines():
        if "sandbox: " in line and "kernel killed" in line:
            return line.split("sandbox: ", 1)[1].replace("; kernel killed", "")
    if "DeadKernelError" in text or "Kernel died" in text:
        return "the kernel died while running the notebook"
    if "CellTimeoutError" in text or "timed out" in text:
        return "a cell ran past the time limit"
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return f"nbgrader could not grade it: {lines[-1] if lines else 'no details'}"


def _output_flags(folder: Path, learner: str, module: str) -> list[str]:
    """Reasons to look at an autograded notebook: a cell stopped by the time limit, huge output."""
    flags = []
    for path in (folder / "autograded" / learner / module).glob("*.ipynb"):
        outputs = [o for cell in nbformat.read(path, as_version=4).cells for o in cell.get("outputs", [])]
        if any(o.get("ename") in {"CellTimeoutError", "TimeoutError"} or "timed out" in str(o.get("evalue", ""))
               for o in outputs):
            flags.append("a cell ran past the time limit and was stopped")
        size = sum(len(str(o.get("text", ""))) + len(str(o.get("data", ""))) for o in outputs)
        if size > OUTPUT_LIMIT:
            flags.append(f"the notebook printed {size / 1e6:.0f} MB of output")
    return flags


def _previous_cells(folder: Path, learner: str, module: str, record: status.Record | None) -> dict[str, str]:
    """The answer hashes of the hand-in as it was last graded (from the record, or nbgrader's copy)."""
    if record and record.cells:
        return record.cells
    for path in (folder / "autograded" / learner / module).glob("*.ipynb"):
        try:
            return records.answer_hashes(nbformat.read(path, as_version=4))
        except Exception:  # noqa: BLE001 - an unreadable old copy just means nothing is kept
            return {}
    return {}


class _Batch:
    """One autograde run: outcomes, the cohort's records, and the results as they arrive."""

    def __init__(self, folder: Path, db_url: str):
        self.folder, self.db_url = folder, db_url
        self.records = status.load(folder)
        self.outcomes: dict[tuple[str, str], Outcome] = {}
        self.before: dict[tuple[str, str], tuple[dict, dict[str, str]]] = {}

    def finish(self, key: tuple[str, str], outcome: Outcome, digest: str,
               cells: dict[str, str] | None = None) -> None:
        """Record an outcome now, so an interrupted run keeps it."""
        self.outcomes[key] = outcome
        self.records[f"{key[0]}/{key[1]}"] = status.Record(
            outcome.status, outcome.reasons, digest, cells or {},
            datetime.now(timezone.utc).isoformat(timespec="seconds"))
        status.save(self.folder, self.records)

    def record(self, done: dict, digest: str) -> None:
        """Put one finished hand-in into the cohort's gradebook and its outcome on record."""
        key = (done["learner"], done["module"])
        outcome = self.outcomes[key]
        if not done["ok"]:
            outcome.status = "failed"
            outcome.reasons.append(done["reason"])
            self._drop(key)
            self.finish(key, outcome, digest)
            return
        manual, old_cells = self.before[key]
        with Gradebook(self.db_url) as gradebook:
            if done["db"] != self.db_url:
                with Gradebook(done["db"]) as worker:
                    records.merge_automatic(worker, gradebook, key[1], key[0])
            outcome.reasons += done["extra"]
            outcome.reasons += records.record_clean_scores(gradebook, key[1], key[0], done["clean"])
            unchanged = {cell for cell, digest_ in done["cells"].items() if old_cells.get(cell) == digest_}
            records.keep_manual(gradebook, key[1], key[0], manual, unchanged, done["depends"])
            outcome.reasons += _output_flags(self.folder, *key)
            for path in (self.folder / "autograded" / key[0] / key[1]).glob("*.ipynb"):
                sanitize(path)  # formgrader shows it: no learner markup may run there
            submission = gradebook.find_submission(key[1], key[0])
            outcome.score, outcome.max_score = submission.score, submission.max_score
        outcome.status = "flagged" if outcome.reasons else "graded"
        self.finish(key, outcome, digest, cells=done["cells"])

    def _drop(self, key: tuple[str, str]) -> None:
        """Remove what nbgrader recorded of a submission it could not finish grading, so the
        report reads it as failed from the record rather than from half-written grades."""
        if _sqlite_path(self.db_url) is None:
            with Gradebook(self.db_url) as gradebook:
                with contextlib.suppress(MissingEntry):
                    gradebook.remove_submission(key[1], key[0])


def autograde_cohort(folder: str | Path, workers: int | None = None, timeout: int | None = None,
                     progress: bool = True, force: bool = False, use_sandbox: bool = True) -> list[Outcome]:
    """Autograde the new and changed submissions of a cohort in parallel; one Outcome each.

    ``use_sandbox=False`` exists for the benchmark that measures the sandbox's cost; nothing a
    trainer runs grades outside it.
    """
    folder = Path(folder).resolve()
    if use_sandbox:
        sandbox.check()
        sandbox.install_kernel_spec()
    with status.exclusive(folder):
        db_url = cohort.db_url(folder)
        releases = cohort.released_notebooks(folder)
        check_hidden_tests(folder, db_url, releases)
        batch = _Batch(folder, db_url)
        jobs: dict[tuple[str, str], str] = {}
        for learner, module in submissions(folder):
            key = (learner, module)
            digest = status.content_hash(folder / "submitted" / learner / module)
            previous = batch.records.get(f"{learner}/{module}")
            if not force and previous and previous.hash == digest and previous.status != "failed":
                batch.outcomes[key] = Outcome(learner, module, "unchanged", list(previous.reasons))
                continue
            outcome = batch.outcomes[key] = Outcome(learner, module)
            notebooks = sorted((folder / "submitted" / learner / module).glob("*.ipynb"))
            if module not in releases:
                outcome.reasons.append(f"'{module}' is not a released module of this cohort")
            elif not notebooks:
                outcome.reasons.append("no notebook was handed in")
            else:
                for path in notebooks:
                    found = screen(path, module, releases)
                    outcome.reasons += found.blocking + found.flags
                    if found.blocking:
                        outcome.status = "failed"
                if outcome.status != "failed":
                    jobs[key] = digest
                    continue
            outcome.status = "failed"
            batch.finish(key, outcome, digest)
        with Gradebook(db_url) as gradebook:
            known = {student.id for student in gradebook.students}
            for learner in sorted({learner for learner, _ in jobs} - known):
                gradebook.add_student(learner)
            for key in jobs:
                batch.before[key] = (records.snapshot(gradebook, key[1], key[0]),
                                     _previous_cells(folder, *key, batch.records.get("/".join(key))))
        _run_pool(batch, jobs, workers or os.cpu_count() or 1, timeout, use_sandbox, progress)
        with Gradebook(db_url) as gradebook:
            for key, outcome in batch.outcomes.items():
                if outcome.status == "unchanged":
                    with contextlib.suppress(MissingEntry):
                        submission = gradebook.find_submission(key[1], key[0])
                        outcome.score, outcome.max_score = submission.score, submission.max_score
    return [batch.outcomes[key] for key in sorted(batch.outcomes)]


def _run_pool(batch: _Batch, jobs: dict[tuple[str, str], str], workers: int, timeout: int | None,
              use_sandbox: bool, progress: bool) -> None:
    """Grade ``jobs`` with ``workers`` processes; a pool whose worker died is started again."""
    pending = deque(jobs)
    deaths: Counter = Counter()
    bar = tqdm(total=len(jobs), disable=not progress or not jobs, desc="autograding", unit="notebook")
    with tempfile.TemporaryDirectory(prefix="autograde-") as scratch:
        while pending:
            base = None
            live = _sqlite_path(batch.db_url)
            if live:
                base = Path(scratch) / "base.db"
                with sqlite3.connect(live) as source, sqlite3.connect(base) as copy:
                    source.backup(copy)
            running: dict = {}
            with ProcessPoolExecutor(max_workers=min(workers, len(pending)), initializer=_init_worker,
                                     initargs=(str(batch.folder), str(base) if base else None,
                                               scratch, timeout, use_sandbox)) as pool:
                broken = False
                while (pending and not broken) or running:
                    while pending and not broken and len(running) < workers:
                        key = pending.popleft()
                        running[pool.submit(_grade_one, *key)] = key
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        key = running.pop(future)
                        try:
                            done = future.result()
                        except BrokenProcessPool:
                            broken = True
                            deaths[key] += 1
                            if deaths[key] <= RETRIES:
                                pending.appendleft(key)
                                continue
                            done = {"learner": key[0], "module": key[1], "ok": False,
                                    "reason": "the grading worker died while grading this hand-in "
                                              f"({deaths[key]} times); run autograde again"}
                            batch.outcomes[key].reasons.append(done["reason"])
                            batch.outcomes[key].status = "failed"
                            batch.finish(key, batch.outcomes[key], jobs[key])
                            bar.update()
                            continue
                        except Exception as error:  # noqa: BLE001 - a grader bug fails one hand-in
                            done = {"learner": key[0], "module": key[1], "ok": False,
                                    "reason": f"the grader failed on this hand-in ({type(error).__name__}: {error})"}
                        batch.record(done, jobs[key])
                        bar.update()
    bar.close()
