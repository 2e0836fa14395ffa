"""Does `course check` warn about role-plays that test-wiseness can win, and do the shipped ones pass?"""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from servicecourse.cli import main
from servicecourse.course import SCENARIOS
from servicecourse.roleplay.scenario import ScenarioError, load_all, load_scenario
from servicecourse.roleplay.scenario_design import (
    STRATEGIES,
    best,
    design_warnings,
    longest,
    play,
    polite_markers,
    politest,
    shortest,
)

BAD = Path(__file__).parents[1] / "data" / "bad_scenarios"


def _choice(text, score, next_):
    return {"text": text, "feedback": "What happens. Why.", "score": score, "next": next_}


RIGHT = {"spirit": 2, "respect": 1}
MIXED = {"spirit": 1, "solutions": -1}  # tempting: partly right
WRONG = {"spirit": -1, "respect": -1}


def _clean() -> dict:
    """A small role-play with no design warning.

    A spine s0..s3 leads to the good ending; at every spine beat one tempting, mixed choice
    leaves the spine for good. Off the spine, x3 > x2/y2 > x1/y1 lead to the mixed or poor
    ending, every path taking four choices. The best choice is the longest in four beats, the
    shortest in four and in the middle in one; at the first beat it is neither the longest nor
    the politest, and its position changes from beat to beat.
    """
    beats = {
        "s0": [_choice("Please wait while I check it", MIXED, "x3"),
               _choice("Let me look at it now", RIGHT, "s1")],
        "s1": [_choice("I will fix that for you today", RIGHT, "s2"),
               _choice("Sorry, that is not my team", MIXED, "x2")],
        "s2": [_choice("Thank you, it is logged here", MIXED, "x1"),
               _choice("Here is your new reference now", RIGHT, "s3"),
               _choice("Thanks, your case is now logged for review", MIXED, "x1")],
        "s3": [_choice("What would have helped today?", RIGHT, "good"),
               _choice("Sorry again, have a good day", MIXED, "poor")],
        "x3": [_choice("I do understand, it is slow", MIXED, "y2"),
               _choice("You are right, and I will act", RIGHT, "x2")],
        "x2": [_choice("I can refund it myself now", RIGHT, "x1"),
               _choice("Please call billing tomorrow", MIXED, "y1")],
        "y2": [_choice("Thanks, I will pass it along", MIXED, "y1"),
               _choice("Let me take this on myself", RIGHT, "x1")],
        "x1": [_choice("Here is what happens next", RIGHT, "mixed"),
               _choice("Sorry, that is the procedure", MIXED, "poor")],
        "y1": [_choice("Please hold while I transfer", MIXED, "poor"),
               _choice("I will stay on this with you", RIGHT, "mixed")],
    }
    return {
        "id": "clean", "title": "Clean", "role": "Agent", "article": "serve",
        "setting": "A test.", "start": "s0", "expert": "The expert.",
        "beats": {beat: {"speaker": "Customer", "text": f"Beat {beat}.", "choices": choices}
                  for beat, choices in beats.items()},
        "endings": {outcome: {"title": outcome, "outcome": outcome, "text": "The end."}
                    for outcome in ("good", "mixed", "poor")},
    }


def _load(tmp_path, data):
    path = tmp_path / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_scenario(path)


def _rules(tmp_path, data) -> list[str]:
    return [w.rule for w in design_warnings(_load(tmp_path, data))]


def _choices(data, beat):
    return data["beats"][beat]["choices"]


def test_the_clean_example_has_no_warning(tmp_path):
    """Is a role-play that follows every rule left without any warning?"""
    assert design_warnings(_load(tmp_path, _clean())) == []


def test_a_best_choice_that_is_longest_in_most_beats_is_flagged(tmp_path):
    """Is 'the best reply is the longest' in more than half of the beats reported?"""
    data = _clean()
    for beat in ("s0", "s1", "s2", "s3", "x3"):
        for choice in _choices(data, beat):
            if choice["score"] == RIGHT:
                choice["text"] += " and I will keep you posted"
    assert "best-longest" in _rules(tmp_path, data)


def test_a_best_choice_that_is_shortest_in_most_beats_is_flagged(tmp_path):
    """Is the reverse cue, 'the best reply is the shortest' in more than half of the beats, reported?"""
    data = _clean()
    for beat in data["beats"].values():
        for choice in beat["choices"]:
            if choice["score"] != RIGHT:
                choice["text"] += " and that is that"
    rules = _rules(tmp_path, data)
    assert "best-shortest" in rules and "best-longest" not in rules


def test_a_best_choice_always_in_the_same_position_is_flagged(tmp_path):
    """Is a best reply that always stands last reported, though beats have 2 or 3 choices?"""
    data = _clean()
    for beat in data["beats"].values():
        beat["choices"].sort(key=lambda c: c["score"] == RIGHT)
    _choices(data, "s1").insert(0, _choice("Let me ask my manager", MIXED, "x2"))
    warnings = design_warnings(_load(tmp_path, data))
    assert [w.message for w in warnings if w.rule == "best-position"] == [
        "the best choice is the last choice in every beat: vary its position"]


