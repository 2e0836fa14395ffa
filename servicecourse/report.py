"""Completion report for HR: one row per learner and module, read through nbgrader's Gradebook.

Statuses follow the usual LMS completion states: ``not started`` (nothing handed in),
``submitted`` (handed in, not graded yet), ``needs manual grading`` (autograded, reflections
waiting for the trainer), ``passed`` and ``failed`` (against the pass mark).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import astuple, dataclass, fields, replace
from datetime import date, timedelta
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from servicecourse import cohort, roster
from servicecourse.charts import figure_png, plt
from servicecourse.paths import course_order, course_rank, due_days

STATUSES = ("not started", "submitted", "needs manual grading", "failed", "passed")
STATUS_COLOURS = {"not started": "#9e9e9e", "submitted": "#64b5f6",
                  "needs manual grading": "#ffb300", "failed": "#c62828", "passed": "#2e7d32"}
PASS_MARK = 0.7


@dataclass(frozen=True)
class Row:
    """One learner's result on one module."""

    learner: str
    name: str
    module: str
    score: float
    max_score: float
    status: str
    team: str = ""
    due: str = ""  # ISO date, from the learner's start date and course.yml; empty if unknown
    overdue: bool = False


def _status(submission, max_score: float, pass_mark: float) -> str:
    if submission.needs_manual_grade:
        return "needs manual grading"
    return "passed" if max_score and submission.score >= pass_mark * max_score else "failed"


def _with_schedule(row: Row, learner: roster.Learner | None, today: date) -> Row:
    if learner is None:
        return row
    due = (learner.start_date + timedelta(days=due_days().get(row.module, 0))
           if learner.start_date else None)
    late = bool(due and today > due and row.status in {"not started", "failed"})
    return replace(row, team=learner.team, due=due.isoformat() if due else "", overdue=late)


def completion(course_dir: str | Path, pass_mark: float = PASS_MARK,
               today: date | None = None) -> list[Row]:
    """Every learner x module of a cohort, with score, status, team, due date and overdue flag."""
    course_dir = Path(course_dir)
    submitted = course_dir / "submitted"
    learners = roster.load(course_dir)
    today = today or date.today()
    rows = []
    with Gradebook(cohort.db_url(course_dir)) as gradebook:
        modules = sorted(gradebook.assignments, key=lambda a: a.name)
        for student in sorted(gradebook.students, key=lambda s: s.id):
            name = " ".join(filter(None, (student.first_name, student.last_name)))
            for module in modules:
                max_score = float(module.max_score)
                try:
                    submission = gradebook.find_submission(module.name, student.id)
                except MissingEntry:
                    handed_in = (submitted / student.id / module.name).is_dir()
                    rows.append(Row(student.id, name, module.name, 0.0, max_score,
                                    "submitted" if handed_in else "not started"))
                    continue
                rows.append(Row(student.id, name, module.name, float(submission.score), max_score,
                                _status(submission, max_score, pass_mark)))
    rows.sort(key=lambda r: (r.learner, *course_rank(r.module)))
    return [_with_schedule(row, learners.get(row.learner), today) for row in rows]


def team_totals(rows: list[Row]) -> dict[str, Counter]:
    """Per team, how many learner-module pairs are in each status (and how many are overdue)."""
    totals: dict[str, Counter] = {}
    for row in rows:
        counter = totals.setdefault(row.team or "(no team)", Counter())
        counter[row.status] += 1
        counter["overdue"] += row.overdue
    return dict(sorted(totals.items()))


def write_csv(rows: list[Row], path: str | Path) -> Path:
    """Write the rows as CSV with a header line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f.name for f in fields(Row)])
        writer.writerows(astuple(row) for row in rows)
    return path


def completion_figure(rows: list[Row], title: str = "Completion by module"):
    """A stacked bar chart: how many learners are in each status, per module."""
    modules = course_order(row.module for row in rows)[::-1]
    counts = Counter((row.module, row.status) for row in rows)
    fig, ax = plt.subplots(figsize=(8.5, 0.5 * len(modules) + 1.6), dpi=100)
    left = [0] * len(modules)
    for status in STATUSES:
        values = [counts[(module, status)] for module in modules]
        ax.barh(modules, values, left=left, color=STATUS_COLOURS[status], label=status)
        left = [a + b for a, b in zip(left, values)]
    ax.set_xlabel("learners")
    ax.set_title(title)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def write_report(course_dir: str | Path, out_dir: str | Path | None = None,
                 pass_mark: float = PASS_MARK) -> tuple[Path, Path, list[Row]]:
    """Write ``completion.csv``, ``completion.png`` and ``teams.csv`` for a cohort; return the first two and the rows."""
    out_dir = Path(out_dir) if out_dir else Path(course_dir) / "reports"
    rows = completion(course_dir, pass_mark)
    csv_path = write_csv(rows, out_dir / "completion.csv")
    png_path = out_dir / "completion.png"
    png_path.write_bytes(figure_png(completion_figure(rows)))
    with (out_dir / "teams.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["team", *STATUSES, "overdue"])
        for team, counts in team_totals(rows).items():
            writer.writerow([team, *(counts[s] for s in STATUSES), counts["overdue"]])
    return csv_path, png_path, rows
