"""Answers read as data: score a hand-in without running any of its code.

Every answer of the course's modules is a Python literal assigned to a name (``best_reply =
"B"``). So the grader can read each answer cell of the handed-in file with `ast`, take the
literal's value (`ast.literal_eval` builds only plain str, int, float, list, dict, tuple, set,
bool and None: never an object of the learner's making), and run the module's own test cells,
hidden tests included, from the cohort's ``source/`` notebook, with those values bound to the
answer names. No learner code runs, so nothing the learner's kernel did (objects equal to
anything, patched builtins, IPython hooks, a patched checks module, an early exit) can change
these scores. autograde compares them with nbgrader's run and records these where they differ.

A test cell scores as nbgrader scores it: an exception (a failed assert, a NotYet) is 0 points; a
last expression whose value is a number is partial credit; otherwise full points.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from servicecourse.grading.cells import grade_id, is_answer, is_test, nbgrader_meta, strip_markers


@dataclass
class Answer:
    """What one answer cell of a hand-in holds, read as data."""

    grade_id: str
    values: dict[str, object] = field(default_factory=dict)  # name -> literal value
    extra: list[str] = field(default_factory=list)  # what the cell holds besides its answer
    malformed: str | None = None  # why it could not be read (not Python)


@dataclass(frozen=True)
class CleanScore:
    """A test cell's points from the answers read as data."""

    grade_id: str
    points: float
    max_points: float
    problem: str | None = None  # why it scored 0 because of the course's own cells, if so


def answer_names(source: str) -> tuple[str, ...]:
    """The names an instructor's answer cell assigns (solution markers removed)."""
    try:
        tree = ast.parse(strip_markers(source))
    except SyntaxError:
        return ()
    names: list[str] = []
    for statement in tree.body:
        for target in _targets(statement):
            if target not in names:
                names.append(target)
    return tuple(names)


def _targets(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id]
    return []


def read_answer(cell_id: str, source: str, names: tuple[str, ...]) -> Answer:
    """Read an answer cell: the literal last assigned to each of ``names``, and anything more."""
    answer = Answer(cell_id)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as error:  # ValueError: a NUL byte in the source
        answer.malformed = f"line {getattr(error, 'lineno', '?')} is not valid Python"
        return answer
    for statement in tree.body:
        targets = _targets(statement)
        value = getattr(statement, "value", None)
        single = len(targets) == 1 and len(getattr(statement, "targets", [0])) == 1
        if single and targets[0] in names and value is not None:
            try:
                answer.values[targets[0]] = ast.literal_eval(value)
                continue
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                pass
        answer.extra.append(f"line {statement.lineno}: {ast.dump(statement)[:60]}")
    return answer


def read_answers(source_notebook, submitted_notebook) -> dict[str, Answer]:
    """Every answer cell of the module, read from the hand-in (a missing cell has no values)."""
    submitted: dict[str, list] = {}
    for cell in submitted_notebook.cells:
        given_id = grade_id(cell)
        if cell.get("cell_type") == "code" and given_id:
            submitted.setdefault(given_id, []).append(cell)
    answers = {}
    for cell in source_notebook.cells:
        cell_id = grade_id(cell)
        if cell.cell_type != "code" or not is_answer(cell) or not cell_id:
            continue
        names = answer_names(cell.source)
        given = submitted.get(cell_id, [])
        answer = read_answer(cell_id, given[0].source, names) if given else Answer(cell_id)
        if len(given) > 1:
            answer.extra.append(f"{len(given)} cells claim to be this answer (the first was read)")
        answers[cell_id] = answer
    return answers


def _run_cell(source: str, namespace: dict) -> object:
    """Execute a cell's code; return the value of its last line when that is an expression."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    assert last is None or isinstance(last, ast.Expr)
    exec(compile(tree, "<test cell>", "exec"), namespace)  # noqa: S102 (the course's own cells)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<test cell>", "eval"), namespace)  # noqa: S307


def _points(value: object, max_points: float) -> float:
    """nbgrader's reading of a test cell's last value: a number is partial credit."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return max_points
    return max_points if value < 0 else min(float(value), max_points)


def clean_scores(source_notebook, answers: dict[str, Answer]) -> dict[str, CleanScore]:
    """Run the module's own cells (``source/``) with the answers bound as data; score each test.

    Runs in the grader's process, which never runs learner code; prints of the checks are
    swallowed. A name whose answer cell is missing or unreadable is simply not bound, so its
    tests fail as they would for a learner who left it blank.
    """
    namespace: dict = {"__name__": "__grading__"}
    scores = {}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for cell in source_notebook.cells:
            if cell.cell_type != "code":
                continue
            meta, cell_id = nbgrader_meta(cell), grade_id(cell) or ""
            if is_answer(cell):
                answer = answers.get(cell_id)
                if answer:
                    namespace.update(answer.values)
                continue
            if not is_test(cell):
                try:
                    _run_cell(cell.source, namespace)  # setup: imports and constants
                except Exception as error:  # noqa: BLE001 - reported on every test it breaks
                    namespace.setdefault("__setup_errors__", []).append(f"{type(error).__name__}: {error}")
                continue
            max_points = float(meta.get("points", 0))
            try:
                value = _run_cell(strip_markers(cell.source), namespace)
                points, problem = _points(value, max_points), None
            except AssertionError:
                points, problem = 0.0, None
            except Exception as error:  # noqa: BLE001 - any error in a test is 0 points, as in nbgrader
                points = 0.0
                setup = namespace.get("__setup_errors__")
                problem = f"the course's setup cells failed ({setup[0]})" if setup else None
                if not isinstance(error, (NameError, TypeError, KeyError, ValueError, AttributeError)):
                    problem = problem or f"{type(error).__name__} in the test"
            scores[cell_id] = CleanScore(cell_id, points, max_points, problem)
    return scores


def score_hand_in(source_path: Path, submitted_path: Path) -> tuple[dict[str, Answer], dict[str, CleanScore]]:
    """Read a hand-in's answers as data and score them with the module's tests from ``source/``."""
    source = nbformat.read(source_path, as_version=4)
    submitted = nbformat.read(submitted_path, as_version=4)
    answers = read_answers(source, submitted)
    return answers, clean_scores(source, answers)
