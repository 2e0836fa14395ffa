"""Does the trainer's debrief show first attempts from the record (not the paths learners finally
learnt), count attempts and plays per beat, hide what fewer than the minimum group reached,
flag handed-in codes that are not the learner's first play, and read the present at each view?"""

from __future__ import annotations

import re
import shutil
import threading
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from servicecourse.apps import debrief, page_request
from servicecourse.cohort import evidence
from servicecourse.course import REPO, SOLUTIONS
from servicecourse.reporting.debrief import (
    attempt_counts,
    beat_name,
    choice_counts,
    cohort_debriefs,
    ending_counts,
    min_group,
    path_code_in,
    reached,
    roleplay_modules,
    submitted_codes,
    summary_lines,
    total,
    trouble_spots,
)
from servicecourse.roleplay.engine import Roleplay
from servicecourse.roleplay.pathcodes import LETTERS, practice, sign
from servicecourse.roleplay.scenario import load_by_id
from servicecourse.roleplay.vectors import path_to

from conftest import in_a_thread_of_its_own

SCENARIO = load_by_id("serve-call-centre")


def letters(choices) -> str:
    return "".join(LETTERS[i] for i in choices)


GOOD = letters(path_to(SCENARIO, "good"))
POOR = letters(path_to(SCENARIO, "poor"))


def play(path: str) -> Roleplay:
    from servicecourse.roleplay.engine import play_letters

    return play_letters(SCENARIO, path)


def make_cohort(root: Path, name: str = "workshop", min_group: int = 3) -> Path:
    """A cohort folder with the real serve source notebook and a policy of its own."""
    folder = root / name
    shutil.copytree(SOLUTIONS / "serve", folder / "source" / "serve")
    (folder / "nbgrader_config.py").write_text("c = get_config()\n")
    policy = (REPO / "course.yml").read_text()
    (folder / "course.yml").write_text(
        re.sub(r"(?m)^debrief_min_group: \d+", f"debrief_min_group: {min_group}", policy))
    return folder


FIRST_POOR = ("ann-okoye", "bob-carter", "cat-martin", "dan-patel")
FIRST_GOOD = ("eve-rossi", "fay-haddad")


@pytest.fixture
def cohort(tmp_path) -> Path:
    """Six learners: four take the poor path first and then replay the good one; two go straight
    to the good ending. The minimum group is 3."""
    folder = make_cohort(tmp_path / "cohorts")
    for learner in FIRST_POOR:
        evidence.record(folder, learner, SCENARIO.id, POOR)
    for learner in FIRST_GOOD:
        evidence.record(folder, learner, SCENARIO.id, GOOD)
    for learner in FIRST_POOR:
        evidence.record(folder, learner, SCENARIO.id, GOOD)
    return folder


def _one(folder):
    debriefs, notes = cohort_debriefs(folder)
    [result] = [d for d in debriefs if d.scenario_id == SCENARIO.id]
    return result, notes


# --- the statistics -----------------------------------------------------------------------------

def test_the_debrief_counts_first_plays_not_the_plays_that_finally_succeeded(cohort):
    result, _ = _one(cohort)
    assert result.module == "serve" and result.learners == 6 and len(result.plays) == 10
    endings = ending_counts(result)
    assert endings[play(POOR).ending.id] == 4 and endings[play(GOOD).ending.id] == 2
    assert result.attempts == [1, 1, 2, 2, 2, 2]
    assert "Complete plays per learner: 2 once, 4 twice (median 2)." in summary_lines(result)


def test_choices_reach_and_plays_with_replays_are_counted_per_beat(cohort):
    result, _ = _one(cohort)
    counts, reach, plays = choice_counts(result), reached(result), attempt_counts(result)
    opening = SCENARIO.start
    assert reach[opening] == 6 and plays[opening] == 10
    assert counts[opening][LETTERS.index(POOR[0])] >= 4 and sum(counts[opening]) == 6
    poor_beats = {step.beat.id for step in play(POOR).history}
    good_beats = {step.beat.id for step in play(GOOD).history}
    for beat_id in poor_beats - good_beats:
        assert (reach[beat_id], plays[beat_id]) == (4, 4)
    for beat_id in good_beats - poor_beats:
        assert (reach[beat_id], plays[beat_id]) == (2, 6)  # two first plays, four replays


def test_what_fewer_than_the_minimum_group_reached_is_not_shown(cohort):
    result, notes = _one(cohort)
    page = debrief.debrief_html(result, notes)
    good, poor = play(GOOD), play(POOR)
    assert "fewer than 3 learners reached this point" in page
    assert good.ending.title not in page and poor.ending.title in page  # 2 and 4 reached them
    only_good = [step for step in good.history if step.beat.id not in {s.beat.id for s in poor.history}]
    for step in only_good:  # a beat 2 learners reached: neither what was said nor the replies
        assert step.beat.text not in page and step.choice.text not in page
    alt = re.search(r'class="debrief-choices-chart" src="[^"]*" alt="([^"]*)"', page).group(1)
    charted = {part.split(":")[0] for part in alt.split(". ", 1)[1].split("; ")}
    assert charted and not charted & {beat_name(step.beat) for step in only_good}
    assert not any(learner in page for learner in FIRST_POOR + FIRST_GOOD)


