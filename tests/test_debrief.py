"""Does the trainer's debrief read the cohort's path codes safely and count choices, endings, errors?"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from servicecourse import debrief
from servicecourse.debrief import (analyse, choice_counts, collect, ending_counts,
                                   path_code_in, submitted_codes, summary_lines, trouble_spots)
from servicecourse.engine import Roleplay
from servicecourse.paths import SOLUTIONS
from servicecourse.scenario import load_by_id
from conftest import voila_server

SCENARIO = load_by_id("serve-call-centre")


def code(letters: str) -> str:
    """The path code of playing ``letters`` (A = first choice) through serve-call-centre."""
    play = Roleplay(SCENARIO)
    for letter in letters:
        play.choose("ABC".index(letter))
    assert play.finished
    return play.path_code


# opening: A helps; B and C do harm. account: A helps, B and C do harm. blame B, transferred B harm.
GOOD, SLOW_START, BLAMED, LOST = "AAAA", "BAAA", "BBB", "CB"


def _cell_notebook(source: str | None):
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# Do you SERVE?"))
    if source is not None:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"grade_id": "roleplay_path", "solution": True, "grade": False,
                                     "locked": False, "schema_version": 3, "task": False}
        notebook.cells.append(cell)
    return notebook


@pytest.fixture
def tiny_cohort(tmp_path) -> Path:
    """A cohort folder with the real serve source notebook and nine hand-made submissions."""
    folder = tmp_path / "cohorts" / "workshop"
    shutil.copytree(SOLUTIONS / "serve", folder / "source" / "serve")
    (folder / "nbgrader_config.py").write_text("c = get_config()\n")
    canary = tmp_path / "executed"
    answers = {
        "ann": f'path_code = "{code(GOOD)}"',
        "bob": f'path_code = "paste your path code here"\npath_code = "{code(SLOW_START)}"',
        "cat": f'path_code: str = "{code(SLOW_START)}"',
        "dan": f'path_code = "{code(BLAMED)}"',
        "eve": f'path_code = "{code(LOST)}"',
        "fay": 'path_code = "serve-call-centre/AAAA/0000"',  # wrong check
        "gus": f"path_code = {code(GOOD)}",  # forgot the quotes: not Python
        "hal": f"path_code = __import__('pathlib').Path({str(canary)!r}).write_text('x')",
        "ivy": 'path_code = "paste your path code here"\n# Write your answer on the line above',
        "jon": None,  # the cell was deleted
    }
    for learner, source in answers.items():
        target = folder / "submitted" / learner / "serve" / "serve.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(_cell_notebook(source), target)
    broken = folder / "submitted" / "kim" / "serve" / "serve.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text("{ not a notebook")
    (folder / "submitted" / "lou" / "serve").mkdir(parents=True)  # handed in nothing: skipped
    return folder


# --- reading codes ------------------------------------------------------------------------------

def test_the_code_is_read_from_the_cell_without_running_it(tmp_path):
    canary = tmp_path / "executed"
    assert path_code_in('path_code = "a/B/c"') == "a/B/c"
    assert path_code_in('path_code = "old"\nx = 1\npath_code = "new"') == "new"
    assert path_code_in('path_code: str = "typed"') == "typed"
    assert path_code_in("# Write your answer on the line above") is None
    assert path_code_in('other = "serve-call-centre/AAAA/257c"') is None
    assert path_code_in("path_code = serve/AAAA/abcd") == "serve/AAAA/abcd"  # an expression
    assert path_code_in("path_code = serve/AAAA/257c") == "path_code = serve/AAAA/257c"  # not Python
    assert path_code_in('path_code = "unclosed') == 'path_code = "unclosed'  # not Python
    harmful = f"path_code = __import__('pathlib').Path({str(canary)!r}).write_text('x')"
    assert path_code_in(harmful).startswith("__import__") and not canary.exists()


def test_each_learner_gives_one_anonymous_answer(tiny_cohort):
    codes = submitted_codes(tiny_cohort, "serve")
    assert len(codes) == 11  # ann..kim; lou handed in no notebook
    assert codes.count(None) == 1 and code(GOOD) in codes
    assert not any(name in str(codes) for name in ("ann", "bob", "kim"))
    assert not (tiny_cohort.parent.parent / "executed").exists()


def test_the_module_s_scenario_and_placeholder_come_from_the_source(tiny_cohort):
    assert debrief.roleplay_modules(tiny_cohort) == {
        "serve": ("serve-call-centre", "paste your path code here")}


# --- analysis -----------------------------------------------------------------------------------

def test_valid_codes_are_replayed_and_the_rest_counted_not_raised(tiny_cohort):
    (result,) = collect(tiny_cohort)
    assert result.module == "serve" and result.scenario.id == "serve-call-centre"
    assert len(result.plays) == 5  # ann, bob, cat, dan, eve
    assert result.invalid == 4  # fay (check), gus (no quotes), hal (not a literal), kim (broken file)
    assert result.no_code == 2  # ivy (placeholder), jon (no cell)
    assert result.learners == 11


def test_codes_for_another_role_play_are_invalid():
    other = "spirit-billing-back-office/CAC/5a49"
    result = analyse("serve", SCENARIO, [other, code(GOOD), "", None, "???"])
    assert (len(result.plays), result.invalid, result.no_code) == (1, 2, 2)
    assert analyse("serve", None, [code(GOOD)]).invalid == 1


def test_choices_per_beat_and_endings_are_counted():
    result = analyse("serve", SCENARIO, [code(c) for c in (GOOD, SLOW_START, SLOW_START, BLAMED, LOST)])
    counts = choice_counts(result)
    assert list(counts) == list(SCENARIO.beats)
    assert counts["opening"] == [1, 3, 1]
    assert counts["account"] == [3, 1, 0]  # eve was transferred, then lost
    assert counts["blame"] == [0, 1] and counts["transferred"] == [0, 1]
    assert counts["repeat_request"] == [0, 0]
    assert ending_counts(result) == {"delighted": 3, "fixed_only": 0, "cold_close": 1, "lost": 1}


def test_the_beats_where_most_went_wrong_are_found_most_learners_first():
    result = analyse("serve", SCENARIO, [code(c) for c in (GOOD, SLOW_START, SLOW_START, BLAMED, LOST)])
    spots = trouble_spots(result)
    # opening: 4 of 5 took B or C (harmful), B most often (3); blame and transferred: 1 of 1.
    assert [(s.beat.id, s.harmful, s.reached) for s in spots] == [
        ("opening", 4, 5), ("blame", 1, 1), ("transferred", 1, 1)]
    assert (spots[0].choice, spots[0].choice_count) == (1, 3)
    # account: 1 of 4 went wrong, not most of them.
    assert "account" not in {s.beat.id for s in spots}


def test_half_is_not_most():
    result = analyse("serve", SCENARIO, [code(GOOD), code(SLOW_START)])
    assert trouble_spots(result) == []


def test_the_text_for_the_discussion_has_counts_only(tiny_cohort):
    (result,) = collect(tiny_cohort)
    text = "\n".join(summary_lines(result))
    assert "11 learners handed in this module: 5 valid path codes, 4 invalid codes, 2 without a code" in text
    assert "3 reached \u201cA customer won back\u201d (good)" in text
    assert "Went wrong at \u201copening\u201d: 4 of the 5 who got there" in text
    page = debrief.debrief_html(result)
    assert page.count("<img ") == 2 and 'alt="Learners per ending:' in page
    assert 'alt="Learners per choice at each beat. opening: A 1, B 3 (does harm), C 1 (does harm)' in page
    assert "What an expert would do" in page and "For discussion" in page
    for learner in ("ann", "bob", "Amara", "jon"):
        assert learner not in page.replace("Okafor", "")


def test_no_valid_code_gives_a_short_debrief_without_charts():
    result = analyse("serve", SCENARIO, [None, "nonsense"])
    page = debrief.debrief_html(result)
    assert "No valid path code yet" in page and "<img" not in page


def test_the_app_has_named_pickers_and_shows_the_first_role_play(tiny_cohort):
    app = debrief.debrief_app(root=tiny_cohort.parent)
    cohort_picker, play_picker = app.children[1].children
    assert (cohort_picker.description, cohort_picker.value) == ("Cohort", "workshop")
    assert play_picker.description == "Role-play" and play_picker.value == "serve"
    assert play_picker.options[0][0] == "serve: Billed twice (11 learners)"
    assert "Where the cohort went wrong" in app.children[2].value


def test_without_any_cohort_the_debrief_says_how_to_make_one(tmp_path):
    app = debrief.debrief_app(root=tmp_path)
    assert "course demo" in "".join(getattr(child, "value", "") for child in app.children)


# --- on the real demo cohort and in a browser ----------------------------------------------------



@pytest.mark.slow
def test_the_demo_cohort_debrief(demo_cohort):
    from servicecourse.demo import LEARNERS

    results = {d.module: d for d in collect(demo_cohort)}
    assert "serve" in results and set(results) == set(debrief.roleplay_modules(demo_cohort))
    handed_in = sum(how != "missing" for *_, how in LEARNERS)
    complete = sum(how == "complete" for *_, how in LEARNERS)
    for result in results.values():
        assert result.scenario is not None and result.learners == handed_in
        assert len(result.plays) >= complete and result.invalid == 0
        assert sum(ending_counts(result).values()) == len(result.plays)
    assert {play.path_code for play in results["serve"].plays} == {"serve-call-centre/AAAA/257c"}


@pytest.mark.slow
@pytest.mark.browser
def test_the_debrief_app_shows_charts_in_voila(tmp_path_factory, demo_cohort, chromium):
    with voila_server(tmp_path_factory.mktemp("jupyter-config"),
                      COURSE_COHORTS=str(demo_cohort.parent)) as url:
        page = chromium.new_page()
        page.goto(f"{url}/voila/render/debrief.ipynb", timeout=60_000)
        chart = page.locator("img.debrief-choices-chart")
        chart.wait_for(timeout=60_000)
        assert chart.get_attribute("alt").startswith("Learners per choice at each beat")
        assert page.get_by_label("Cohort").input_value() == "demo"
        picker = page.get_by_label("Role-play")
        picker.select_option(label=picker.locator("option", has_text="Billed twice").inner_text())
        page.get_by_role("heading", name="Billed twice").wait_for(timeout=10_000)
        assert "A customer won back" in page.locator("img.debrief-endings-chart").get_attribute("alt")
        assert "Amara" not in page.locator("body").inner_text()
        page.close()
