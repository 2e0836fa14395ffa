"""Screen a submitted notebook before grading it: can it be graded, and what should a trainer see?

Returns reasons a trainer can read. A *blocking* problem (not a notebook, metadata of the wrong
shape, the wrong module) means the submission is not graded; a *flag* (an edited or deleted
locked cell, a code cell the learner added) is reported while the notebook is still graded:
nbgrader restores locked cells and deleted test cells from the gradebook before it runs
anything. Screening is not the defence against cheating (no pattern can recognise every way to
write code): the sandbox and the answers read as data are (`servicecourse.grading`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat

from servicecourse.grading.cells import grade_id, is_locked, metadata_problems


@dataclass
class Inspection:
    """What inspecting one submitted notebook found."""

    blocking: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _cells(notebook) -> dict[str, dict]:
    cells: dict[str, dict] = {}
    for cell in notebook.cells:
        cell_id = grade_id(cell)
        if cell_id:
            cells.setdefault(cell_id, cell)
    return cells


@cache
def _release_cells(release_path: str) -> dict[str, dict]:
    return _cells(nbformat.read(release_path, as_version=4))


def _free_code_cells(notebook) -> int:
    """How many non-empty code cells nbgrader does not know (no grade id)."""
    return sum(1 for cell in notebook.cells
               if cell.cell_type == "code" and not grade_id(cell) and cell.source.strip())


def module_of(notebook, releases: dict[str, Path]) -> str | None:
    """The module whose released notebook shares the most grade ids with ``notebook``."""
    ids = set(_cells(notebook))
    best = max(releases, key=lambda m: len(ids & set(_release_cells(str(releases[m])))), default=None)
    return best if best and ids & set(_release_cells(str(releases[best]))) else None


def read_notebook(path: Path) -> tuple[object | None, str | None]:
    """The notebook at ``path``, or None and the reason it cannot be graded."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return None, f"{path.name} is not a valid notebook (not JSON: {error})"
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds on malformed files
        return None, f"{path.name} is not a valid notebook ({type(error).__name__}: {error})"
    problems = metadata_problems(notebook)
    if problems:
        return None, f"{path.name} has been tampered with or damaged: " + "; ".join(problems[:3])
    return notebook, None


def screen(path: Path, module: str, releases: dict[str, Path]) -> Inspection:
    """Screen the submitted notebook ``path`` for ``module``; ``releases`` maps module -> released notebook."""
    found = Inspection()
    notebook, problem = read_notebook(path)
    if notebook is None:
        found.blocking.append(problem or f"{path.name} cannot be read")
        return found
    belongs_to = module_of(notebook, releases)
    if belongs_to != module:
        found.blocking.append(
            f"{path.name} is the notebook of module '{belongs_to}', not '{module}'" if belongs_to
            else f"{path.name} has none of module '{module}''s cells: is it the right notebook?")
        return found
    released = _release_cells(str(releases[module]))
    submitted = _cells(notebook)
    for cell_id, cell in released.items():
        if is_locked(cell):
            if cell_id not in submitted:
                found.flags.append(f"cell '{cell_id}' was deleted (restored for grading)")
            elif str(submitted[cell_id].get("source", "")).strip() != str(cell.get("source", "")).strip():
                found.flags.append(f"locked cell '{cell_id}' was edited (the original was used)")
    added = _free_code_cells(notebook) - _free_code_cells(nbformat.read(releases[module], as_version=4))
    if added > 0:
        found.flags.append(f"{added} code cell{'s' if added > 1 else ''} added by the learner "
                           f"(the answers need none)")
    return found
