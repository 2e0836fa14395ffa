"""Are graded path codes bound to the learner, the role-play, the path and the attempt, and is
anything else (forged, copied, later, malformed, for another role-play) told apart?"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from servicecourse.roleplay.pathcodes import (
    PathCode,
    PathCodeError,
    current_grader,
    graded_as,
    parse,
    practice,
    sign,
    signature_ok,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def test_a_graded_code_is_the_contract_s_hmac():
    code = sign(KEY, "amara", "serve-call-centre", "BACA", 1)
    digest = hmac.new(KEY, b"amara\nserve-call-centre\nBACA\n1", hashlib.sha256).digest()
    assert code == f"serve-call-centre/BACA/1-{base64.b32encode(digest).decode()[:10]}"


def test_a_signed_code_parses_and_its_signature_holds_for_its_learner():
    parsed = parse(sign(KEY, "amara", "serve-call-centre", "BACA", 1), "serve-call-centre")
    assert (parsed.scenario, parsed.letters, parsed.attempt, parsed.graded) == ("serve-call-centre", "BACA", 1, True)
    assert signature_ok(KEY, "amara", parsed)


def test_a_code_copied_from_another_learner_does_not_hold():
    copied = parse(sign(KEY, "amara", "serve-call-centre", "BACA", 1), "serve-call-centre")
    assert not signature_ok(KEY, "ben", copied)


def test_a_forged_code_does_not_hold():
    # The letters of a good path with a made-up signature, or one signed with another key.
    made_up = parse("serve-call-centre/BACA/1-AAAAAAAAAA", "serve-call-centre")
    other_key = parse(sign(OTHER_KEY, "amara", "serve-call-centre", "BACA", 1), "serve-call-centre")
    assert not signature_ok(KEY, "amara", made_up) and not signature_ok(KEY, "amara", other_key)


def test_changing_the_letters_or_the_attempt_breaks_the_signature():
    code = sign(KEY, "amara", "serve-call-centre", "BCCA", 3)
    signature = code.rsplit("-", 1)[1]
    as_first = parse(f"serve-call-centre/BCCA/1-{signature}", "serve-call-centre")
    better_path = parse(f"serve-call-centre/AAAA/3-{signature}", "serve-call-centre")
    assert signature_ok(KEY, "amara", parse(code, "serve-call-centre"))
    assert not signature_ok(KEY, "amara", as_first) and not signature_ok(KEY, "amara", better_path)


def test_a_later_attempt_is_signed_but_says_it_is_not_the_first():
    later = parse(sign(KEY, "amara", "serve-call-centre", "AAAA", 2), "serve-call-centre")
    assert signature_ok(KEY, "amara", later) and later.attempt == 2


def test_a_practice_code_parses_and_proves_nothing():
    code = practice("serve-call-centre", "BACA")
    assert code == "serve-call-centre/BACA/practice"
    parsed = parse(code, "serve-call-centre")
    assert parsed == PathCode("serve-call-centre", "BACA", None, None) and not parsed.graded
    assert not signature_ok(KEY, "amara", parsed)


def test_case_and_spaces_copied_by_hand_are_forgiven():
    code = sign(KEY, "amara", "serve-call-centre", "BACA", 1)
    parsed = parse(f"  {code.lower()}\n", "serve-call-centre")
    assert str(parsed) == code and signature_ok(KEY, "amara", parsed)


@pytest.mark.parametrize("code, says", [
    (42, "not int"),
    (None, "not NoneType"),
    ("", "is not a path code"),
    ("paste your path code here", "is not a path code"),
    ("serve-call-centre/BACA", "is not a path code"),
    ("serve-call-centre//practice", "is not a path code"),
    ("serve-call-centre/BACA/1-K3QZ/extra", "is not a path code"),
    ("serve-call-centre/BAXA/practice", "are not choice letters"),
    ("serve-call-centre/BACA/257c", "should be 'practice' or an attempt"),
    ("serve-call-centre/BACA/0-AAAAAAAAAA", "should be 'practice' or an attempt"),
    ("serve-call-centre/BACA/1-AAAAAAAAA", "should be 'practice' or an attempt"),
    ("serve-call-centre/BACA/1-AAAAAAAAA1", "should be 'practice' or an attempt"),
    ("serve-hotel-front-desk/BACA/practice", "for the role-play 'serve-hotel-front-desk', not 'serve-call-centre'"),
])
def test_malformed_codes_and_codes_for_another_role_play_are_refused_with_a_sentence(code, says):
    with pytest.raises(PathCodeError, match=says) as error:
        parse(code, "serve-call-centre")
    assert str(error.value).endswith(".")


def test_the_grader_s_learner_and_key_are_known_only_inside_graded_as():
    assert current_grader() is None
    with graded_as("amara", KEY):
        assert current_grader() == ("amara", KEY)
        with graded_as("ben", OTHER_KEY):
            assert current_grader() == ("ben", OTHER_KEY)
        assert current_grader() == ("amara", KEY)
    assert current_grader() is None


def test_graded_as_ends_even_when_grading_fails():
    with pytest.raises(RuntimeError):
        with graded_as("amara", KEY):
            raise RuntimeError("a check crashed")
    assert current_grader() is None
