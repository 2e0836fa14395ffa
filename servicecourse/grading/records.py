"""Writing a graded hand-in into the cohort's gradebook without losing what a trainer entered.

nbgrader's autograde marks every cell a trainer already graded as needing manual grading again
(it cannot know whether the answer changed), and grading into a private copy of the gradebook
would bring back stale manual fields. So only *automatic* fields are copied from a worker's
gradebook; manual scores and comments stay as the trainer left them, and a manual grade still
counts (not "needs manual grading") wherever the answer it graded is unchanged.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry

from servicecourse.grading.answers import CleanScore, answer_names
from servicecourse.grading.cells import grade_id, is_answer, is_test, strip_markers
from servicecourse.grading.status import cell_hash


@dataclass(frozen=True)
class Manual:
    """What a trainer entered for one graded cell or comment."""

    manual_score: float | None
    extra_credit: float | None
    needs_manual_grade: bool
    manual_comment: str | None = None


def answer_hashes(notebook) -> dict[str, str]:
    """A hash of every answer cell's source (code answers and reflections), by grade id."""
    return {cell_id: cell_hash(cell.source) for cell in notebook.cells
            if is_answer(cell) and (cell_id := grade_id(cell))}


def graded_answers(source_notebook) -> dict[str, set[str]]:
    """For each graded cell, the answer cells its grade depends on (a test: those it reads)."""
    by_name: dict[str, str] = {}
    for cell in source_notebook.cells:
        if cell.cell_type == "code" and is_answer(cell):
            for name in answer_names(cell.source):
                by_name[name] = grade_id(cell) or ""
    depends: dict[str, set[str]] = {}
    for cell in source_notebook.cells:
        cell_id = grade_id(cell)
        if not cell_id:
            continue
        if is_answer(cell):
            depends[cell_id] = {cell_id}
        elif is_test(cell):
            try:
                names = {n.id for n in ast.walk(ast.parse(strip_markers(cell.source)))
                         if isinstance(n, ast.Name)}
            except SyntaxError:
                names = set(by_name)
            depends[cell_id] = {by_name[n] for n in names if n in by_name}
    return depends


def snapshot(gradebook: Gradebook, module: str, learner: str) -> dict[str, Manual]:
    """The trainer's entries for a submission, by grade or comment name (empty if none)."""
    try:
        submission = gradebook.find_submission(module, learner)
    except MissingEntry:
        return {}
    entries: dict[str, Manual] = {}
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            entries[f"grade:{grade.name}"] = Manual(grade.manual_score, grade.extra_credit,
                                                     bool(grade.needs_manual_grade))
        for comment in notebook.comments:
            entries[f"comment:{comment.name}"] = Manual(None, None, False, comment.manual_comment)
    return entries


def merge_automatic(source: Gradebook, target: Gradebook, module: str, learner: str) -> None:
    """Copy the automatic part of one graded submission from a worker's gradebook."""
    submitted = source.find_submission(module, learner)
    target.update_or_create_submission(module, learner, timestamp=submitted.timestamp)
    for notebook in submitted.notebooks:
        copy = target.find_submission_notebook(notebook.name, module, learner)
        copy.flagged = notebook.flagged
        copy.late_submission_penalty = notebook.late_submission_penalty
        for grade in notebook.grades:
            other = target.find_grade(grade.name, notebook.name, module, learner)
            other.auto_score = grade.auto_score
            other.needs_manual_grade = other.manual_score is not None or grade.auto_score is None
        for comment in notebook.comments:
            other = target.find_comment(comment.name, notebook.name, module, learner)
            other.auto_comment = comment.auto_comment
    target.db.commit()


def keep_manual(gradebook: Gradebook, module: str, learner: str, before: dict[str, Manual],
                unchanged: set[str], depends: dict[str, set[str]]) -> list[str]:
    """Put back the trainer's grades and comments wherever the answer graded is unchanged.

    ``unchanged`` holds the grade ids of answer cells whose source is the same as when they were
    last graded. Returns the names of the grades kept.
    """
    kept = []
    submission = gradebook.find_submission(module, learner)
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            entry = before.get(f"grade:{grade.name}")
            if entry and depends.get(grade.name, {grade.name}) <= unchanged:
                if entry.manual_score is not None or not entry.needs_manual_grade:
                    grade.manual_score, grade.extra_credit = entry.manual_score, entry.extra_credit
                    grade.needs_manual_grade = entry.needs_manual_grade
                    if entry.manual_score is not None:
                        kept.append(grade.name)
        for comment in notebook.comments:
            entry = before.get(f"comment:{comment.name}")
            if entry and entry.manual_comment and comment.name in unchanged:
                comment.manual_comment = entry.manual_comment
    gradebook.db.commit()
    return kept


def record_clean_scores(gradebook: Gradebook, module: str, learner: str,
                        clean: dict[str, CleanScore]) -> list[str]:
    """Make the answers-as-data scores the recorded ones; a reason for each disagreement."""
    reasons = []
    submission = gradebook.find_submission(module, learner)
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            score = clean.get(grade.name)
            if score is None or grade.auto_score is None:
                continue
            if abs(float(grade.auto_score) - score.points) > 1e-9:
                reasons.append(f"'{grade.name}': the notebook's own run scored {float(grade.auto_score):g} "
                               f"of {score.max_points:g}, its answers read as data score "
                               f"{score.points:g}; {score.points:g} is recorded")
                grade.auto_score = score.points
    gradebook.db.commit()
    return reasons
