"""Does the engine play a scenario, score it and turn paths into codes and back?"""

import pytest

from servicecourse.engine import PathCodeError, Roleplay, replay
from servicecourse.scenario import load_by_id


@pytest.fixture
def scenario():
    return load_by_id("serve-call-centre")


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


def test_the_first_choices_reach_the_good_ending(scenario):
    play = Roleplay(scenario)
    while not play.finished:
        play.choose(0)
    assert play.ending.outcome == "good"
    assert play.beat is None


def test_choosing_after_the_end_or_out_of_range_is_refused(scenario):
    play = Roleplay(scenario)
    with pytest.raises(ValueError):
        play.choose(9)
    while not play.finished:
        play.choose(0)
    with pytest.raises(ValueError):
        play.choose(0)


def test_restart_clears_the_history(scenario):
    play = Roleplay(scenario)
    play.choose(2)
    play.restart()
    assert play.history == [] and play.beat.id == scenario.start


def test_a_path_code_replays_to_the_same_ending_and_score(scenario):
    play = Roleplay(scenario)
    for index in (1, 2, 0):
        play.choose(index)
    again = replay(scenario, play.path_code) if play.finished else None
    assert again is None or (again.ending == play.ending and again.score == play.score)
    while not play.finished:
        play.choose(0)
    again = replay(scenario, play.path_code)
    assert again.ending == play.ending and again.score == play.score


@pytest.mark.parametrize("code, reason", [
    ("nonsense", "not a path code"),
    ("other-scenario/AAAA/257c", "for role-play 'other-scenario'"),
    ("serve-call-centre/AAAB/257c", "check does not match"),
    ("serve-call-centre/AA/" , "check does not match"),
    (42, "not int"),
])
def test_bad_or_forged_codes_are_refused_with_a_reason(scenario, code, reason):
    with pytest.raises(PathCodeError, match=reason):
        replay(scenario, code)


def test_a_code_that_stops_before_an_ending_is_refused(scenario):
    play = Roleplay(scenario)
    play.choose(0)
    with pytest.raises(PathCodeError, match="stops before the conversation ends"):
        replay(scenario, play.path_code)
