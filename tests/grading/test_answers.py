"""Are answers read as data, without running any of the hand-in's code, and scored like nbgrader?"""

from __future__ import annotations

import nbformat
import pytest

from servicecourse.grading.answers import answer_names, clean_scores, read_answer, read_answers
from servicecourse.grading.cells import metadata_problems


def _cell(kind: str, source: str, **meta):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if meta:
        cell.metadata["nbgrader"] = {"schema_version": 3, "locked": False, "solution": False,
                                     "grade": False, **meta}
    return cell


def _module(answer_source: str = 'best = "?"\n### BEGIN SOLUTION\nbest = "B"\n### END SOLUTION'):
    """A small module: a setup cell, one answer, a test with partial credit, a plain assert test."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        _cell("code", "KEY = 'B'\nHALF = {'C'}", grade_id="setup", locked=True),
        _cell("code", answer_source, grade_id="best", solution=True),
        _cell("code", '"""Is the best reply chosen?"""\nassert isinstance(best, str)\n'
                      "### BEGIN HIDDEN TESTS\n"
                      "2.0 if type(best) is str and best == KEY else (1.0 if best in HALF else 0.0)\n"
                      "### END HIDDEN TESTS", grade_id="best_correct", grade=True, points=2, locked=True),
        _cell("code", '"""All or nothing."""\nassert best == KEY', grade_id="best_strict",
              grade=True, points=1, locked=True),
    ]
    return notebook


def _hand_in(answer: str):
    notebook = _module('best = "?"')
    notebook.cells[1].source = answer
    return notebook


def _scores(answer: str) -> dict[str, float]:
    source = _module()
    return {k: v.points for k, v in clean_scores(source, read_answers(source, _hand_in(answer))).items()}


def test_the_names_an_answer_cell_assigns_are_read_from_the_instructor_cell():
    assert answer_names('best = "?"\n### BEGIN SOLUTION\nbest = "B"\n### END SOLUTION') == ("best",)
    assert answer_names("a = 1\nb: int = 2") == ("a", "b")


def test_a_literal_answer_scores_like_nbgrader_full_partial_and_zero():
    assert _scores('best = "B"') == {"best_correct": 2.0, "best_strict": 1.0}
    assert _scores('best = "C"') == {"best_correct": 1.0, "best_strict": 0.0}
    assert _scores('best = "A"') == {"best_correct": 0.0, "best_strict": 0.0}


def test_the_last_assignment_counts_and_comments_are_not_extra():
    answer = read_answer("best", 'best = "?"\n# my answer below\nbest = "B"', ("best",))
    assert answer.values == {"best": "B"} and answer.extra == []


@pytest.mark.parametrize("code", [
    'class Always(str):\n    def __eq__(self, other):\n        return True\nbest = Always("x")',
    'best = "B" if True else "A"',
    'import builtins\nbuiltins.isinstance = lambda *a: True\nbest = "A"',
    'get_ipython().ast_transformers.clear()\nbest = "A"',
    'best = chr(66)',
    'best = "A"; import os',
])
def test_code_beyond_a_literal_is_extra_and_never_runs(code, tmp_path):
    """Is anything but `name = literal` reported, and its value never computed?"""
    answer = read_answer("best", code + f"\nopen({str(tmp_path / 'ran')!r}, 'w')", ("best",))
    assert answer.extra
    assert not (tmp_path / "ran").exists()
    assert answer.values.get("best") in (None, "A")  # only a plain literal is ever taken


def test_objects_that_compare_equal_to_anything_cannot_reach_the_tests():
    """A str subclass that equals everything earns nothing: only plain literals are bound."""
    scores = _scores('class S(str):\n    __eq__ = lambda s, o: True\n    __hash__ = str.__hash__\nbest = S("A")')
    assert scores == {"best_correct": 0.0, "best_strict": 0.0}


@pytest.mark.parametrize("code", ['best = "B', "best = ", "best = \x00'B'", "[[[[" * 200])
def test_an_unreadable_answer_is_malformed_and_scores_zero(code):
    answer = read_answer("best", code, ("best",))
    assert answer.malformed or not answer.values
    assert _scores(code) == {"best_correct": 0.0, "best_strict": 0.0}


def test_a_deleted_answer_cell_binds_nothing_and_scores_zero():
    source, hand_in = _module(), _hand_in('best = "B"')
    del hand_in.cells[1]
    scores = clean_scores(source, read_answers(source, hand_in))
    assert {k: v.points for k, v in scores.items()} == {"best_correct": 0.0, "best_strict": 0.0}


def test_two_cells_claiming_one_answer_are_reported():
    source, hand_in = _module(), _hand_in('best = "A"')
    hand_in.cells.insert(1, _cell("code", 'best = "B"', grade_id="best", solution=True))
    assert "2 cells claim" in read_answers(source, hand_in)["best"].extra[0]


def test_a_value_above_the_points_is_capped_and_a_non_number_is_full_credit_as_in_nbgrader():
    source = _module()
    source.cells[2].source = '"""x"""\n### BEGIN HIDDEN TESTS\n99\n### END HIDDEN TESTS'
    source.cells[3].source = '"""y"""\n"a string"'
    scores = clean_scores(source, read_answers(source, _hand_in('best = "B"')))
    assert (scores["best_correct"].points, scores["best_strict"].points) == (2.0, 1.0)


@pytest.mark.parametrize("bad, words", [
    ({"cells": "no"}, "no list of cells"),
    ({"cells": [{"cell_type": "code", "source": "", "metadata": {"nbgrader": "x"}}]}, "not a dictionary"),
    ({"cells": [{"cell_type": "code", "source": "", "metadata": {"nbgrader": {"grade_id": 3}}}]},
     "grade id is not text"),
    ({"cells": [{"cell_type": "code", "source": "", "metadata": {"nbgrader": {"points": "9"}}}]},
     "points are not a number"),
    ({"cells": [{"cell_type": "code", "source": 5, "metadata": {}}]}, "source is not text"),
])
def test_metadata_of_the_wrong_shape_is_named(bad, words):
    problems = metadata_problems(bad)
    assert problems and words in problems[0]


def test_a_well_formed_notebook_has_no_metadata_problems():
    assert metadata_problems(_module()) == []