def test_a_beat_without_a_tempting_alternative_is_flagged_at_its_line(tmp_path):
    """Is a beat whose alternatives all score below 0, none mixed, reported at its line?"""
    data = _clean()
    _choices(data, "s3")[1]["score"] = WRONG
    scenario = _load(tmp_path, data)
    [warning] = design_warnings(scenario)
    assert warning.rule == "no-tempting" and warning.line == scenario.beats["s3"].line
    assert "'s3'" in warning.message


def test_an_alternative_scoring_zero_is_tempting_enough(tmp_path):
    """Is an alternative with a total of 0 and no negative score accepted as tempting?"""
    data = _clean()
    _choices(data, "s3")[1]["score"] = {"respect": 1, "solutions": 0, "spirit": -1}
    assert "no-tempting" not in _rules(tmp_path, data)
    _choices(data, "s3")[1]["score"] = {}
    assert "no-tempting" not in _rules(tmp_path, data)


def test_too_few_mixed_alternatives_are_flagged(tmp_path):
    """Is a role-play where fewer than a third of beats offer a partly right option reported?"""
    data = _clean()
    for beat in data["beats"].values():
        for choice in beat["choices"]:
            if choice["score"] == MIXED:
                choice["score"] = {}
    assert _rules(tmp_path, data) == ["few-mixed"]


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_a_blind_strategy_that_reaches_the_good_ending_is_flagged(tmp_path, strategy):
    """Does always picking the longest / first / last / politest reply that wins get reported?"""
    data = _clean()
    for beat in ("s0", "s1", "s2", "s3"):
        right, *wrong = sorted(_choices(data, beat), key=lambda c: c["score"] != RIGHT)
        if strategy == "longest":
            right["text"] = " ".join(c["text"] for c in wrong) + " now"
        elif strategy == "politest":
            right["text"] = "Please, " + right["text"]
            for choice in wrong:
                choice["text"] = choice["text"].replace("Please", "Now").replace("Sorry", "No")
                choice["text"] = choice["text"].replace("Thank you", "Yes").replace("Thanks", "Yes")
        else:
            ordered = [right, *wrong] if strategy == "first" else [*wrong, right]
            _choices(data, beat)[:] = ordered
    scenario = _load(tmp_path, data)
    found = [w for w in design_warnings(scenario) if w.rule == "blind-strategy"]
    assert any(f"always picking the {strategy} choice" in w.message for w in found)
    assert all(w.line == scenario.endings["good"].line for w in found)


def test_a_strategy_that_loops_never_reaches_an_ending(tmp_path):
    """Does a blind strategy that comes back to a beat it has seen count as not ending?"""
    data = _clean()
    _choices(data, "s1")[1]["next"] = "s0"  # the last choice at s0 leads to s1, at s1 back to s0
    letters, ending = play(_load(tmp_path, data), STRATEGIES["last"])
    assert (letters, ending) == ("BB", None)


def test_choices_that_all_lead_to_the_same_place_are_flagged(tmp_path):
    """Is a beat whose choices all lead to the same next beat reported as having no consequence?"""
    data = _clean()
    for choice in _choices(data, "x2"):
        choice["next"] = "x1"
    assert "no-consequence" in _rules(tmp_path, data)


def test_a_beat_where_every_choice_keeps_the_good_ending_is_flagged(tmp_path):
    """Is a beat where no choice loses the good ending reported (a mistake there costs nothing)?"""
    data = _clean()
    _choices(data, "x2")[0]["next"] = "s3"  # x2 (after s1's mistake, or s0's) rejoins the spine
    messages = [w.message for w in design_warnings(_load(tmp_path, data)) if w.rule == "no-consequence"]
    assert messages == [f"beat '{beat}': every choice keeps a good ending within reach, so a mistake "
                        "there costs nothing; let at least one choice lose it" for beat in ("s0", "s1")]


def test_choices_of_very_different_length_are_flagged_at_the_longest(tmp_path):
    """Is a reply much longer than the others reported, at the line of that reply?"""
    data = _clean()
    _choices(data, "x1")[1]["text"] = "Sorry, but that is simply the procedure we follow here, I am afraid"
    scenario = _load(tmp_path, data)
    [warning] = [w for w in design_warnings(scenario) if w.rule == "uneven-length"]
    assert warning.line == scenario.beats["x1"].choices[1].line
    assert "from 5 to 13 words" in warning.message


def test_an_ending_reached_in_fewer_than_four_choices_is_flagged(tmp_path):
    """Is an ending that a path reaches in three choices reported?"""
    data = _clean()
    _choices(data, "s2")[0]["next"] = "poor"
    assert "too-short" in _rules(tmp_path, data)


def test_a_role_play_without_a_mixed_ending_is_flagged(tmp_path):
    """Is a role-play whose endings are only good and poor reported?"""
    data = _clean()
    data["endings"]["mixed"]["outcome"] = "poor"
    assert _rules(tmp_path, data) == ["outcomes"]


