"""Does loading a scenario accept the course's files and reject broken ones with precise messages?"""

from pathlib import Path

import pytest

from servicecourse.scenario import ScenarioError, load_all, load_scenario
from servicecourse.paths import SCENARIOS

BAD = Path(__file__).parent / "data" / "bad_scenarios"


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
