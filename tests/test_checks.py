"""Do the learner-facing checks accept good answers, refuse bad ones and never raise?"""

from servicecourse.checks import (check_letters, check_mapping, check_number, check_one_of,
                                  roleplay_outcome)


def test_one_of_accepts_an_option_and_explains_a_wrong_type(capsys):
    assert check_one_of("B", "ABCD")
    assert not check_one_of(2, "ABCD")
    assert "must be one of" in capsys.readouterr().out


def test_mapping_names_missing_unknown_and_invalid_entries(capsys):
    assert check_mapping({"A": "x", "B": "y"}, "AB", ["x", "y"])
    assert not check_mapping({"A": "z", "C": "x"}, "AB", ["x", "y"])
    out = capsys.readouterr().out
    assert "'B' is missing" in out and "'C' is not one of" in out and "'z' is not one of" in out
    assert not check_mapping("A=x", "AB", ["x"])


def test_letters_refuse_duplicates_unknowns_and_wrong_counts():
    assert check_letters(["A", "C"], "ABC")
    assert not check_letters(["A", "A"], "ABC")
    assert not check_letters(["Z"], "ABC")
    assert not check_letters(["A"], "ABC", exact_count=3)
    assert not check_letters("AC", "ABC")


def test_number_refuses_text_and_ellipsis():
    assert check_number(3.5)
    assert not check_number("3.5") and not check_number(...) and not check_number(True)


def test_roleplay_outcome_of_a_good_code_a_poor_code_and_a_forged_one(capsys):
    assert roleplay_outcome("serve-call-centre/AAAA/257c", "serve-call-centre") == "good"
    assert roleplay_outcome("serve-call-centre/AAAA/0000", "serve-call-centre") is None
    assert "not accepted" in capsys.readouterr().out
    assert roleplay_outcome(None, "serve-call-centre") is None
    assert roleplay_outcome("serve-call-centre/AAAA/257c", "no-such-scenario") is None
