"""Does one course policy (course.yml) give every part its rules, refuse bad values by name and
keep older cohorts working?"""

from __future__ import annotations

import warnings

import pytest
import yaml

from servicecourse import course
from servicecourse.policy import Policy, PolicyError, PolicyWarning, cohort_policy, course_policy, read_policy

GOOD = {"pass_mark": 0.7, "debrief_min_group": 5, "modules": {"culture": 7, "serve": 10}}


def _write(folder, data) -> None:
    (folder / "course.yml").write_text(yaml.safe_dump(data, sort_keys=False) if isinstance(data, dict)
                                       else data)


def test_the_repository_policy_holds_the_pass_mark_the_group_size_and_the_modules_in_order():
    """Does the repo's course.yml give the pass mark, debrief group and modules in course order?"""
    policy = course_policy()
    assert policy.pass_mark == 0.7 and policy.debrief_min_group == 5
    assert policy.modules[:3] == ["getting-started", "culture", "serve"]
    assert policy.due_days["serve"] == 10
    assert course.course_order(["serve", "zzz", "culture", "serve"]) == ["culture", "serve", "zzz"]
    assert course.modules() == [m for m in policy.modules if (course.SOLUTIONS / m).is_dir()]


def test_a_cohort_reads_its_own_copy_not_the_repository_s(tmp_path):
    """Does a cohort's own course.yml win over the repository's?"""
    _write(tmp_path, {**GOOD, "pass_mark": 0.8})
    policy = cohort_policy(tmp_path)
    assert policy == Policy(0.8, {"culture": 7, "serve": 10}, 5)
    assert policy.source == tmp_path / "course.yml" and policy.note == ""
    assert policy.order(["serve", "culture", "extra"]) == ["culture", "serve", "extra"]


def test_a_cohort_made_before_the_policy_falls_back_with_a_warning(tmp_path):
    """Does a cohort without course.yml get the repository's policy, a warning and a note?"""
    with pytest.warns(PolicyWarning, match="no course.yml in the cohort"):
        policy = cohort_policy(tmp_path)
    assert policy == course_policy()
    assert str(tmp_path) in policy.note and "copy that file into" in policy.note


@pytest.mark.slow
def test_a_new_cohort_gets_a_copy_of_the_policy(tmp_path):
    """Does cohort.create copy course.yml into the cohort, so later edits of the repo's leave it be?"""
    from servicecourse import cohort

    folder = cohort.create(tmp_path / "c")
    assert (folder / "course.yml").read_text() == (course.REPO / "course.yml").read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PolicyWarning)  # no fallback here
        assert cohort_policy(folder) == course_policy()


@pytest.mark.parametrize("change, message", [
    ({"pass_mark": "seventy"}, "pass_mark: 'seventy' is not a number"),
    ({"pass_mark": 70}, "pass_mark: 70 is not between 0 (excluded) and 1 (a share, not a percentage"),
    ({"pass_mark": 0}, "pass_mark: 0 is not between 0 (excluded) and 1"),
    ({"pass_mark": True}, "pass_mark: True is not a number"),
    ({"debrief_min_group": 0}, "debrief_min_group: 0 is less than 1"),
    ({"debrief_min_group": 2.5}, "debrief_min_group: 2.5 is not a whole number of learners"),
    ({"modules": {"serve": "ten"}}, "modules: serve: 'ten' is not a whole number of days"),
    ({"modules": {"serve": -1}}, "modules: serve: -1 is less than 0"),
    ({"modules": []}, "modules: [] is not a list of 'module: days' lines"),
    ({"pass-mark": 0.7}, "unknown key 'pass-mark'"),
])
def test_a_bad_value_is_refused_naming_the_file_and_the_key(tmp_path, change, message):
    """Is each bad value refused with the file, the key and what is wrong?"""
    _write(tmp_path, {**GOOD, **change})
    with pytest.raises(PolicyError) as error:
        read_policy(tmp_path / "course.yml")
    assert str(error.value).startswith(f"{tmp_path / 'course.yml'}: ")
    assert message in str(error.value)


def test_a_missing_key_and_broken_yaml_are_named(tmp_path):
    """Are a missing key, every problem at once, and YAML that does not parse all reported?"""
    _write(tmp_path, {"modules": {"serve": 3}, "pass_mark": 2})
    with pytest.raises(PolicyError, match="debrief_min_group: missing") as error:
        cohort_policy(tmp_path)
    assert "pass_mark: 2 is not between" in str(error.value)
    _write(tmp_path, "pass_mark: [0.7\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        cohort_policy(tmp_path)
    _write(tmp_path, "- just a list\n")
    with pytest.raises(PolicyError, match="expected keys pass_mark"):
        cohort_policy(tmp_path)

