"""Autograde a whole cohort on every core, with nbgrader doing every grade.

nbgrader grades one submission at a time and SQLite takes one writer at a time. So each worker
process runs nbgrader's own ``autograde`` against a private copy of the gradebook, and the main
process then copies the resulting grades into the cohort's gradebook, one submission after the
other, through nbgrader's Gradebook API. With a server database (PostgreSQL) the workers write to
it directly. Submissions that cannot be graded (not a notebook, the wrong module) are reported
and skipped; a notebook that hangs or kills its kernel fails alone; nothing stops the batch.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from tqdm import tqdm

from servicecourse import cohort
from servicecourse.screening import screen

_WORKER: dict = {}


@dataclass
class Outcome:
    """What happened to one learner's submission of one module."""

    learner: str
    module: str
    status: str = "graded"  # graded, flagged (graded, with reasons) or failed (not graded)
    reasons: list[str] = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None


def submissions(folder: Path) -> list[tuple[str, str]]:
    """Every (learner, module) with a folder in ``submitted/``."""
    root = folder / "submitted"
    return sorted((learner.name, module.name) for learner in root.iterdir() if learner.is_dir()
                  for module in learner.iterdir() if module.is_dir()) if root.is_dir() else []


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:///")


def _sqlite_path(url: str) -> Path:
    return Path(url[len("sqlite:///"):])


def _init_worker(folder: str, base_db: str | None, scratch: str, timeout: int | None) -> None:
    """Per worker process: nbgrader's API on the cohort, with a private gradebook for SQLite."""
    config = cohort.config(folder)
    if base_db:
        private = Path(scratch) / f"gradebook-{os.getpid()}.db"
        shutil.copy(base_db, private)
        config.CourseDirectory.db_url = f"sqlite:///{private}"
    if timeout:
        config.Execute.timeout = timeout
    cohort.venv_tools_on_path()
    _WORKER["api"] = NbGraderAPI(config=config)
    _WORKER["db_url"] = config.CourseDirectory.db_url


def _grade_one(learner: str, module: str) -> tuple[str, str, bool, str, str]:
    result = _WORKER["api"].autograde(module, learner, force=True, create=True)
    return learner, module, bool(result.get("success")), _failure_reason(result), _WORKER["db_url"]


def _failure_reason(result: dict) -> str:
    if result.get("success"):
        return ""
    text = f"{result.get('error') or ''}\n{result.get('log') or ''}"
    if "DeadKernelError" in text or "Kernel died" in text:
        return "the kernel died while running the notebook"
    if "CellTimeoutError" in text or "timed out" in text:
        return "a cell ran past the time limit"
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return f"nbgrader could not grade it: {lines[-1] if lines else 'no details'}"


def copy_submission(source: Gradebook, target: Gradebook, module: str, learner: str) -> None:
    """Copy one graded submission (grades, comments, flags) from one gradebook to another."""
    submitted = source.find_submission(module, learner)
    target.update_or_create_submission(module, learner, timestamp=submitted.timestamp)
    for notebook in submitted.notebooks:
        copy = target.find_submission_notebook(notebook.name, module, learner)
        copy.flagged = notebook.flagged
        copy.late_submission_penalty = notebook.late_submission_penalty
        for grade in notebook.grades:
            other = target.find_grade(grade.name, notebook.name, module, learner)
            other.auto_score, other.manual_score = grade.auto_score, grade.manual_score
            other.extra_credit, other.needs_manual_grade = grade.extra_credit, grade.needs_manual_grade
        for comment in notebook.comments:
            other = target.find_comment(comment.name, notebook.name, module, learner)
            other.auto_comment, other.manual_comment = comment.auto_comment, comment.manual_comment
    target.db.commit()


OUTPUT_LIMIT = 1_000_000  # characters of output in one notebook worth a trainer's look


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


def autograde_cohort(folder: str | Path, workers: int | None = None, timeout: int | None = None,
                     progress: bool = True) -> list[Outcome]:
    """Autograde every submission of a cohort in parallel; return one Outcome per submission."""
    folder = Path(folder).resolve()
    db_url = cohort.db_url(folder)
    releases = cohort.released_notebooks(folder)
    outcomes, jobs = {}, []
    for learner, module in submissions(folder):
        outcome = outcomes[(learner, module)] = Outcome(learner, module)
        notebooks = sorted((folder / "submitted" / learner / module).glob("*.ipynb"))
        if module not in releases:
            outcome.reasons.append(f"'{module}' is not a released module of this cohort")
        elif not notebooks:
            outcome.reasons.append("no notebook was handed in")
        for path in notebooks if module in releases else []:
            found = screen(path, module, releases)
            outcome.reasons += found.blocking + found.flags
            if found.blocking:
                outcome.status = "failed"
        if outcome.status != "failed" and notebooks and module in releases:
            jobs.append((learner, module))
            outcome.status = "flagged" if outcome.reasons else "graded"
        else:
            outcome.status = "failed"
    with Gradebook(db_url) as gradebook:
        known = {student.id for student in gradebook.students}
        for learner in sorted({learner for learner, _ in jobs} - known):
            gradebook.add_student(learner)
    with tempfile.TemporaryDirectory(prefix="autograde-") as scratch:
        base = None
        if _is_sqlite(db_url):
            base = Path(scratch) / "base.db"
            with sqlite3.connect(_sqlite_path(db_url)) as live, sqlite3.connect(base) as copy:
                live.backup(copy)
        graded = []
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count(), initializer=_init_worker,
                                 initargs=(str(folder), str(base) if base else None, scratch, timeout)) as pool:
            futures = [pool.submit(_grade_one, learner, module) for learner, module in jobs]
            for future in tqdm(as_completed(futures), total=len(futures), disable=not progress,
                               desc="autograding", unit="notebook"):
                learner, module, ok, reason, worker_db = future.result()
                if ok:
                    graded.append((learner, module, worker_db))
                else:
                    outcomes[(learner, module)].status = "failed"
                    outcomes[(learner, module)].reasons.append(reason)
        if base:
            _merge_worker_gradebooks(db_url, graded)
        else:
            _drop_partial_submissions(db_url, [k for k, o in outcomes.items()
                                               if o.status == "failed" and k in set(jobs)])
    with Gradebook(db_url) as gradebook:
        for learner, module, _ in graded:
            outcome = outcomes[(learner, module)]
            flags = _output_flags(folder, learner, module)
            if flags:
                outcome.reasons += flags
                outcome.status = "flagged"
            try:
                submission = gradebook.find_submission(module, learner)
            except MissingEntry:
                outcome.status, outcome.reasons = "failed", outcome.reasons + ["no grades were recorded"]
                continue
            outcome.score, outcome.max_score = submission.score, submission.max_score
    return [outcomes[key] for key in sorted(outcomes)]


def _drop_partial_submissions(db_url: str, failed: list[tuple[str, str]]) -> None:
    """Remove what nbgrader recorded of submissions it could not finish grading (server databases),
    so they read as handed in but not graded, as they do with SQLite."""
    with Gradebook(db_url) as gradebook:
        for learner, module in failed:
            try:
                gradebook.remove_submission(module, learner)
            except MissingEntry:
                pass


def _merge_worker_gradebooks(db_url: str, graded: list[tuple[str, str, str]]) -> None:
    """Copy each graded submission from the worker gradebook that graded it into the cohort's."""
    with Gradebook(db_url) as target:
        for learner, module, worker_db in tqdm(graded, desc="recording grades", unit="notebook",
                                               disable=len(graded) < 20):
            with Gradebook(worker_db) as source:
                copy_submission(source, target, module, learner)
