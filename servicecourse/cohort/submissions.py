"""Make learner submissions from the release: answered with the instructor's solutions or not.

Used by the demo cohort, the tests and the benchmarks, so that every synthetic submission is a
real notebook a learner could have handed in.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from servicecourse.grading.cells import MARKER, grade_id, is_answer, nbgrader_meta

_SOLUTION = re.compile(r"^\s*###? BEGIN SOLUTION\s*$(.*?)^\s*###? END SOLUTION\s*$", re.M | re.S)


def solution_answers(source_notebook: str | Path) -> dict[str, str]:
    """The instructor's answer for each solution cell, by grade id, markers removed."""
    answers = {}
    for cell in nbformat.read(source_notebook, as_version=4).cells:
        meta = nbgrader_meta(cell)
        if not meta.get("solution"):
            continue
        source = cell.source
        if cell.cell_type == "code" and _SOLUTION.search(source):
            # The learner keeps the scaffold line and replaces it with the solution's lines.
            source = "\n".join(m.group(1).strip("\n") for m in _SOLUTION.finditer(source))
        answers[meta["grade_id"]] = "\n".join(
            line for line in source.splitlines() if not MARKER.match(line))
    return answers


def answer(release_notebook: str | Path, answers: dict[str, str]):
    """A copy of the release notebook with the given cells (by grade id) answered."""
    notebook = nbformat.read(release_notebook, as_version=4)
    for cell in notebook.cells:
        cell_id = grade_id(cell)
        if cell_id in answers:
            cell.source = answers[cell_id]
    return notebook


def solution_lines(notebook_path: str | Path, min_length: int = 12) -> set[str]:
    """Lines inside solution and hidden-test regions (and model answers) that only they contain.

    The leak test searches learner-facing files for these lines themselves, not only for the
    markers. Short lines and lines that also appear outside those regions are left out.
    """
    notebook = nbformat.read(notebook_path, as_version=4)
    secret: set[str] = set()
    public: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and is_answer(cell):
            secret.update(line.strip() for line in cell.source.splitlines())
            continue
        inside = False
        for line in cell.source.splitlines():
            marker = MARKER.match(line)
            if marker:
                inside = marker.group(1) == "BEGIN"
            elif inside:
                secret.add(line.strip())
            else:
                public.add(line.strip())
    return {line for line in secret - public if len(line) >= min_length}


def roleplay_items(source_notebook) -> dict[str, str]:
    """The answer cells that take a role-play code, with their role-play: {grade id: scenario id}.

    Read from the module's test cells: a call ``roleplay_points(<answer name>, "<scenario>", ...)``.
    """
    import ast

    from servicecourse.grading.answers import answer_names
    from servicecourse.grading.cells import strip_markers

    cells = nbformat.read(source_notebook, as_version=4).cells
    by_name = {name: grade_id(c) or "" for c in cells if is_answer(c) and c.cell_type == "code"
               for name in answer_names(c.source)}
    items: dict[str, str] = {}
    for cell in cells:
        if cell.cell_type != "code" or is_answer(cell):
            continue
        try:
            tree = ast.parse(strip_markers(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "roleplay_points"
                    and len(node.args) >= 2 and isinstance(node.args[0], ast.Name)
                    and isinstance(node.args[1], ast.Constant) and node.args[0].id in by_name):
                items[by_name[node.args[0].id]] = str(node.args[1].value)
    return items


def path_letters(scenario_id: str, outcome: str = "good") -> str:
    """The letters of a play of a role-play that ends with ``outcome`` (one found by the engine)."""
    from servicecourse.roleplay.pathcodes import letters_of
    from servicecourse.roleplay.scenario import load_by_id
    from servicecourse.roleplay.vectors import path_to

    return letters_of(path_to(load_by_id(scenario_id), outcome))


def honest_answers(folder: str | Path, module: str, learner: str) -> dict[str, str]:
    """What a learner who knows the answers hands in: the instructor's solutions, with each
    role-play item answered by a code the course app signed for this learner's first play."""
    from servicecourse.cohort import evidence
    from servicecourse.roleplay import pathcodes

    folder = Path(folder)
    source = next((folder / "source" / module).glob("*.ipynb"))
    answers = solution_answers(source)
    key = evidence.roleplay_key(folder)
    for cell_id, scenario_id in roleplay_items(source).items():
        name = answers[cell_id].split("=", 1)[0].strip()
        code = pathcodes.sign(key, learner, scenario_id, path_letters(scenario_id), 1)
        answers[cell_id] = f'{name} = "{code}"'
    return answers
