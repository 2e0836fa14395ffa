"""Are the graded modules fair situational judgement: well-formed cells, partial credit per
statement, explanations for every test, plain sentences for every malformed answer, full marks for
the solutions in real nbgrader, and nothing of the answer key in what learners receive?"""

from __future__ import annotations

import ast
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import yaml

from servicecourse import cohort
from servicecourse.cohort.submissions import answer, solution_answers
from servicecourse.course import EXERCISES, SOLUTIONS, modules

from conftest import BIN, run

OPTION = re.compile(r"^- \*\*([A-G])\.\*\* (.+?)\s*$", re.M)
STUB = "# Write your answer on the line above, then run this cell."


@dataclass
class Item:
    """One autograded question: its test cell, the answer it checks and how it scores."""

    module: str
    grade_id: str
    points: float
    answer_id: str
    name: str  # the answer's variable
    solution: object  # the instructor's literal
    placeholder: object
    check: ast.Call  # the visible check
    score: ast.Call  # the hidden region's last line
    options_text: dict[str, str]  # the options (- **A.** ...) shown above the answer

    @property
    def kind(self) -> str:
        return self.score.func.id

    def key(self):
        return ast.literal_eval(self.score.args[1])


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _hidden(source: str) -> str:
    return source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].strip()


def _assignment(source: str) -> tuple[str, object]:
    (statement,) = ast.parse(source).body
    assert isinstance(statement, ast.Assign) and len(statement.targets) == 1
    return statement.targets[0].id, ast.literal_eval(statement.value)


def _notebook(module: str):
    return nbformat.read(SOLUTIONS / module / f"{module}.ipynb", as_version=4)


def items(module: str) -> list[Item]:
    """The autograded questions of a module, read from its instructor notebook."""
    found, options, last_answer = [], {}, None
    for cell in _notebook(module).cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "markdown" and OPTION.search(cell.source):
            options = dict(OPTION.findall(cell.source))
        if cell.cell_type == "code" and meta.get("solution"):
            placeholder, _, rest = cell.source.partition("\n### BEGIN SOLUTION\n")
            solution = rest.removesuffix("### END SOLUTION").strip()
            last_answer = (meta["grade_id"], *_assignment(placeholder), _assignment(solution)[1])
        if cell.cell_type == "code" and meta.get("grade"):
            answer_id, name, placeholder, solution = last_answer
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            check = next(node for node in ast.walk(ast.parse(visible)) if isinstance(node, ast.Call))
            score = ast.parse(_hidden(cell.source).splitlines()[-1]).body[0].value
            found.append(Item(module, meta["grade_id"], float(meta["points"]), answer_id, name,
                              solution, placeholder, check, score, options))
    return found


ALL_ITEMS = [item for module in modules() for item in items(module)]


def _setup(module: str) -> dict:
    """The names the module's setup cell defines (run outside IPython: friendly_answers is a no-op)."""
    namespace: dict = {}
    setup = next(c for c in _notebook(module).cells if _nbgrader(c).get("grade_id") == "setup")
    exec(setup.source, namespace)  # noqa: S102 (the course's own setup cell)
    return namespace


def _scored(item: Item, value) -> float:
    namespace = {**_setup(item.module), item.name: value}
    return eval(compile(ast.Expression(item.score), item.grade_id, "eval"), namespace)  # noqa: S307


def _checked(item: Item, value) -> None:
    namespace = {**_setup(item.module), item.name: value}
    eval(compile(ast.Expression(item.check), item.grade_id, "eval"), namespace)  # noqa: S307


def _allowed(item: Item) -> list[str]:
    """The values the visible check allows (its third argument, a literal or a setup name)."""
    node = item.check.args[2]
    return list(ast.literal_eval(node) if not isinstance(node, ast.Name) else _setup(item.module)[node.id])


# --- the shape of the notebooks ------------------------------------------------------------------


