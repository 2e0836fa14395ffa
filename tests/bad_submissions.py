"""The corpus of bad submissions, built from the current release of the serve module.

Each case is a learner id and a function that writes what that learner handed in. Building the
cases from the release (instead of storing frozen copies) keeps the corpus valid as the module
changes, so every flag in the tests comes from the bad behaviour itself.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from servicecourse.submissions import answer, solution_answers


def _with_cell(release: Path, grade_id: str, source: str):
    return answer(release, {grade_id: source})


def _test_cell_edited(release: Path):
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "best_reply_correct":
            cell.source = "assert True  # nothing to see here"
    for cell in notebook.cells:  # and a wrong answer that the edited test would have let through
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "best_reply":
            cell.source = 'best_reply = "A"'
    return notebook


def _test_cell_deleted(release: Path):
    notebook = nbformat.read(release, as_version=4)
    notebook.cells = [c for c in notebook.cells
                      if c.metadata.get("nbgrader", {}).get("grade_id") != "classify_statements_correct"]
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "classify_statements":
            cell.source = ('classification = {"A": "spirit", "B": "spirit", "C": "spirit", '
                           '"D": "feedback", "E": "spirit", "F": "spirit"}')  # none right
    return notebook


CASES = {
    "loops-forever": lambda release, source: _with_cell(release, "best_reply", "while True:\n    pass"),
    "prints-50mb": lambda release, source: _with_cell(release, "best_reply",
                                                      'print("x" * 50_000_000)\nbest_reply = "B"'),
    "kills-kernel": lambda release, source: _with_cell(release, "classify_statements",
                                                       "import os\nos._exit(1)"),
    "edits-test-cell": lambda release, source: _test_cell_edited(release),
    "deletes-test-cell": lambda release, source: _test_cell_deleted(release),
    "reads-gradebook": lambda release, source: _with_cell(
        release, "best_reply",
        "import glob, sqlite3\nfound = glob.glob('/**/gradebook*.db', recursive=True)\n"
        "best_reply = 'B'"),
    "not-json": None,
    "wrong-module": None,
}


def write_corpus(submitted: Path, release: Path, source: Path, other_release: Path) -> list[str]:
    """Write every bad case as ``submitted/<case>/serve/<notebook>``; return the case ids."""
    for case, make in CASES.items():
        target = submitted / case / "serve" / release.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if case == "not-json":
            target.write_text('{"cells": [ this is not json')
        elif case == "wrong-module":
            target.write_bytes(other_release.read_bytes())
        else:
            nbformat.write(make(release, source), target)
    good = submitted / "good-learner" / "serve" / release.name
    good.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(answer(release, solution_answers(source)), good)
    return [*CASES, "good-learner"]
