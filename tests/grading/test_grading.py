"""Does nbgrader grade every module as intended: full marks for the solutions, zero for a blank
release, the expected partial marks for wrong answers, and exercises/ equal to a fresh release?"""

from __future__ import annotations

import filecmp

import nbformat
import pytest
from nbgrader.api import Gradebook

from servicecourse import cohort
from servicecourse.course import EXERCISES, modules

pytestmark = pytest.mark.slow


def _grades(folder, module, learner) -> dict[str, float]:
    with Gradebook(cohort.db_url(folder)) as gradebook:
        submission = gradebook.find_submission(module, learner)
        return {grade.name: grade.score for notebook in submission.notebooks
                for grade in notebook.grades if grade.auto_score is not None
                and grade.cell.cell_type == "code"}


def _max(folder, module) -> float:
    with Gradebook(cohort.db_url(folder)) as gradebook:
        return gradebook.find_assignment(module).max_code_score


@pytest.mark.parametrize("module", modules())
def test_the_instructor_version_gets_full_autograded_marks(graded_cohort, module):
    grades = _grades(graded_cohort, module, "instructor")
    assert sum(grades.values()) == _max(graded_cohort, module) > 0, grades


@pytest.mark.parametrize("module", modules())
def test_the_blank_release_gets_zero(graded_cohort, module):
    assert sum(_grades(graded_cohort, module, "blank").values()) == 0


def test_wrong_answers_lose_exactly_their_points(graded_cohort):
    grades = _grades(graded_cohort, "serve", "wrong")
    assert grades == {"classify_statements_correct": 2.5, "spirit_sign_correct": 0,
                      "best_reply_correct": 1.0, "beyond_the_fix_correct": 1.0,
                      "roleplay_path_good_ending": 0}


@pytest.mark.parametrize("module", modules())
def test_each_module_has_the_required_questions(module):
    cells = [cell for notebook in (EXERCISES.parent / "solutions" / module).glob("*.ipynb")
             for cell in nbformat.read(notebook, as_version=4).cells]
    graded = [c.metadata["nbgrader"] for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
    tests = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")]
    assert sum(1 for g in graded if not g.get("solution")) >= 4
    assert sum(1 for g in graded if g.get("solution")) >= 1  # a manually graded reflection
    for test in tests:
        assert test.source.lstrip().startswith('"""'), f"{module}: test cell without a docstring"
        assert "### BEGIN HIDDEN TESTS" in test.source, f"{module}: test cell without hidden tests"


@pytest.mark.parametrize("module", modules())
def test_exercises_equal_a_fresh_generate_assignment(graded_cohort, module):
    fresh, committed = graded_cohort / "release" / module, EXERCISES / module
    names = sorted(p.name for p in committed.iterdir())
    assert names == sorted(p.name for p in fresh.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(committed, fresh, names, shallow=False)
    assert not mismatch and not errors, f"regenerate with `make exercises`: {mismatch + errors}"