@pytest.mark.parametrize("module", modules())
def test_answer_cells_hold_one_literal_and_test_cells_a_check_then_a_score(module):
    """Contract 3: `name = literal` plus the stub; a docstring, a visible check, and a hidden
    region whose last line returns the cell's points (no assert)."""
    notebook = _notebook(module)
    for cell in notebook.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            placeholder, marker, rest = cell.source.partition("\n### BEGIN SOLUTION\n")
            assert marker and rest.endswith("### END SOLUTION"), meta["grade_id"]
            _assignment(placeholder), _assignment(rest.removesuffix("### END SOLUTION"))
    found = items(module)
    assert len(found) >= 4
    for item in found:
        cell = next(c for c in notebook.cells if _nbgrader(c).get("grade_id") == item.grade_id)
        assert cell.source.startswith('"""') and cell.source.count("\n", 0, cell.source.index('"""', 3)) == 0
        assert item.check.func.id.startswith("check_") and item.check.args[0].id == item.name
        assert "assert" not in _hidden(cell.source)
        assert item.kind in {"score_text", "score_choice", "score_mapping", "score_letters",
                             "score_order", "roleplay_points"}
        assert item.score.args[0].id == item.name
        points = next(k.value for k in item.score.keywords if k.arg == "points")
        assert ast.literal_eval(points) == item.points
    roleplays = [item for item in found if item.kind == "roleplay_points"]
    assert len(roleplays) == (0 if module == "getting-started" else 1)


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: f"{i.module}:{i.grade_id}")
def test_the_solution_is_well_formed_and_earns_every_point(item, capsys):
    _checked(item, item.solution)
    assert capsys.readouterr().out.startswith("OK: ")
    assert _scored(item, item.solution) == item.points
    assert _scored(item, item.placeholder) == 0.0


@pytest.mark.parametrize("item", [i for i in ALL_ITEMS if i.kind == "score_mapping"],
                         ids=lambda i: f"{i.module}:{i.grade_id}")
def test_each_statement_of_a_matching_item_scores_on_its_own(item, capsys):
    """With k of n statements right (the others given a wrong but allowed answer), is the score
    k/n of the points, for every k?"""
    key, allowed = item.key(), _allowed(item)
    statements = list(key)
    for k in range(len(statements) + 1):
        given = {s: (key[s] if i < k else next(a for a in allowed if a != key[s]))
                 for i, s in enumerate(statements)}
        _checked(item, given)
        assert _scored(item, given) == pytest.approx(item.points * k / len(statements), abs=1e-5)


@pytest.mark.parametrize("item", [i for i in ALL_ITEMS if i.kind == "score_letters"],
                         ids=lambda i: f"{i.module}:{i.grade_id}")
def test_each_option_of_a_choose_all_item_scores_on_its_own(item, capsys):
    """With k of n options judged right (chosen and keyed, or left out and not keyed), is the
    score k/n of the points? An empty list earns nothing."""
    key, options = set(item.key()), list(ast.literal_eval(item.score.args[2]))
    for wrong in range(len(options) + 1):
        for flipped in itertools.combinations(options, wrong):
            chosen = sorted(key.symmetric_difference(flipped))
            if not chosen:
                assert _scored(item, []) == 0.0
                continue
            _checked(item, chosen)
            expected = item.points * (len(options) - wrong) / len(options)
            assert _scored(item, chosen) == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("item", [i for i in ALL_ITEMS if i.kind == "score_order"],
                         ids=lambda i: f"{i.module}:{i.grade_id}")
def test_an_ordering_item_gives_credit_by_pairs(item, capsys):
    """Every order is right; one swap of neighbours loses two pairs' worth; the reverse earns 0."""
    key = item.key()
    pairs = len(key) * (len(key) - 1) / 2
    for i in range(len(key) - 1):
        swapped = key[:i] + [key[i + 1], key[i]] + key[i + 2:]
        _checked(item, swapped)
        assert _scored(item, swapped) == pytest.approx(item.points * (1 - 2 / pairs), abs=1e-5)
    assert _scored(item, key[::-1]) == 0.0
    assert _scored(item, key[:-1]) == 0.0


@pytest.mark.parametrize("item", [i for i in ALL_ITEMS if i.kind == "score_choice"],
                         ids=lambda i: f"{i.module}:{i.grade_id}")
def test_a_single_choice_scores_its_key_and_partly_right_options_only(item, capsys):
    partial = {k.arg: ast.literal_eval(k.value) for k in item.score.keywords}.get("partial") or {}
    options = _allowed_options(item)
    for option in options:
        _checked(item, option)
        expected = item.points if option == item.key() else item.points * partial.get(option, 0.0)
        assert _scored(item, option) == expected


def _allowed_options(item: Item) -> list[str]:
    node = item.check.args[1]
    return list(ast.literal_eval(node))


# --- the options themselves ----------------------------------------------------------------------


