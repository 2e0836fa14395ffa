"""The reporting core: a cohort's completion as plain data, for ``course report`` and the dashboard.

`cohort_report` reads everything once: the cohort's policy (`servicecourse.policy`), its roster
(`servicecourse.cohort.roster`), nbgrader's gradebook and the grading status autograde leaves in
``grading/status.json``, and gives one row per learner and module. The functions after it
(teams, overdue, counts, summary, CSV) are plain functions of those rows, so the command line
and the dashboard can never count differently.

Statuses follow the usual LMS completion states: ``not started`` (nothing handed in),
``submitted`` (handed in, not graded yet), ``needs manual grading`` (autograded, reflections
waiting for the trainer), ``passed`` and ``failed`` (against the pass mark). A hand-in that
autograde could not grade is ``failed``, with the reason in the row's note, never
``submitted``. A module is overdue when it is not started or failed after its due date (the
learner's start date plus the module's days in the policy).
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from servicecourse.charts import figure_png, status_figure
from servicecourse.cohort import roster
from servicecourse.policy import Policy, PolicyWarning, check_pass_mark, cohort_policy
from servicecourse.reporting.spreadsheet import csv_text, write_csv

STATUSES = ("not started", "submitted", "needs manual grading", "failed", "passed")
NO_TEAM = "(no team)"
BLANK = "(blank)"  # an empty value of a roster column, as a group
STATUS_FILE = Path("grading") / "status.json"
FIELDS = ("learner", "name", "module", "score", "max_score", "status", "team", "due", "overdue",
          "note")


class ReportError(RuntimeError):
    """A cohort's grading data cannot be read; the message names what and why."""


class GradebookError(ReportError):
    """The cohort's gradebook cannot be opened or read."""


class GradingStatusError(ReportError):
    """``grading/status.json`` is not what autograde writes."""


@dataclass(frozen=True)
class Row:
    """One learner's result on one module; ``extra`` holds the learner's other roster columns."""

    learner: str
    name: str
    module: str
    score: float
    max_score: float
    status: str
    team: str = ""
    due: str = ""  # ISO date, from the learner's start date and the policy; empty if unknown
    overdue: bool = False
    note: str = ""  # why a hand-in failed to grade, or was flagged
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class CohortReport:
    """Everything known about a cohort's completion on ``today``.

    ``pass_mark`` is the one applied (the policy's unless a report asked for another);
    ``columns`` are the roster's extra columns; ``notes`` what a reader must be told (a policy
    fallback, the roster's doubts); ``roster_problems`` the roster lines left out.
    """

    folder: Path
    policy: Policy
    pass_mark: float
    today: date
    rows: list[Row]
    learners: dict[str, roster.Learner]
    columns: list[str]
    notes: list[str]
    roster_problems: list[str]


# --- reading a cohort ---------------------------------------------------------------------------

def grading_status(folder: str | Path) -> dict[tuple[str, str], dict]:
    """Autograde's last word on each hand-in, by (learner, module); empty when there is none."""
    path = Path(folder) / STATUS_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GradingStatusError(f"{path}: cannot be read ({error})") from None
    if not isinstance(data, dict):
        raise GradingStatusError(f"{path}: expected an object of 'learner/module' keys")
    found = {}
    for key, entry in data.items():
        learner, _, module = key.rpartition("/")
        if learner and isinstance(entry, dict) and entry.get("status") in ("failed", "graded", "flagged"):
            reasons = entry.get("reasons")
            found[(learner, module)] = {"status": entry["status"],
                                        "reasons": [str(r) for r in reasons] if isinstance(reasons, list) else []}
    return found


def _status(submission, max_score: float, pass_mark: float) -> str:
    if submission.needs_manual_grade:
        return "needs manual grading"
    return "passed" if max_score and submission.score >= pass_mark * max_score else "failed"


def _gradebook_rows(folder: Path, pass_mark: float) -> list[Row]:
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SQLAlchemyError

    from servicecourse import cohort

    url = cohort.db_url(folder)
    rows = []
    try:
        with Gradebook(url) as gradebook:
            modules = sorted(gradebook.assignments, key=lambda a: a.name)
            for student in sorted(gradebook.students, key=lambda s: s.id):
                name = " ".join(filter(None, (student.first_name, student.last_name)))
                for module in modules:
                    max_score = float(module.max_score)
                    try:
                        submission = gradebook.find_submission(module.name, student.id)
                    except MissingEntry:
                        handed_in = (folder / "submitted" / student.id / module.name).is_dir()
                        rows.append(Row(student.id, name, module.name, 0.0, max_score,
                                        "submitted" if handed_in else "not started"))
                        continue
                    rows.append(Row(student.id, name, module.name, float(submission.score),
                                    max_score, _status(submission, max_score, pass_mark)))
    except SQLAlchemyError as error:
        first_line = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise GradebookError(f"cannot read the gradebook of cohort {folder.name}: {first_line}") from None
    return rows