def test_with_fewer_learners_than_the_minimum_group_no_beat_is_shown(tmp_path):
    folder = make_cohort(tmp_path, min_group=5)
    for learner in ("ann", "bob"):
        evidence.record(folder, learner, SCENARIO.id, POOR)
    result, notes = _one(folder)
    page = debrief.debrief_html(result, notes)
    assert "Fewer than 5 learners played it, so no beat is shown" in page
    assert "<img" not in page and SCENARIO.beats[SCENARIO.start].text not in page
    assert play(POOR).ending.title not in page


def test_the_minimum_group_is_the_cohort_s_policy(tmp_path):
    folder = make_cohort(tmp_path, min_group=2)
    assert min_group(folder) == (2, "")
    (folder / "course.yml").unlink()  # a cohort older than its own policy: the course's, said so
    group, note = min_group(folder)
    assert group == 5 and "no course.yml in the cohort" in note


def test_where_most_went_wrong_counts_first_plays_only(cohort):
    result, _ = _one(cohort)
    choices = SCENARIO.beats[SCENARIO.start].choices
    harmful = (4 * (total(choices[LETTERS.index(POOR[0])]) < 0)
               + 2 * (total(choices[LETTERS.index(GOOD[0])]) < 0))
    spots = {s.beat.id: s for s in trouble_spots(result)}
    if 2 * harmful > 6:
        assert (spots[SCENARIO.start].harmful, spots[SCENARIO.start].reached) == (harmful, 6)  # not the 10 plays
    else:
        assert SCENARIO.start not in spots
    assert all(s.reached >= 3 for s in spots.values())


def test_recorded_plays_that_no_longer_fit_the_role_play_are_left_out_and_said(cohort):
    evidence.record(cohort, "gus", SCENARIO.id, "J" * 3)
    with evidence.record_path(cohort).open("a") as handle:
        handle.write("not json\n")
    result, notes = _one(cohort)
    assert result.stale == 1 and result.learners == 6
    assert any("1 line of" in note for note in notes)
    assert any("no longer fit" in line for line in summary_lines(result))


def test_other_role_plays_played_in_the_app_have_a_debrief_too(cohort):
    other = load_by_id("serve-hotel-front-desk")
    evidence.record(cohort, "ann", other.id, letters(path_to(other, "good")))
    debriefs, _ = cohort_debriefs(cohort)
    assert [d.scenario_id for d in debriefs] == [SCENARIO.id, other.id]
    assert debriefs[1].module is None and debriefs[1].learners == 1


# --- the codes handed in (second source) --------------------------------------------------------

def _cell_notebook(source: str | None):
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# Do you SERVE?"))
    if source is not None:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"grade_id": "roleplay_path", "solution": True, "grade": False,
                                     "locked": False, "schema_version": 3, "task": False}
        notebook.cells.append(cell)
    return notebook


def _hand_in(folder, learner, source):
    target = folder / "submitted" / learner / "serve" / "serve.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(_cell_notebook(source), target)


def test_handed_in_codes_are_told_apart_by_whose_and_which_play_they_are(cohort, tmp_path):
    key = evidence.roleplay_key(cohort)
    canary = tmp_path / "executed"
    ann_first = sign(key, "ann", SCENARIO.id, POOR, 1)
    answers = {
        "ann": f'path_code = "{ann_first}"',                                 # her first play
        "bob": f'path_code = "{ann_first}"',                                 # copied from ann
        "cat": f'path_code = "{sign(key, "cat", SCENARIO.id, GOOD, 2)}"',    # her second play
        "dan": f'path_code = "{SCENARIO.id}/{GOOD}/1-AAAAAAAAAA"',          # made up
        "eve": f'path_code = "{practice(SCENARIO.id, GOOD)}"',               # from the book
        "fay": f"path_code = {practice(SCENARIO.id, GOOD)}",                 # no quotes: still read
        "gus": f"path_code = __import__('pathlib').Path({str(canary)!r}).write_text('x')",
        "hal": 'path_code = "paste your path code here"',
        "ivy": None,                                                         # cell deleted
    }
    for learner, source in answers.items():
        _hand_in(cohort, learner, source)
    result, _ = _one(cohort)
    assert result.handed_in == Counter({"first play": 1, "later play": 1, "signed for someone else or forged": 2,
                                        "practice": 2, "invalid": 1, "no code": 2})
    assert not canary.exists()
    line = next(line for line in summary_lines(result) if line.startswith("Codes handed in"))
    assert line == ("Codes handed in with module serve: 1 first play; 1 later play; 2 signed for "
                    "someone else or forged; 2 practice; 1 invalid; 2 no code.")
    # The statistics are still the record's first plays, not the codes handed in.
    assert result.learners == 6


