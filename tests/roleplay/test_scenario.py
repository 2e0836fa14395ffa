"""Does loading a scenario accept the course's files and reject broken ones with precise messages?"""

import os
from pathlib import Path

import pytest

from servicecourse.course import SCENARIOS
from servicecourse.roleplay.scenario import ScenarioError, load_all, load_scenario

BAD = Path(__file__).parents[1] / "data" / "bad_scenarios"


def _problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    return error.value.problems


def test_every_course_scenario_loads():
    scenarios = load_all()
    assert len(scenarios) == len(list(SCENARIOS.glob("*.yaml"))) >= 1


def test_a_yaml_syntax_error_names_the_file_and_line():
    [problem] = _problems(BAD / "syntax-error.yaml")
    assert problem.startswith(f"{BAD / 'syntax-error.yaml'}:")
    assert "YAML syntax error" in problem
    line = int(problem.split(":")[1])
    assert 5 <= line <= 7


def test_all_problems_of_a_file_are_reported_at_once_with_their_lines():
    path = BAD / "many-problems.yaml"
    problems = _problems(path)
    expected = [
        (9, "beat 'opening': no way from here leads to an ending"),
        (15, "score 'respect' is 3, outside -2..2"),
        (16, "leads to 'nowhere', which is neither a beat nor an ending"),
        (18, "choice 2: 'feedback' must be non-empty text"),
        (19, "unknown SERVE dimension 'kindness'"),
        (21, "beat 'dead_end': no way from here leads to an ending"),
        (29, "beat 'orphan': cannot be reached from the start"),
        (37, "beat 'no_text': cannot be reached from the start"),
        (38, "beat 'no_text': missing 'speaker'"),
        (38, "beat 'no_text': missing 'text'"),
        (44, "ending 'happy': cannot be reached from the start"),
    ]
    assert len(problems) == len(expected)
    for problem, (line, reason) in zip(problems, expected):
        assert problem.startswith(f"{path}:{line}: ") and reason in problem, problem


def test_a_missing_file_is_reported_not_raised_as_a_traceback(tmp_path):
    [problem] = _problems(tmp_path / "absent.yaml")
    assert "cannot read the file" in problem


def test_an_id_that_differs_from_the_file_name_is_rejected(tmp_path):
    source = (SCENARIOS / "serve-call-centre.yaml").read_text()
    path = tmp_path / "other-name.yaml"
    path.write_text(source)
    assert any("must match the file name" in p for p in _problems(path))


def test_an_unreachable_ending_is_rejected(tmp_path):
    source = (SCENARIOS / "serve-call-centre.yaml").read_text()
    path = tmp_path / "serve-call-centre.yaml"
    path.write_text(source + "  never:\n    title: Never\n    outcome: good\n    text: Unreached.\n")
    assert any("ending 'never': cannot be reached" in p for p in _problems(path))


def test_scores_wait_for_the_debrief_unless_the_scenario_says_immediate(tmp_path):
    """Is `scores` debrief by default, immediate when asked, and any other value refused at its line?"""
    source = (SCENARIOS / "serve-call-centre.yaml").read_text()
    assert load_scenario(SCENARIOS / "serve-call-centre.yaml").show_scores is False
    path = tmp_path / "serve-call-centre.yaml"
    path.write_text(source + "scores: immediate\n")
    assert load_scenario(path).show_scores is True
    path.write_text(source + "scores: always\n")
    [problem] = _problems(path)
    line = len(source.splitlines()) + 1
    assert problem == f"{path}:{line}: scenario: scores 'always' must be one of debrief, immediate"


def test_beats_choices_and_endings_know_their_lines(tmp_path):
    """Does each loaded beat, choice and ending carry the line where it starts in the file?"""
    path = tmp_path / "lines.yaml"
    path.write_text(
        "id: lines\ntitle: T\nrole: R\narticle: serve\nsetting: S\nstart: one\nexpert: E\n"
        "beats:\n"
        "  one:\n"                      # line 9
        "    speaker: A\n    text: B\n    choices:\n"
        "      - text: C\n"             # line 13
        "        feedback: F\n        score: {spirit: 1}\n        next: end\n"
        "endings:\n"
        "  end:\n"                      # line 18
        "    title: T\n    outcome: good\n    text: X\n")
    scenario = load_scenario(path)
    assert scenario.beats["one"].line == 9
    assert scenario.beats["one"].choices[0].line == 13
    assert scenario.endings["end"].line == 18


def test_a_file_is_parsed_again_only_when_its_text_changes(tmp_path):
    """Is a scenario read twice parsed once (the same Scenario), while a file rewritten with
    another text of the same size and the same modification time is read anew?"""
    path = tmp_path / "serve-call-centre.yaml"
    original = (SCENARIOS / "serve-call-centre.yaml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    first = load_scenario(path)
    assert load_scenario(path) is first and load_scenario(str(path)) == first
    stamp = path.stat().st_mtime_ns
    edited = original.replace(f"title: {first.title}", f"title: {first.title[::-1]}", 1)
    assert edited != original and len(edited) == len(original)
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert load_scenario(path).title == first.title[::-1]
    path.write_text(original, encoding="utf-8")
    assert load_scenario(path) is first


def test_a_broken_file_is_refused_every_time_it_is_read(tmp_path):
    """Is a scenario's error raised at every reading, never kept as if it were a scenario?"""
    path = tmp_path / "broken.yaml"
    path.write_text((BAD / "many-problems.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert _problems(path) == _problems(path) and len(_problems(path)) > 1
