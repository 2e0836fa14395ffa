"""In every module with a role-play, does only the learner's own first complete play earn points?

The hand-ins are graded as the grader scores them (answers read as data, with the cohort's key
and the learner's identity): the first play's code earns the role-play's points; a code computed
from the page's data (forged), signed for a colleague (copied) or from a later attempt earns
nothing. The learner's own kernel cannot tell them apart, so autograde flags the difference.
"""

from __future__ import annotations

import contextlib
import secrets

import nbformat
import pytest

from servicecourse.cohort.submissions import answer, path_letters, roleplay_items, solution_answers
from servicecourse.course import EXERCISES, SOLUTIONS, modules
from servicecourse.grading.answers import clean_scores, read_answers
from servicecourse.roleplay import pathcodes

KEY = secrets.token_bytes(32)
WITH_ROLEPLAY = [m for m in modules() if roleplay_items(next((SOLUTIONS / m).glob("*.ipynb")))]


def _roleplay_points(module: str, code_for: dict, learner: str = "ann", graded: bool = True) -> float:
    source_path = next((SOLUTIONS / module).glob("*.ipynb"))
    release = EXERCISES / module / source_path.name
    items = roleplay_items(source_path)
    answers = solution_answers(source_path)
    for cell_id, scenario in items.items():
        name = answers[cell_id].split("=", 1)[0].strip()
        answers[cell_id] = f'{name} = "{code_for[scenario]}"'
    source = nbformat.read(source_path, as_version=4)
    hand_in = answer(release, answers)
    context = pathcodes.graded_as(learner, KEY) if graded else contextlib.nullcontext()
    with context:
        scores = clean_scores(source, read_answers(source, hand_in))
    tests = {cell for cell in scores if any(cell.startswith(item) for item in items)}
    return sum(scores[cell].points for cell in tests)


def test_every_module_but_the_first_has_a_graded_roleplay():
    assert len(WITH_ROLEPLAY) >= len(modules()) - 1


@pytest.mark.parametrize("module", WITH_ROLEPLAY)
def test_the_first_play_earns_and_forged_copied_or_later_codes_earn_nothing(module):
    scenario = next(iter(roleplay_items(next((SOLUTIONS / module).glob("*.ipynb"))).values()))
    good = path_letters(scenario)
    first = {scenario: pathcodes.sign(KEY, "ann", scenario, good, 1)}
    forged = {scenario: f"{scenario}/{good}/1-{'A' * pathcodes.SIGNATURE_LENGTH}"}
    copied = {scenario: pathcodes.sign(KEY, "bob", scenario, good, 1)}
    later = {scenario: pathcodes.sign(KEY, "ann", scenario, good, 2)}
    practice = {scenario: pathcodes.practice(scenario, good)}
    earned = _roleplay_points(module, first)
    assert earned > 0
    for code in (forged, copied, later, practice):
        assert _roleplay_points(module, code) == 0, code
    # the learner's own kernel has no key: it cannot tell a forged code from a real one
    assert _roleplay_points(module, forged, graded=False) == earned


@pytest.mark.parametrize("module", WITH_ROLEPLAY)
def test_a_first_play_that_went_wrong_earns_less_than_one_that_went_well(module):
    scenario = next(iter(roleplay_items(next((SOLUTIONS / module).glob("*.ipynb"))).values()))
    def first_play(outcome: str) -> dict:
        return {scenario: pathcodes.sign(KEY, "ann", scenario, path_letters(scenario, outcome), 1)}

    well, badly = _roleplay_points(module, first_play("good")), _roleplay_points(module, first_play("poor"))
    assert badly < well