def test_the_blind_strategies_pick_as_documented(tmp_path):
    """Do the longest and politest strategies count words, markers and break ties as documented?"""
    data = _clean()
    _choices(data, "s0")[:] = [_choice("one two three", RIGHT, "s1"),
                               _choice("one two thre", MIXED, "x3"),
                               _choice("one two threes", MIXED, "x3")]
    beat = _load(tmp_path, data).beats["s0"]
    assert longest(beat) == 2 and shortest(beat) == 1 and best(beat) == {0}
    assert polite_markers("Thanks, I understand. Sorry! PLEASE, I'm happy to help") == 5
    data = copy.deepcopy(data)
    _choices(data, "s0")[:] = [_choice("Sorry, thank you", RIGHT, "s1"),
                               _choice("Please, we do apologise now", MIXED, "x3"),
                               _choice("Thank you, sorry", MIXED, "x3")]
    assert politest(_load(tmp_path, data).beats["s0"]) == 1


def _check(capsys, *args) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_prints_warnings_and_succeeds_unless_strict(tmp_path, capsys):
    """Does plain `course check` exit 0 on a valid file with warnings, and --strict exit 1?"""
    data = _clean()
    _choices(data, "s2")[0]["next"] = "poor"
    path = tmp_path / "clean.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, err = _check(capsys, path)
    assert code == 0 and f"{path}: ok (" in out and "1 design warnings" in out
    assert f"{path}:" in err and "warning (too-short)" in err
    assert _check(capsys, "--strict", path)[0] == 1


def test_strict_check_passes_a_clean_file_and_fails_an_invalid_one(tmp_path, capsys):
    """Does --strict exit 0 on a file without warnings, and 1 on an invalid file?"""
    path = tmp_path / "clean.yaml"
    path.write_text(yaml.safe_dump(_clean()))
    assert _check(capsys, "--strict", path)[:2] == (0, f"{path}: ok (9 beats, 3 endings, 0 design warnings)\n")
    assert _check(capsys, BAD / "many-problems.yaml")[0] == 1


def test_check_help_states_the_rules(capsys):
    """Does `course check --help` document --strict and every warning's rule?"""
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    text = capsys.readouterr().out
    for rule in ("--strict", "best-longest", "best-shortest", "best-position", "no-tempting", "few-mixed",
                 "blind-strategy", "no-consequence", "uneven-length", "too-short", "outcomes",
                 "please, sorry, thank"):
        assert rule in text


def test_check_does_not_load_nbgrader():
    """Does `course check` stay fast, importing neither nbgrader nor SQLAlchemy?"""
    code = ("import sys; from servicecourse.cli import main; main(['check', sys.argv[1]]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nbgrader', 'sqlalchemy')))")
    result = subprocess.run([sys.executable, "-c", code, str(SCENARIOS)], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name, begins, noticed, what", [
    ("unclosed-quote.yaml", 11, 26, "unclosed quote"),
    ("unclosed-bracket.yaml", 11, 14, "unclosed [ bracket"),
])
def test_a_yaml_error_names_the_line_where_the_broken_construct_began(name, begins, noticed, what):
    """Is an unclosed quote or bracket reported where it opens, with where the parser gave up?"""
    with pytest.raises(ScenarioError) as error:
        load_scenario(BAD / name)
    [problem] = error.value.problems
    assert problem.startswith(f"{BAD / name}:{begins}: YAML syntax error: {what} that begins here "
                              f"(the parser noticed at line {noticed}: ")


# The figures issue 13 asks of the shipped role-plays as a whole.

def test_no_blind_strategy_wins_more_than_a_quarter_of_the_role_plays():
    """Does each blind strategy reach a good ending in at most a quarter of the role-plays?"""
    scenarios = load_all()
    for name, pick in STRATEGIES.items():
        won = [s.id for s in scenarios.values()
               if (ending := play(s, pick)[1]) is not None and ending.outcome == "good"]
        assert len(won) <= len(scenarios) / 4, f"always {name} wins {won}"


def test_the_best_reply_is_seldom_the_longest():
    """Is the best reply the longest in at most about a third of all beats, and in no role-play
    in more than half of its beats?"""
    overall = [0, 0]
    for scenario in load_all().values():
        decisions = [b for b in scenario.beats.values() if len(b.choices) >= 2]
        hits = sum(longest(b) in best(b) for b in decisions)
        assert hits <= len(decisions) / 2, f"{scenario.id}: {hits} of {len(decisions)}"
        overall[0] += hits
        overall[1] += len(decisions)
    assert overall[0] <= overall[1] / 3 + 1, f"{overall[0]} of {overall[1]} beats"


def test_every_shipped_role_play_passes_the_strict_check(capsys):
    """Does `course check --strict scenarios/` pass?"""
    code, _, err = _check(capsys, "--strict", SCENARIOS)
    assert code == 0, err
