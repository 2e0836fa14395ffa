"""Screen a submitted notebook before grading it: can it be graded, and is anything suspicious?

Returns reasons a trainer can read. A *blocking* problem (not a notebook, the wrong module) means
the submission is not graded; a *flag* (an edited or deleted test cell, code reaching for the
gradebook or the hidden tests) is reported while the notebook is still graded by nbgrader, which
restores locked cells and deleted test cells from the gradebook before it runs anything.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat

# Code that reaches for the grading machinery rather than answering the question.
_SUSPICIOUS = re.compile(
    r"gradebook|\.db\b|sqlite|nbgrader\.api|HIDDEN TESTS|BEGIN SOLUTION|/source/|"
    r"\bsolutions/|autograded/|\bos\.walk\b|\bglob\b|\bsubprocess\b|__import__",
    re.IGNORECASE)


@dataclass
class Inspection:
    """What inspecting one submitted notebook found."""

    blocking: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _cells(notebook) -> dict[str, dict]:
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in notebook.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


@cache
def _release_cells(release_path: str) -> dict[str, dict]:
    return _cells(nbformat.read(release_path, as_version=4))


def module_of(notebook, releases: dict[str, Path]) -> str | None:
    """The module whose released notebook shares the most grade ids with ``notebook``."""
    ids = set(_cells(notebook))
    best = max(releases, key=lambda m: len(ids & set(_release_cells(str(releases[m])))), default=None)
    return best if best and ids & set(_release_cells(str(releases[best]))) else None


def screen(path: Path, module: str, releases: dict[str, Path]) -> Inspection:
    """Screen the submitted notebook ``path`` for ``module``; ``releases`` maps module -> released notebook."""
    found = Inspection()
    try:
        notebook = nbformat.read(path, as_version=4)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        found.blocking.append(f"{path.name} is not a valid notebook (not JSON: {error})")
        return found
    except Exception as error:  # nbformat raises several kinds on malformed notebooks
        found.blocking.append(f"{path.name} is not a valid notebook ({type(error).__name__}: {error})")
        return found
    belongs_to = module_of(notebook, releases)
    if belongs_to != module:
        found.blocking.append(
            f"{path.name} is the notebook of module '{belongs_to}', not '{module}'" if belongs_to
            else f"{path.name} has none of module '{module}''s cells: is it the right notebook?")
        return found
    released = _release_cells(str(releases[module]))
    submitted = _cells(notebook)
    for grade_id, cell in released.items():
        if cell.metadata["nbgrader"].get("locked"):
            if grade_id not in submitted:
                found.flags.append(f"cell '{grade_id}' was deleted (restored for grading)")
            elif submitted[grade_id].source.strip() != cell.source.strip():
                found.flags.append(f"locked cell '{grade_id}' was edited (the original was used)")
    for grade_id, cell in submitted.items():
        if cell.cell_type == "code" and grade_id in released and _SUSPICIOUS.search(cell.source) \
                and released[grade_id].metadata["nbgrader"].get("solution"):
            found.flags.append(f"answer '{grade_id}' has code that reaches for the grading files")
    return found
