"""Make learner submissions from the release: answered with the instructor's solutions or not.

Used by the demo cohort, the tests and the benchmarks, so that every synthetic submission is a
real notebook a learner could have handed in.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

_MARKER = re.compile(r"^\s*###? (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")
_SOLUTION = re.compile(r"^\s*###? BEGIN SOLUTION\s*$(.*?)^\s*###? END SOLUTION\s*$", re.M | re.S)


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solution_answers(source_notebook: str | Path) -> dict[str, str]:
    """The instructor's answer for each solution cell, by grade id, markers removed."""
    answers = {}
    for cell in nbformat.read(source_notebook, as_version=4).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("solution"):
            continue
        source = cell.source
        if cell.cell_type == "code" and _SOLUTION.search(source):
            # The learner keeps the scaffold line and replaces it with the solution's lines.
            source = "\n".join(m.group(1).strip("\n") for m in _SOLUTION.finditer(source))
        answers[meta["grade_id"]] = "\n".join(
            line for line in source.splitlines() if not _MARKER.match(line))
    return answers


def answer(release_notebook: str | Path, answers: dict[str, str]):
    """A copy of the release notebook with the given cells (by grade id) answered."""
    notebook = nbformat.read(release_notebook, as_version=4)
    for cell in notebook.cells:
        if _grade_id(cell) in answers:
            cell.source = answers[_grade_id(cell)]
    return notebook


def solution_lines(notebook_path: str | Path, min_length: int = 12) -> set[str]:
    """Lines inside solution and hidden-test regions (and model answers) that only they contain.

    The leak test searches learner-facing files for these lines themselves, not only for the
    markers. Short lines and lines that also appear outside those regions are left out.
    """
    notebook = nbformat.read(notebook_path, as_version=4)
    secret, public = set(), set()
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution"):
            secret.update(line.strip() for line in cell.source.splitlines())
            continue
        inside = False
        for line in cell.source.splitlines():
            marker = _MARKER.match(line)
            if marker:
                inside = marker.group(1) == "BEGIN"
            elif inside:
                secret.add(line.strip())
            else:
                public.add(line.strip())
    return {line for line in secret - public if len(line) >= min_length}
