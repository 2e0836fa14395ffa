"""Does the engine play a scenario, score it, record its path as letters and replay codes?"""

import pytest

from servicecourse.roleplay.engine import PathCodeError, Roleplay, first_sentence, play_letters, replay
from servicecourse.roleplay.pathcodes import LETTERS
from servicecourse.roleplay.scenario import load_by_id
from servicecourse.roleplay.vectors import path_to


@pytest.fixture
def scenario():
    return load_by_id("serve-call-centre")


def _letters(choices):
    return "".join(LETTERS[i] for i in choices)


def test_a_play_starts_at_the_opening_beat(scenario):
    play = Roleplay(scenario)
    assert play.beat.id == scenario.start and not play.finished and play.history == []


def test_choices_move_through_beats_and_sum_their_scores(scenario):
    play = Roleplay(scenario)
    first = play.choose(0)
    assert play.beat.id == first.next
    second = play.choose(1)
    assert play.score == {d: first.score[d] + second.score[d] for d in first.score}
    assert [step.choice for step in play.history] == [first, second]
    assert play.letters == "AB"


def test_a_good_path_reaches_a_good_ending(scenario):
    play = play_letters(scenario, _letters(path_to(scenario, "good")))
    assert play.finished and play.ending.outcome == "good" and play.beat is None


def test_choosing_after_the_end_or_out_of_range_is_refused(scenario):
    play = Roleplay(scenario)
    with pytest.raises(ValueError):
        play.choose(9)
    for index in path_to(scenario, "good"):
        play.choose(index)
    with pytest.raises(ValueError):
        play.choose(0)


def test_restart_clears_the_history(scenario):
    play = Roleplay(scenario)
    play.choose(len(play.beat.choices) - 1)
    play.restart()
    assert play.history == [] and play.beat.id == scenario.start and play.letters == ""


def test_a_practice_code_replays_to_the_same_ending_and_score(scenario):
    for outcome in ("good", "poor"):
        play = play_letters(scenario, _letters(path_to(scenario, outcome)))
        assert play.practice_code == f"{scenario.id}/{play.letters}/practice"
        again = replay(scenario, play.practice_code)
        assert again.ending == play.ending and again.score == play.score


def test_a_graded_code_replays_by_its_letters(scenario):
    letters = _letters(path_to(scenario, "good"))
    assert replay(scenario, f"{scenario.id}/{letters}/1-AAAAAAAAAA").letters == letters


@pytest.mark.parametrize("code, reason", [
    ("nonsense", "not a path code"),
    ("other-scenario/AAAA/practice", "for the role-play 'other-scenario'"),
    ("serve-call-centre/AAAA/257c", "should be 'practice' or an attempt"),
    (42, "not int"),
])
def test_bad_codes_are_refused_with_a_reason(scenario, code, reason):
    with pytest.raises(PathCodeError, match=reason):
        replay(scenario, code)


def test_letters_that_are_no_path_or_stop_early_are_refused(scenario):
    good = _letters(path_to(scenario, "good"))
    with pytest.raises(PathCodeError, match="stops before the conversation ends"):
        replay(scenario, f"{scenario.id}/{good[:1]}/practice")
    with pytest.raises(PathCodeError, match="does not describe a path"):
        replay(scenario, f"{scenario.id}/{good}A/practice")
    with pytest.raises(PathCodeError, match="does not describe a path"):
        replay(scenario, f"{scenario.id}/J{good[1:]}/practice")


@pytest.mark.parametrize("text, first", [
    ("One. Two.", "One."),
    ("She smiles. \u201cFine,\u201d she says.", "She smiles."),
    ('You asked "Why?" Then you waited.', 'You asked "Why?"'),
    ("It helps, e.g. by listening. It also calms.", "It helps, e.g. by listening."),
    ("It cost 3.50 pounds. Too much.", "It cost 3.50 pounds."),
    ("A single sentence with no end mark", "A single sentence with no end mark"),
    ("  Spaces around!  ", "Spaces around!"),
    ("Line one.\nLine two.", "Line one."),
])
def test_the_short_feedback_is_the_first_sentence(text, first):
    assert first_sentence(text) == first