def _with_grading(row: Row, status: dict | None) -> Row:
    if status is None or status["status"] == "graded":
        return row
    reasons = "; ".join(status["reasons"]) or "no reason recorded"
    if status["status"] == "failed":
        return replace(row, score=0.0, status="failed", note=f"could not be graded: {reasons}")
    return replace(row, note=f"flagged for the trainer: {reasons}")


def _with_schedule(row: Row, learner: roster.Learner | None, policy: Policy, today: date) -> Row:
    if learner is None:
        return row
    due = (learner.start_date + timedelta(days=policy.due_days.get(row.module, 0))
           if learner.start_date else None)
    late = bool(due and today > due and row.status in {"not started", "failed"})
    return replace(row, team=learner.team, due=due.isoformat() if due else "", overdue=late,
                   extra=learner.extra)


def _read_roster(folder: Path) -> roster.Roster:
    path = folder / roster.ROSTER_NAME
    if not path.exists():
        return roster.Roster(path)
    try:
        return roster.read(path)
    except roster.RosterError as error:  # the grades still count: report them without it
        return roster.Roster(path, problems=[f"{error} (no team, start date or other column is "
                                             + "shown until it is fixed)"])


def cohort_report(folder: str | Path, pass_mark: float | None = None,
                  today: date | None = None) -> CohortReport:
    """Read a cohort's completion: every learner x module with status, team, due date, overdue.

    ``pass_mark`` overrides the cohort's policy for this report only. Raises
    `servicecourse.cohort.CohortError` (not a cohort), `servicecourse.policy.PolicyError`
    (bad ``course.yml``) or `ReportError` (gradebook or grading status unreadable); a bad
    roster is not raised but reported in ``roster_problems``.
    """
    folder = Path(folder)
    today = today or date.today()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PolicyWarning)  # told in the report's notes instead
        policy = cohort_policy(folder)
    applied = policy.pass_mark if pass_mark is None else check_pass_mark(pass_mark)
    people = _read_roster(folder)
    learners = people.by_id()
    status = grading_status(folder)
    rows = [_with_schedule(_with_grading(row, status.get((row.learner, row.module))),
                           learners.get(row.learner), policy, today)
            for row in _gradebook_rows(folder, applied)]
    rows.sort(key=lambda r: (r.learner, *policy.rank(r.module)))
    notes = [policy.note] if policy.note else []
    return CohortReport(folder, policy, applied, today, rows, learners, people.columns,
                        notes + people.warnings, people.problems)


def completion(folder: str | Path, pass_mark: float | None = None,
               today: date | None = None) -> list[Row]:
    """The rows of `cohort_report` (the cohort's pass mark unless ``pass_mark`` is given)."""
    return cohort_report(folder, pass_mark, today).rows


def __getattr__(name: str):
    if name == "PASS_MARK":  # older callers: the course's pass mark, read from its policy
        from servicecourse.policy import course_policy

        return course_policy().pass_mark
    raise AttributeError(name)


# --- plain functions of the rows ----------------------------------------------------------------

def team_of(row: Row) -> str:
    """The team of a row's learner (from the roster), or ``"(no team)"``."""
    return row.team or NO_TEAM


def value_of(row: Row, column: str) -> str:
    """The learner's value in a roster column (``team`` or an extra one), or a group name for none."""
    if column == "team":
        return team_of(row)
    return row.extra.get(column) or BLANK


def groups(rows: list[Row], column: str = "team") -> list[str]:
    """The values of ``column`` among ``rows``, sorted, the group of blanks last."""
    return sorted({value_of(row, column) for row in rows}, key=lambda v: (v in (NO_TEAM, BLANK), v))


def teams(rows: list[Row]) -> list[str]:
    """The teams of the learners in ``rows``, sorted, with ``"(no team)"`` last."""
    return groups(rows, "team")


def select(rows: list[Row], where: dict[str, str | None] | None = None) -> list[Row]:
    """The rows whose learner has each given value (``{"team": "Billing", "Manager": ...}``;
    a None value selects all)."""
    wanted = {column: value for column, value in (where or {}).items() if value is not None}
    return [row for row in rows if all(value_of(row, c) == v for c, v in wanted.items())]


def rows_by_team(rows: list[Row]) -> dict[str, list[Row]]:
    """The rows grouped by team (teams ordered as in `teams`), rows in their order."""
    return {team: select(rows, {"team": team}) for team in teams(rows)}


