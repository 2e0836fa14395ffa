"""Do the learner-facing checks speak in sentences, and do the hidden tests' scores give fair,
exact-type partial credit whatever an answer holds?"""

from __future__ import annotations

import math

import nbformat
import pytest

from servicecourse import checks
from servicecourse.checks import (
    NotYet,
    Unreadable,
    check_letters,
    check_mapping,
    check_one_of,
    check_order,
    check_path_code,
    check_text,
    roleplay_points,
    score_choice,
    score_letters,
    score_mapping,
    score_order,
    score_text,
)


class EqualsAnything(str):
    """Text that claims to equal everything, strips to "B" and hashes like "A"."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = str.__hash__

    def strip(self, *args):
        return "B"


class LoudDict(dict):
    """A dictionary subclass that claims to hold every answer."""

    def get(self, key, default=None):
        return "reactive"

    def __eq__(self, other):
        return True

    __hash__ = None


class BadRepr:
    def __repr__(self):
        raise RuntimeError("no repr for you")

    def __eq__(self, other):
        raise RuntimeError("no comparing either")

    __hash__ = object.__hash__


def _recursive_list():
    items = ["A"]
    items.append(items)
    return items


ODD_VALUES = [
    None, ..., 0, -1, 10 ** 5000, 2.5, math.nan, True, "", "?", "   ", "x" * 1_000_000, "BBB",
    b"B", ["B"], [["A"]], [], {}, {"A": None}, {"A": ["x"]}, {1: "x"}, {None: "x"}, set(),
    ("A", "B"), {"A", "B"}, EqualsAnything("A"), [EqualsAnything("A")], {EqualsAnything("A"): "x"},
    {"A": EqualsAnything("x")}, LoudDict(A="reactive"), object(), BadRepr(), [BadRepr()],
    {"A": BadRepr()}, _recursive_list(), Unreadable("line 1: a quote is missing"), NotImplemented,
    lambda: "B", (x for x in "AB"), "\x00", "é" * 50, ["A", "A"], ["a", "c"], ["AB"],
    {"A": "reactive", "Z": "proactive"}, {"A": "Reactive"}, "paste your path code here",
]
CHECKS = [
    lambda v: check_text(v, "first_name"),
    lambda v: check_one_of(v, "ABCD", "best_reply"),
    lambda v: check_one_of(v, ["billing error", "late delivery"], "top_cause"),
    lambda v: check_mapping(v, "AB", ["reactive", "proactive"], "approach"),
    lambda v: check_letters(v, "ABCDE", "beyond"),
    lambda v: check_order(v, "ABCD", "order"),
    lambda v: check_path_code(v, "serve-call-centre"),
]
SCORES = [
    lambda v: score_text(v, points=1),
    lambda v: score_choice(v, "B", points=2, partial={"D": 0.5}),
    lambda v: score_mapping(v, {"A": "reactive", "B": "proactive"}, points=4),
    lambda v: score_letters(v, ["B", "C"], "ABCDE", points=3),
    lambda v: score_order(v, ["C", "A", "D", "B"], points=3),
    lambda v: roleplay_points(v, "serve-call-centre", points=2),
]


def _said(capsys) -> str:
    return capsys.readouterr().out


def test_not_yet_is_a_failed_assertion_shown_as_one_plain_sentence():
    error = NotYet("put the letter between quotes.")
    assert isinstance(error, AssertionError)
    assert error._render_traceback_() == ["Not yet: put the letter between quotes."]


@pytest.mark.parametrize("check", range(len(CHECKS)))
def test_a_check_never_raises_anything_but_not_yet_and_never_returns_a_value(check, capsys):
    """Is every odd value either accepted with OK or refused with a Not yet sentence?"""
    for value in ODD_VALUES:
        try:
            assert CHECKS[check](value) is None  # a value would be read as partial credit
        except NotYet as error:
            assert str(error).startswith("Not yet: ") and "\n" not in str(error)
            assert len(str(error)) < 400, "a Not yet sentence quotes at most a little of the answer"
        else:
            assert _said(capsys).startswith("OK: ")


@pytest.mark.parametrize("score", range(len(SCORES)))
def test_a_score_is_always_a_float_within_its_points_and_zero_for_odd_values(score, capsys):
    for value in ODD_VALUES:
        points = SCORES[score](value)
        assert type(points) is float and 0.0 <= points <= 4.0
    assert SCORES[score](EqualsAnything("A")) == 0.0  # text that equals anything is not text
    assert SCORES[score](LoudDict(A="reactive", B="proactive")) == 0.0


def test_text_check_and_score(capsys):
    check_text("Amira", "first_name")
    assert _said(capsys).startswith("OK: first_name is some text")
    for placeholder in ("?", "", "  ? "):
        with pytest.raises(NotYet, match="replace the \\? with your answer"):
            check_text(placeholder, "first_name")
    with pytest.raises(NotYet, match='like first_name = "Sam"; you wrote 42'):
        check_text(42, "first_name")
    assert score_text("Amira", points=1) == 1.0 and score_text("?", points=1) == 0.0


def test_one_of_says_what_to_type(capsys):
    check_one_of(" C ", "ABCD", "best_reply")
    assert "OK: best_reply is one of the options" in _said(capsys)
    with pytest.raises(NotYet, match='replace the \\? with one of "A", "B", "C" or "D", keeping '
                                     'the quotes, like best_reply = "A"'):
        check_one_of("?", "ABCD", "best_reply")
    with pytest.raises(NotYet, match='write it exactly as the option is written: best_reply = "B"'):
        check_one_of("b", "ABCD", "best_reply")
    with pytest.raises(NotYet, match="between quotes, .*you wrote 2"):
        check_one_of(2, "ABCD", "best_reply")
    with pytest.raises(NotYet, match="'E' is not one of the options"):
        check_one_of("E", "ABCD", "best_reply")
    with pytest.raises(NotYet, match="you wrote a EqualsAnything object"):
        check_one_of(EqualsAnything("B"), "ABCD", "best_reply")


def test_a_choice_scores_its_key_its_partly_right_option_and_nothing_else():
    assert score_choice("B", "B", points=2) == 2.0
    assert score_choice(" B\n", "B", points=2) == 2.0
    assert score_choice("D", "B", points=2, partial={"D": 0.5}) == 1.0
    assert score_choice("A", "B", points=2, partial={"D": 0.5}) == 0.0
    assert score_choice("b", "B", points=2) == 0.0
    assert score_choice(["B"], "B", points=2) == 0.0


def test_mapping_names_missing_unknown_placeholder_and_misspelt_entries(capsys):
    check_mapping({"A": "x", "B": "y"}, "AB", ["x", "y"], "approach")
    assert "OK: every statement of approach" in _said(capsys)
    with pytest.raises(NotYet) as error:
        check_mapping({"A": "z", "C": "x"}, "AB", ["x", "y"], "approach")
    said = str(error.value)
    assert 'statement "B" is missing' in said and '"C" is not one of the statements' in said
    assert "'z' is not one of the answers" in said
    with pytest.raises(NotYet, match='replace each \\? with one of "x" or "y"'):
        check_mapping({"A": "?", "B": "?"}, "AB", ["x", "y"], "approach")
    with pytest.raises(NotYet, match='replace the \\? beside "B"'):
        check_mapping({"A": "x", "B": "?"}, "AB", ["x", "y"], "approach")
    with pytest.raises(NotYet, match='write "reactive" exactly'):
        check_mapping({"A": "Reactive", "B": "reactive"}, "AB", ["reactive"], "approach")
    with pytest.raises(NotYet, match="must stay a dictionary between curly braces"):
        check_mapping("A=x", "AB", ["x"], "approach")
    with pytest.raises(NotYet, match="must stay a dictionary"):
        check_mapping(LoudDict(A="x", B="y"), "AB", ["x", "y"], "approach")


def test_a_mapping_scores_each_statement_on_its_own():
    key = {"A": "reactive", "B": "proactive", "C": "reactive", "D": "proactive"}
    assert score_mapping(dict(key), key, points=4) == 4.0
    assert score_mapping({**key, "B": "reactive"}, key, points=4) == 3.0
    assert score_mapping({"A": "reactive"}, key, points=4) == 1.0  # the others are missing
    assert score_mapping({" A ": " reactive "}, key, points=4) == 1.0
    assert score_mapping({k: "proactive" for k in key}, key, points=4) == 2.0
    assert score_mapping({"A": EqualsAnything("x"), "B": "proactive"}, key, points=4) == 1.0
    assert score_mapping({EqualsAnything("A"): "reactive"}, key, points=4) == 0.0


def test_letters_refuse_empty_lists_duplicates_unknowns_and_other_types(capsys):
    check_letters(["B", "C"], "ABCDE", "beyond")
    assert "OK: beyond lists 2 of the 5 options" in _said(capsys)
    with pytest.raises(NotYet, match="the list is still empty"):
        check_letters([], "ABCDE", "beyond")
    with pytest.raises(NotYet, match='"A" appears twice'):
        check_letters(["A", "A"], "ABCDE", "beyond")
    with pytest.raises(NotYet, match="'Z' is not one of the options"):
        check_letters(["Z"], "ABCDE", "beyond")
    with pytest.raises(NotYet, match='Use the capital letter "C"'):
        check_letters(["c"], "ABCDE", "beyond")
    with pytest.raises(NotYet, match="A comma is missing between two letters"):
        check_letters(["AB"], "ABCDE", "beyond")
    with pytest.raises(NotYet, match="must stay a list between square brackets"):
        check_letters("AC", "ABCDE", "beyond")


def test_letters_judge_each_option_on_its_own():
    key, options = ["B", "C"], "ABCDE"
    assert score_letters(["B", "C"], key, options, points=5) == 5.0
    assert score_letters(["C", "B"], key, options, points=5) == 5.0
    assert score_letters(["B"], key, options, points=5) == 4.0  # C missed
    assert score_letters(["B", "C", "D"], key, options, points=5) == 4.0  # D chosen wrongly
    assert score_letters(list(options), key, options, points=5) == 2.0  # only B and C right
    assert score_letters([], key, options, points=5) == 0.0  # no answer, not "all left out"
    assert score_letters(["B", "B"], key, options, points=5) == 0.0
    assert score_letters(("B", "C"), key, options, points=5) == 0.0


def test_order_needs_every_letter_once(capsys):
    check_order(["D", "A", "C", "B"], "ABCD", "order")
    assert "OK: all 4 letters of order are there" in _said(capsys)
    with pytest.raises(NotYet, match='"B" and "D" are missing'):
        check_order(["A", "C"], "ABCD", "order")


def test_an_order_scores_by_pairs_above_chance():
    key = ["A", "B", "C", "D", "E"]
    assert score_order(list(key), key, points=5) == 5.0
    assert score_order(["B", "A", "C", "D", "E"], key, points=5) == 4.0  # one pair of ten wrong
    assert score_order(["A", "B", "C", "E", "D"], key, points=5) == 4.0
    assert score_order(["E", "B", "C", "D", "A"], key, points=5) == 0.0  # 3 of 10 pairs right
    assert score_order(key[::-1], key, points=5) == 0.0
    assert score_order(["A", "B", "C", "D"], key, points=5) == 0.0  # E missing
    assert score_order(["A", "B", "C", "D", "D"], key, points=5) == 0.0
    assert score_order(["A", "B", "C", "D", EqualsAnything("E")], key, points=5) == 0.0


def test_a_malformed_answer_that_friendly_answers_left_says_why(capsys):
    left = Unreadable('line 1: a quote is missing; put the answer between two quotes, like "B".')
    with pytest.raises(NotYet, match="the answer cell of best_reply is not readable yet: line 1: a quote"):
        check_one_of(left, "ABCD", "best_reply")
    assert score_choice(left, "B", points=2) == 0.0


def test_friendly_answers_does_nothing_outside_ipython():
    assert checks.friendly_answers() is None


@pytest.mark.slow
def test_answers_that_are_not_python_get_a_sentence_in_a_real_kernel():
    """In a real IPython kernel: a missing quote, a missing bracket, curly quotes and a word
    without quotes each give one Not yet sentence (still an error), and the check below says
    the same instead of checking an older answer."""
    import nbclient

    cells = ["from servicecourse.checks import check_one_of, friendly_answers\nfriendly_answers()",
             'best_reply = "B"', 'best_reply = "C\n# Write your answer on the line above',
             'check_one_of(best_reply, "ABCD", "best_reply")', "order = [\"A\", \"B\"",
             'kind = {"A": “recovery”}', "best_reply = B", 'approach = {"A": "x" "B": "y"}',
             'best_reply = "D"', 'check_one_of(best_reply, "ABCD", "best_reply")']
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbclient.NotebookClient(notebook, allow_errors=True, timeout=60).execute()
    errors = [[o for o in cell.outputs if o.output_type == "error"] for cell in notebook.cells]
    expected = {2: "line 1: a quote is missing", 3: "the answer cell of best_reply is not readable yet",
                4: "a square bracket [ is opened but never closed", 5: "curly quotes",
                6: "Python does not know the word B. If it is part of your answer, put the answer "
                   'between quotes, like "B"',
                7: "a comma is missing between two answers"}
    for index, words in expected.items():
        (error,) = errors[index]
        assert error.ename == "NotYet" and len(error.traceback) == 1, error
        assert error.traceback[0].startswith("Not yet: ") and words in error.traceback[0]
    assert not errors[0] and not errors[1] and not errors[8] and not errors[9]
    assert notebook.cells[9].outputs[0].text.startswith("OK: best_reply is one of the options")


def _letters_to(scenario_id: str, outcome: str) -> str:
    """The letters of some complete play of ``scenario_id`` that ends with ``outcome``."""
    from servicecourse.roleplay.engine import LETTERS
    from servicecourse.roleplay.scenario import load_by_id

    scenario = load_by_id(scenario_id)
    stack = [("", scenario.start)]
    while stack:
        letters, node = stack.pop()
        if node in scenario.endings:
            if scenario.endings[node].outcome == outcome:
                return letters
            continue
        if len(letters) < 15:
            stack += [(letters + LETTERS[i], c.next) for i, c in enumerate(scenario.beats[node].choices)]
    raise LookupError(f"{scenario_id} has no {outcome} ending")


SCENARIO = "serve-call-centre"


def test_a_practice_code_earns_by_its_ending_outside_the_grader(capsys):
    """Outside the trusted grader (the learner's own notebook, plain nbgrader), a code's ending
    decides: good all, mixed half, poor nothing."""
    for outcome, points in (("good", 2.0), ("mixed", 1.0), ("poor", 0.0)):
        code = f"{SCENARIO}/{_letters_to(SCENARIO, outcome)}/practice"
        assert roleplay_points(code, SCENARIO, points=2) == points
        check_path_code(code, SCENARIO)
        said = _said(capsys)
        assert said.startswith("OK: the path code replays to the ending") and f"({outcome} outcome)" in said
        assert "This is a practice code" in said


def test_inside_the_grader_only_the_learners_own_signed_first_play_earns(capsys):
    from servicecourse.roleplay import pathcodes

    key, good = b"k" * 32, _letters_to(SCENARIO, "good")
    own = pathcodes.sign(key, "amara", SCENARIO, good, 1)
    with pathcodes.graded_as("amara", key):
        assert roleplay_points(own, SCENARIO, points=2) == 2.0
        assert _said(capsys) == ""
        cases = {f"{SCENARIO}/{good}/practice": "this is a practice code",
                 pathcodes.sign(key, "ben", SCENARIO, good, 1): "was not given to you by the course app",
                 pathcodes.sign(key, "amara", SCENARIO, good, 2): "this code is from attempt 2",
                 own[:-1] + ("A" if own[-1] != "A" else "B"): "was not given to you by the course app",
                 pathcodes.sign(b"another cohort's key", "amara", SCENARIO, good, 1): "was not given to you"}
        for code, words in cases.items():
            assert roleplay_points(code, SCENARIO, points=2) == 0.0
            said = _said(capsys)
            assert said.startswith("Not yet: ") and words in said, (code, said)
    assert roleplay_points(own, SCENARIO, points=2) == 2.0  # outside: the signature is not checked


def test_a_path_code_that_does_not_fit_says_why(capsys):
    good = _letters_to(SCENARIO, "good")
    with pytest.raises(NotYet, match="paste between the quotes the path code the course app showed"):
        check_path_code("paste your path code here", SCENARIO)
    with pytest.raises(NotYet, match="this code is for the role-play 'culture-field-technician'"):
        check_path_code(f"culture-field-technician/{good}/practice", SCENARIO)
    with pytest.raises(NotYet, match="does not describe a complete play"):
        check_path_code(f"{SCENARIO}/{good[:-1]}/practice", SCENARIO)
    with pytest.raises(NotYet, match="put the path code between quotes"):
        check_path_code(None, SCENARIO)
    assert roleplay_points(f"{SCENARIO}/{good[:-1]}/practice", SCENARIO, points=2) == 0.0
    assert "Not yet: the code does not describe a complete play" in _said(capsys)
