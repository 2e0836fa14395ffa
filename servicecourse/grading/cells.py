"""nbgrader's cell metadata, read safely: a hand-in's metadata is learner input like the rest.

nbgrader's own predicates (``nbgrader.utils.is_grade`` ...) assume the ``nbgrader`` entry is a
dict; in a tampered hand-in it may be anything. These never raise: metadata of the wrong shape
reads as no metadata, and `metadata_problems` says what was wrong so the hand-in can be refused.
"""

from __future__ import annotations

import re

# nbgrader's marker lines: ### BEGIN SOLUTION, ### END HIDDEN TESTS ...
MARKER = re.compile(r"^\s*###? (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")


def nbgrader_meta(cell) -> dict:
    """The cell's ``nbgrader`` metadata, or {} when it is missing or not a dict."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def grade_id(cell) -> str | None:
    """The cell's grade id, if it has a text one."""
    value = nbgrader_meta(cell).get("grade_id")
    return value if isinstance(value, str) and value else None


def is_answer(cell) -> bool:
    """A cell the learner writes in (nbgrader ``solution``)."""
    return nbgrader_meta(cell).get("solution") is True


def is_test(cell) -> bool:
    """An autograded test cell: a graded code cell that is not an answer."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and meta.get("grade") is True and not is_answer(cell)


def is_locked(cell) -> bool:
    """A cell nbgrader restores from the gradebook before grading."""
    return nbgrader_meta(cell).get("locked") is True


def strip_markers(source: str) -> str:
    """The source without nbgrader's BEGIN/END SOLUTION and HIDDEN TESTS marker lines."""
    return "\n".join(line for line in source.splitlines() if not MARKER.match(line))


def metadata_problems(notebook) -> list[str]:
    """What is wrong with the shape of a notebook's cells, as a trainer would read it."""
    problems = []
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return ["the notebook has no list of cells"]
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            problems.append(f"cell {number} is not a cell")
            continue
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict):
            problems.append(f"cell {number}: its metadata is not a dictionary")
        elif "nbgrader" in metadata and not isinstance(metadata["nbgrader"], dict):
            problems.append(f"cell {number}: its nbgrader metadata is not a dictionary")
        elif "nbgrader" in metadata:
            meta = metadata["nbgrader"]
            if "grade_id" in meta and not isinstance(meta["grade_id"], str):
                problems.append(f"cell {number}: its grade id is not text")
            if "points" in meta and (isinstance(meta["points"], bool)
                                     or not isinstance(meta["points"], (int, float))):
                problems.append(f"cell {number}: its points are not a number")
        if not isinstance(cell.get("source", ""), (str, list)):
            problems.append(f"cell {number}: its source is not text")
    return problems
