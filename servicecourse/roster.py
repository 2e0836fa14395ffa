"""A cohort's roster: import a CSV of learners, report every bad row, keep the good ones.

The cohort keeps its roster in ``roster.csv`` (private, in the cohort folder) and mirrors the
learners into nbgrader's gradebook, so formgrader shows their names. Re-importing a file updates
learners by id and never duplicates them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

from nbgrader.api import Gradebook

from servicecourse import cohort

ROSTER_NAME = "roster.csv"
COLUMNS = ("id", "first_name", "last_name", "email", "team", "start_date")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Learner:
    """One row of the roster."""

    id: str
    first_name: str
    last_name: str
    email: str
    team: str
    start_date: date | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class RosterError(ValueError):
    """The roster file cannot be used at all (unreadable, or a required column is missing)."""


def _parse_row(row: dict, line: int, seen: dict[str, int]) -> tuple[Learner | None, list[str]]:
    problems = []
    values = {column: (row.get(column) or "").strip() for column in COLUMNS}
    for column in ("id", "first_name", "last_name", "email"):
        if not values[column]:
            problems.append(f"line {line}: '{column}' is empty")
    if values["id"] and not _ID.match(values["id"]):
        problems.append(f"line {line}: id '{values['id']}' may hold only letters, digits, '.', '_' and '-'")
    if values["id"] in seen:
        problems.append(f"line {line}: id '{values['id']}' is already on line {seen[values['id']]}")
    if values["email"] and not _EMAIL.match(values["email"]):
        problems.append(f"line {line}: email '{values['email']}' is not an email address")
    start = None
    if values["start_date"]:
        try:
            start = date.fromisoformat(values["start_date"])
        except ValueError:
            problems.append(f"line {line}: start_date '{values['start_date']}' is not a date like 2026-11-23")
    if problems:
        return None, problems
    seen[values["id"]] = line
    return Learner(**{**values, "start_date": start}), []


def read_csv(path: str | Path) -> tuple[list[Learner], list[str]]:
    """Parse a roster CSV: the good learners and a message for every bad row (with its line)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [column for column in COLUMNS if column not in header]
            if missing:
                raise RosterError(f"{path}: missing column(s) {', '.join(missing)}; "
                                  f"the header must name {', '.join(COLUMNS)}")
            reader.fieldnames = header
            learners, problems, seen = [], [], {}
            for row in reader:
                learner, row_problems = _parse_row(row, reader.line_num, seen)
                problems += [f"{path}: {p}" for p in row_problems]
                if learner:
                    learners.append(learner)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"{path}: cannot read the roster ({error})") from None
    return learners, problems


def load(folder: str | Path) -> dict[str, Learner]:
    """The roster stored in a cohort folder, by learner id (empty if none was imported)."""
    path = Path(folder) / ROSTER_NAME
    if not path.exists():
        return {}
    learners, _ = read_csv(path)
    return {learner.id: learner for learner in learners}


def import_csv(folder: str | Path, path: str | Path) -> tuple[list[Learner], list[str]]:
    """Merge a roster file into a cohort (update by id) and its gradebook; return (imported, problems)."""
    folder = Path(folder)
    learners, problems = read_csv(path)
    merged = load(folder) | {learner.id: learner for learner in learners}
    with (folder / ROSTER_NAME).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(Learner)])
        writer.writeheader()
        for learner in merged.values():
            row = asdict(learner)
            row["start_date"] = learner.start_date.isoformat() if learner.start_date else ""
            writer.writerow(row)
    with Gradebook(cohort.db_url(folder)) as gradebook:
        for learner in learners:
            gradebook.update_or_create_student(learner.id, first_name=learner.first_name,
                                               last_name=learner.last_name, email=learner.email)
    return learners, problems