@pytest.mark.parametrize("item", [i for i in ALL_ITEMS if i.kind in ("score_choice", "score_letters")
                                  and i.options_text], ids=lambda i: f"{i.module}:{i.grade_id}")
def test_no_keyed_option_is_the_longest_by_far(item):
    """Is the keyed option at most 10% longer than the longest other one (and, for choose-all,
    the keyed options no longer on average than the others)?"""
    key = item.key()
    keyed = {key} if isinstance(key, str) else set(key)
    lengths = {letter: len(text) for letter, text in item.options_text.items()}
    assert set(lengths) == set(_allowed_options(item))
    others = [n for letter, n in lengths.items() if letter not in keyed]
    assert max(lengths[k] for k in keyed) <= 1.1 * max(others), lengths
    assert sum(lengths[k] for k in keyed) / len(keyed) <= 1.1 * sum(others) / len(others), lengths


def test_the_keyed_letters_are_spread_over_the_positions():
    """Does no single position (A, B, C, D) hold the key of more than a third of the choice items?"""
    keys = [item.key() for item in ALL_ITEMS
            if item.kind == "score_choice" and item.module != "getting-started"]
    assert len(keys) >= 8
    assert max(keys.count(letter) for letter in "ABCD") <= len(keys) / 3 + 1


# --- explanations ----------------------------------------------------------------------------------


@pytest.mark.parametrize("module", modules())
def test_every_autograded_test_cell_has_an_explanation(module):
    explanations = yaml.safe_load((SOLUTIONS / module / "explanations.yml").read_text())
    tests = [item.grade_id for item in items(module)]
    assert sorted(explanations) == sorted(tests)
    for grade_id, text in explanations.items():
        assert isinstance(text, str) and len(text.split()) >= 20, grade_id


def test_explanations_are_in_our_own_words():
    from test_content import ARTICLE_FILES, SOURCES, _shingles, _words

    articles = {key: _shingles(_words((SOURCES / name).read_text())) for key, name in ARTICLE_FILES.items()}
    copied = []
    for path in SOLUTIONS.glob("*/explanations.yml"):
        own = _shingles(_words(path.read_text()))
        copied += [f"{path.parent.name} copies {key}: {' '.join(s)}"
                   for key, shingles in articles.items() for s in sorted(own & shingles)]
    assert copied == []


def test_no_explanation_reaches_the_exercises():
    assert list(EXERCISES.rglob("explanations.yml")) == []
    texts = [p.read_text() for p in EXERCISES.rglob("*") if p.is_file()]
    for path in SOLUTIONS.glob("*/explanations.yml"):
        for text in yaml.safe_load(path.read_text()).values():
            sentence = text.split(". ")[1] if ". " in text else text
            assert not any(sentence[:60] in released for released in texts)


@pytest.mark.slow
def test_a_cohort_release_holds_no_explanations(tmp_path):
    course = str(BIN / "course")
    folder = tmp_path / "spring"
    run(course, "cohort", "new", str(folder))
    run(course, "cohort", "release", "--cohort", str(folder), "--exchange", str(tmp_path / "exchange"))
    released = list((folder / "release").rglob("*")) + list((tmp_path / "exchange").rglob("*"))
    assert any(p.name == "serve.ipynb" for p in released)
    assert [p for p in released if p.name == "explanations.yml"] == []
    assert (folder / "source" / "serve" / "explanations.yml").is_file()  # the trainer keeps it


# --- in a real kernel and in real nbgrader ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("module", modules())
def test_validate_fails_on_the_blank_release_with_not_yet_sentences(module):
    notebook = EXERCISES / module / f"{module}.ipynb"
    result = run(str(BIN / "nbgrader"), "validate", str(notebook), check=False)
    out = result.stdout + result.stderr
    graded = [c for c in _notebook(module).cells if _nbgrader(c).get("grade")]  # reflections too
    assert f"VALIDATION FAILED ON {len(graded)} CELL(S)" in out
    assert out.count("Not yet: ") == len(items(module))
    assert "Traceback" not in out and "Error" not in out.replace("Error 404", "")


MALFORMED = {  # how a learner can break an answer line, applied to the solution line
    "a quote or bracket missing at the end": lambda line: line[:-1],
    "no quotes at all": lambda line: line.replace('"', ""),
    "curly quotes": lambda line: re.sub(r'"([^"]*)"', r"“\1”", line),
    "a number instead": lambda line: line.split("=")[0] + "= 42",
}