def test_the_code_is_read_from_the_cell_without_running_it(tmp_path):
    canary = tmp_path / "executed"
    assert path_code_in('path_code = "a/B/c"') == "a/B/c"
    assert path_code_in('path_code = "old"\nx = 1\npath_code = "new"') == "new"
    assert path_code_in('path_code: str = "typed"') == "typed"
    assert path_code_in("# Write your answer on the line above") is None
    assert path_code_in('other = "serve-call-centre/AAAA/practice"') is None
    assert path_code_in("path_code = serve/AAAA/abcd") == "serve/AAAA/abcd"  # an expression
    assert path_code_in("path_code = serve/AAAA/practice x") == "path_code = serve/AAAA/practice x"
    assert path_code_in('path_code = "unclosed') == 'path_code = "unclosed'  # not Python
    harmful = f"path_code = __import__('pathlib').Path({str(canary)!r}).write_text('x')"
    assert path_code_in(harmful).startswith("__import__") and not canary.exists()


def test_the_module_s_role_play_comes_from_the_source_notebook(cohort):
    assert roleplay_modules(cohort) == {"serve": SCENARIO.id}


# --- the app ------------------------------------------------------------------------------------

def test_the_app_has_named_pickers_and_shows_the_first_role_play(cohort):
    app = debrief.debrief_app(root=cohort.parent)
    assert (app.cohort.description, app.cohort.value) == ("Cohort", "workshop")
    assert app.roleplay.description == "Role-play" and app.roleplay.value == SCENARIO.id
    assert app.roleplay.options[0][0] == f"serve: {SCENARIO.title} (6 learners)"
    assert "Where the cohort went wrong" in app.body.value


def test_without_any_cohort_the_debrief_says_how_to_make_one(tmp_path):
    app = debrief.debrief_app(root=tmp_path)
    assert "course demo" in app.body.value


def test_a_preheated_kernel_reads_the_cohorts_and_their_plays_when_the_page_is_viewed(tmp_path, monkeypatch):
    root = tmp_path / "cohorts"
    first = make_cohort(root, "alpha")
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    for name, value in (("_arrived", threading.Event()), ("_waiting", []), ("_waiter", None),
                        ("_loop", None)):
        monkeypatch.setattr(page_request, name, value)
    visitor_arrives = threading.Event()

    def wait_for_the_request():
        visitor_arrives.wait(timeout=10)
        monkeypatch.setenv("QUERY_STRING", "cohort=beta")

    monkeypatch.setattr(page_request, "_wait", wait_for_the_request)
    app = in_a_thread_of_its_own(lambda: debrief.debrief_app(root=root))  # before anyone asks
    assert list(app.cohort.options) == ["alpha"]
    # Later, a new cohort appears and learners of the first one play; then the page is viewed.
    second = make_cohort(root, "beta")
    for learner in ("ann", "bob", "cat"):
        evidence.record(second, learner, SCENARIO.id, POOR)
        evidence.record(first, learner, SCENARIO.id, GOOD)
    visitor_arrives.set()
    page_request._waiter.join(timeout=10)
    assert list(app.cohort.options) == ["alpha", "beta"] and app.cohort.value == "beta"
    assert app.roleplay.options[0][0] == f"serve: {SCENARIO.title} (3 learners)"
    app.cohort.value = "alpha"
    assert app.roleplay.options[0][0] == f"serve: {SCENARIO.title} (3 learners)"


# --- on the real demo cohort and in a browser ----------------------------------------------------

@pytest.mark.slow
def test_the_demo_cohort_debrief_lists_its_modules_role_plays(demo_cohort):
    debriefs, _ = cohort_debriefs(demo_cohort)
    modules = roleplay_modules(demo_cohort)
    assert "serve" in modules and [d.module for d in debriefs if d.module] == list(modules)
    handed_in = {module: len(submitted_codes(demo_cohort, module)) for module in modules}
    for result in debriefs:
        assert result.scenario is not None
        if result.module:
            assert sum(result.handed_in.values()) == handed_in[result.module]


@pytest.mark.slow
@pytest.mark.browser
def test_the_debrief_app_shows_first_plays_in_voila(voila_apps, chromium):
    with voila_apps.only_these_cohorts() as root:
        folder = make_cohort(root, "workshop")
        for learner in FIRST_POOR:
            evidence.record(folder, learner, SCENARIO.id, POOR)
        url = voila_apps.url
        page = chromium.new_page()
        page.goto(f"{url}/voila/render/debrief.ipynb", timeout=60_000)
        chart = page.locator("img.debrief-choices-chart")
        chart.wait_for(timeout=60_000)
        assert chart.get_attribute("alt").startswith("Learners per choice at each beat, first plays")
        assert page.get_by_label("Cohort").input_value() == "workshop"
        assert play(POOR).ending.title in page.locator("img.debrief-endings-chart").get_attribute("alt")
        assert not any(learner in page.locator("body").inner_text() for learner in FIRST_POOR)
        page.close()