def team_totals(rows: list[Row]) -> dict[str, Counter]:
    """Per team (as in `teams`), how many learner-module pairs are in each status, and ``overdue``."""
    totals: dict[str, Counter] = {team: Counter() for team in teams(rows)}
    for row in rows:
        totals[team_of(row)][row.status] += 1
        totals[team_of(row)]["overdue"] += row.overdue
    return totals


def module_counts(rows: list[Row], policy: Policy) -> dict[str, Counter]:
    """Per module (course order), how many learners are in each status."""
    counts: dict[str, Counter] = {m: Counter() for m in policy.order(r.module for r in rows)}
    for row in rows:
        counts[row.module][row.status] += 1
    return counts


@dataclass(frozen=True)
class Overdue:
    """A module a learner has not done although its due date is past."""

    learner: str
    name: str
    team: str
    module: str
    status: str
    due: date
    days_late: int


def overdue(rows: list[Row], today: date) -> list[Overdue]:
    """The overdue rows, with how many days late they are on ``today``: longest delay first,
    then by learner and module. Learners without a start date are never overdue."""
    late = [Overdue(row.learner, row.name, team_of(row), row.module, row.status,
                    date.fromisoformat(row.due), (today - date.fromisoformat(row.due)).days)
            for row in rows if row.overdue and row.due]
    return sorted(late, key=lambda o: (-o.days_late, o.learner, o.module))


def overdue_by_learner(late: list[Overdue]) -> list[list[Overdue]]:
    """The overdue modules grouped per learner, in the order of `overdue` (worst first)."""
    grouped: dict[str, list[Overdue]] = {}
    for entry in late:
        grouped.setdefault(entry.learner, []).append(entry)
    return list(grouped.values())


@dataclass(frozen=True)
class Summary:
    """Headline figures of some rows."""

    learners: int
    modules: int
    results: int
    passed: int
    done: int  # learners who passed every module
    waiting: int  # results waiting for manual grading
    overdue_learners: int


def summary(rows: list[Row], late: list[Overdue]) -> Summary:
    """The headline figures of ``rows`` (and of their overdue list ``late``)."""
    learners = {row.learner for row in rows}
    status = Counter(row.status for row in rows)
    done = sum(all(r.status == "passed" for r in rows if r.learner == learner) for learner in learners)
    return Summary(len(learners), len({row.module for row in rows}), len(rows), status["passed"],
                   done, status["needs manual grading"], len({o.learner for o in late}))


# --- files --------------------------------------------------------------------------------------

def csv_header(columns: list[str]) -> list[str]:
    """The completion CSV's header: the row fields, then the roster's extra ``columns`` (one
    that repeats a field's name is marked as the roster's)."""
    return [*FIELDS, *(f"{c} (roster)" if c.casefold() in FIELDS else c for c in columns)]


def csv_rows(rows: list[Row], columns: list[str]) -> list[list]:
    """The rows as CSV values, in the order of `csv_header`."""
    return [[row.learner, row.name, row.module, row.score, row.max_score, row.status, row.team,
             row.due, row.overdue, row.note, *(row.extra.get(c, "") for c in columns)]
            for row in rows]


def completion_csv(rows: list[Row], columns: list[str]) -> str:
    """The completion table as CSV text, as ``course report`` writes it (the dashboard's download)."""
    return csv_text(csv_header(columns), csv_rows(rows, columns))


def write_files(report: CohortReport, out_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``completion.csv``, ``completion.png`` and ``teams.csv`` (default folder:
    COHORT/reports); return the paths of the first two."""
    out_dir = Path(out_dir) if out_dir else report.folder / "reports"
    csv_path = write_csv(out_dir / "completion.csv", csv_header(report.columns),
                         csv_rows(report.rows, report.columns))
    png_path = out_dir / "completion.png"
    title = f"Completion by module (cohort {report.folder.name})"
    png_path.write_bytes(figure_png(status_figure(module_counts(report.rows, report.policy),
                                                  title, "learners")))
    write_csv(out_dir / "teams.csv", ["team", *STATUSES, "overdue"],
              [[team, *(c[s] for s in STATUSES), c["overdue"]]
               for team, c in team_totals(report.rows).items()])
    return csv_path, png_path


def write_report(folder: str | Path, out_dir: str | Path | None = None,
                 pass_mark: float | None = None) -> tuple[Path, Path, list[Row]]:
    """Read a cohort and write its report files; return the CSV and chart paths and the rows."""
    report = cohort_report(folder, pass_mark)
    return (*write_files(report, out_dir), report.rows)