@pytest.mark.slow
@pytest.mark.parametrize("module", modules())
@pytest.mark.parametrize("how", MALFORMED)
def test_a_malformed_answer_in_every_cell_gets_a_sentence_and_no_traceback(module, how):
    """Executed in a real kernel (as JupyterLab and nbgrader run it): is every error a one-line
    Not yet sentence, and does every test cell fail?"""
    import nbclient

    release = EXERCISES / module / f"{module}.ipynb"
    solutions = solution_answers(SOLUTIONS / module / f"{module}.ipynb")
    answer_ids = {item.answer_id for item in items(module)}
    notebook = answer(release, {cell_id: MALFORMED[how](solutions[cell_id]) for cell_id in answer_ids})
    nbclient.NotebookClient(notebook, allow_errors=True, timeout=60, kernel_name="python3").execute()
    failed = set()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                assert output.ename == "NotYet" and len(output.traceback) == 1, (how, cell.source, output)
                assert output.traceback[0].startswith("Not yet: ")
                failed.add(_nbgrader(cell).get("grade_id"))
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text
    assert {item.grade_id for item in items(module)} <= failed
    if how != "a number instead":
        assert answer_ids <= failed


def _partial_answers(module: str) -> tuple[dict[str, str], dict[str, float]]:
    """Answers with some statements right for each item, and the points each should earn."""
    given, expected = {}, {}
    for item in items(module):
        if item.kind == "score_mapping":
            key, allowed = item.key(), _allowed(item)
            value = {s: key[s] if i % 2 == 0 else next(a for a in allowed if a != key[s])
                     for i, s in enumerate(key)}
        elif item.kind == "score_letters":
            value = sorted(set(item.key()) ^ {list(ast.literal_eval(item.score.args[2]))[0]})
        elif item.kind == "score_order":
            key = item.key()
            value = [key[1], key[0], *key[2:]]
        elif item.kind == "score_choice":
            partial = {k.arg: ast.literal_eval(k.value) for k in item.score.keywords}.get("partial")
            wrong = next(o for o in _allowed_options(item) if o != item.key())
            value = next(iter(partial)) if partial else wrong
        elif item.kind == "roleplay_points":
            from test_checks import _letters_to

            scenario = item.score.args[1].value
            value = f"{scenario}/{_letters_to(scenario, 'mixed')}/practice"
        else:
            value = item.solution
        given[item.answer_id] = f"{item.name} = {json.dumps(value, ensure_ascii=False)}"
        expected[item.grade_id] = _scored(item, value)
    return given, expected


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    """A cohort where 'instructor' handed in the solutions and 'partial' partly right answers to
    every module, both autograded by nbgrader (plain, as a trainer would run it)."""
    folder = cohort.create(tmp_path_factory.mktemp("exercises") / "cohort")
    api = cohort.api(folder)
    expected = {}
    for module in modules():
        cohort.run(api.generate_assignment(module), f"generate {module}")
        release = folder / "release" / module / f"{module}.ipynb"
        partial, expected[module] = _partial_answers(module)
        for learner, given in (("instructor", solution_answers(folder / "source" / module / release.name)),
                               ("partial", partial)):
            target = folder / "submitted" / learner / module / release.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(answer(release, given), target)
            cohort.run(api.autograde(module, learner), f"autograde {module} {learner}")
    return folder, expected


def _auto_scores(folder: Path, module: str, learner: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(cohort.db_url(folder)) as gradebook:
        submission = gradebook.find_submission(module, learner)
        return {grade.name: grade.auto_score for notebook in submission.notebooks
                for grade in notebook.grades if grade.cell.cell_type == "code"}


@pytest.mark.slow
@pytest.mark.parametrize("module", modules())
def test_the_solutions_earn_full_marks_through_nbgrader(autograded, module):
    folder, _ = autograded
    scores = _auto_scores(folder, module, "instructor")
    assert scores == {item.grade_id: item.points for item in items(module)}


@pytest.mark.slow
@pytest.mark.parametrize("module", modules())
def test_nbgrader_records_the_partial_credit_the_hidden_tests_return(autograded, module):
    folder, expected = autograded
    scores = _auto_scores(folder, module, "partial")
    assert scores == pytest.approx(expected[module], abs=1e-4)
    assert 0 < sum(scores.values()) < sum(item.points for item in items(module))
