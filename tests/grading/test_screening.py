"""Is each hand-in that cannot be graded refused with a reason, and are tampered cells named?"""

from __future__ import annotations

import nbformat
import pytest

from servicecourse.course import EXERCISES
from servicecourse.grading.autograde import _failure_reason
from servicecourse.grading.cells import grade_id, is_locked
from servicecourse.grading.screening import module_of, screen

RELEASES = {m.name: next(m.glob("*.ipynb")) for m in sorted(EXERCISES.iterdir()) if m.is_dir()}


def _serve():
    return nbformat.read(RELEASES["serve"], as_version=4)


def _screen(tmp_path, notebook_or_text):
    path = tmp_path / "serve.ipynb"
    if isinstance(notebook_or_text, str):
        path.write_text(notebook_or_text)
    else:
        nbformat.write(notebook_or_text, path)
    return screen(path, "serve", RELEASES)


def test_an_untouched_release_passes_screening(tmp_path):
    found = _screen(tmp_path, _serve())
    assert found.blocking == [] and found.flags == []


def test_each_module_is_recognised_by_its_cells():
    for module, path in RELEASES.items():
        assert module_of(nbformat.read(path, as_version=4), RELEASES) == module


@pytest.mark.parametrize("text, words", [
    ('{"cells": [ truncated', "not a valid notebook"),
    ("", "not a valid notebook"),
    ("\xff\xfe", "not a valid notebook"),
])
def test_a_file_that_is_not_a_notebook_is_refused(tmp_path, text, words):
    assert words in _screen(tmp_path, text).blocking[0]


def test_another_modules_notebook_is_refused_by_name(tmp_path):
    found = _screen(tmp_path, nbformat.read(RELEASES["culture"], as_version=4))
    assert found.blocking == ["serve.ipynb is the notebook of module 'culture', not 'serve'"]


def test_metadata_of_the_wrong_shape_is_refused_alone(tmp_path):
    notebook = _serve()
    notebook.cells[2].metadata["nbgrader"] = ["not", "a", "dict"]
    assert "tampered with or damaged" in _screen(tmp_path, notebook).blocking[0]


def test_edited_deleted_and_added_cells_are_flagged(tmp_path):
    notebook = _serve()
    locked = [c for c in notebook.cells if is_locked(c) and grade_id(c)]
    locked[0].source = "pass"
    notebook.cells.remove(locked[1])
    notebook.cells.append(nbformat.v4.new_code_cell("import os"))
    flags = _screen(tmp_path, notebook).flags
    assert any(f"locked cell '{grade_id(locked[0])}' was edited" in f for f in flags)
    assert any(f"cell '{grade_id(locked[1])}' was deleted" in f for f in flags)
    assert any("1 code cell added" in f for f in flags)


@pytest.mark.parametrize("log, reason", [
    ("[SandboxProvisioner] sandbox: the notebook ran past the sandbox's limit of 180 s; kernel killed",
     "the notebook ran past the sandbox's limit of 180 s"),
    ("nbclient.exceptions.DeadKernelError: Kernel died", "the kernel died while running the notebook"),
    ("CellTimeoutError: A cell timed out while it was being executed", "a cell ran past the time limit"),
    ("Traceback...\nValueError: partial credit cannot be greater than maximum points",
     "nbgrader could not grade it: ValueError: partial credit cannot be greater than maximum points"),
    ("", "nbgrader could not grade it: no details"),
])
def test_why_nbgrader_could_not_grade_is_said_in_words(log, reason):
    assert _failure_reason({"success": False, "log": log}) == reason
    assert _failure_reason({"success": True, "log": log}) == ""
