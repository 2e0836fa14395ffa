"""Does the role-play widget play to an ending with button clicks, show only a short feedback
during play, and give the scores, the full feedback and what the play counts for at the end?"""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from servicecourse.cohort import evidence
from servicecourse.roleplay.engine import Roleplay, first_sentence
from servicecourse.roleplay.pathcodes import parse, signature_ok
from servicecourse.roleplay.scenario import load_all, load_by_id
from servicecourse.roleplay.vectors import path_to
from servicecourse.widget import RoleplayWidget, roleplay, score_text


def _text(value: str) -> str:
    """The text of an HTML fragment, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", value))


def _play(widget, choices):
    for index in choices:
        widget.choice_box.children[index].click()
    assert widget.play.finished


def _choice_with_a_longer_feedback():
    """A scenario and the path to a choice whose feedback has more than its first sentence."""
    for scenario in load_all().values():
        for choices in [path_to(scenario, "good"), path_to(scenario, "poor")]:
            play = Roleplay(scenario)
            for step, index in enumerate(choices):
                choice = play.choose(index)
                if first_sentence(choice.feedback) != choice.feedback.strip():
                    return scenario, choices[:step + 1]
    raise AssertionError("no feedback in any role-play has two sentences")


def test_buttons_show_the_choices_of_the_current_beat():
    widget = roleplay("serve-call-centre")
    beat = widget.play.beat
    assert [b.description for b in widget.choice_box.children] == [c.text for c in beat.choices]


def test_a_click_shows_the_next_beat_and_only_the_first_sentence_of_its_feedback():
    scenario, choices = _choice_with_a_longer_feedback()
    widget = RoleplayWidget(scenario)
    for index in choices:
        widget.choice_box.children[index].click()
    choice = widget.play.history[-1].choice
    shown = _text(widget.feedback.value)
    assert first_sentence(choice.feedback) in shown
    assert choice.feedback.strip() not in shown and "SERVE" not in shown
    if not widget.play.finished:  # the consequence: what the other person says now
        assert _text(widget.prompt.value).count(widget.play.beat.text) == 1


def test_a_scenario_with_immediate_scores_shows_them_at_each_choice():
    scenario = dataclasses.replace(load_by_id("serve-call-centre"), show_scores=True)
    widget = RoleplayWidget(scenario)
    choice = widget.play.beat.choices[0]
    widget.choice_box.children[0].click()
    assert f"SERVE: {score_text(choice.score)}" in _text(widget.feedback.value)


def test_the_debrief_shows_ending_every_full_feedback_and_score_chart_expert_and_code():
    widget = roleplay("serve-call-centre")
    _play(widget, path_to(widget.play.scenario, "good"))
    assert widget.choice_box.children == ()
    summary, chart, replay_button = widget.debrief.children
    text = _text(summary.value)
    assert widget.play.ending.title in text
    for step in widget.play.history:
        assert step.choice.text in text and step.choice.feedback in text
        assert f"SERVE: {score_text(step.choice.score)}" in text
    assert "What an expert would do" in text and widget.play.scenario.expert in text
    assert 'src="data:image/png;base64,' in chart.value and 'alt="SERVE profile' in chart.value
    assert replay_button.description == "Play again"


def test_outside_the_course_app_the_end_gives_a_practice_code_and_says_so():
    widget = roleplay("serve-call-centre")
    _play(widget, path_to(widget.play.scenario, "good"))
    text = _text(widget.debrief.children[0].value)
    assert f"Your practice code: {widget.play.practice_code}." in text
    assert evidence.PRACTICE_NOTE in " ".join(text.split())


@pytest.fixture
def cohorts(tmp_path):
    folder = tmp_path / "spring"
    folder.mkdir()
    (folder / "roster.csv").write_text("id,first_name,last_name,email,team,start_date\n"
                                       "amara,Amara,Okoye,amara@example.com,,\n", encoding="utf-8")
    return tmp_path


def _recorded_for(learner, root):
    return lambda play: evidence.record_play(learner, play.scenario.id, play.letters, root)


def test_the_first_complete_play_shows_the_graded_code_then_replays_say_they_are_practice(cohorts):
    widget = RoleplayWidget(load_by_id("serve-call-centre"), on_finish=_recorded_for("amara", cohorts))
    scenario = widget.play.scenario
    _play(widget, path_to(scenario, "poor"))
    text = " ".join(_text(widget.debrief.children[0].value).split())
    [code] = re.findall(rf"Your graded code: ({re.escape(scenario.id)}/\S+) \(your first complete play; "
                        r"paste it into your module\)", text)
    parsed = parse(code, scenario.id)
    assert parsed.attempt == 1 and parsed.letters == widget.play.letters
    assert signature_ok(evidence.roleplay_key(cohorts / "spring"), "amara", parsed)
    # A better second play is practice: the graded code stays the first one.
    widget.replay_button.click()
    _play(widget, path_to(scenario, "good"))
    text = " ".join(_text(widget.debrief.children[0].value).split())
    assert ("This play was practice (attempt 2): your graded code is still the one from your "
            f"first complete play, {code}.") in text
    assert "Your graded code:" not in text


def test_a_visitor_on_no_roster_is_told_plays_are_practice(cohorts):
    widget = RoleplayWidget(load_by_id("serve-call-centre"), on_finish=_recorded_for("mallory", cohorts))
    _play(widget, path_to(widget.play.scenario, "good"))
    text = " ".join(_text(widget.debrief.children[0].value).split())
    assert f"Your practice code: {widget.play.practice_code}. {evidence.PRACTICE_NOTE}" in text
    assert not (cohorts / "spring" / "roleplay").exists()


def test_a_record_that_fails_still_gives_the_debrief_with_a_practice_code():
    def broken(play):
        raise OSError("disk full")

    widget = RoleplayWidget(load_by_id("serve-call-centre"), on_finish=broken)
    _play(widget, path_to(widget.play.scenario, "good"))
    text = " ".join(_text(widget.debrief.children[0].value).split())
    assert "could not be recorded" in text and widget.play.practice_code in text


def test_an_unfinished_play_records_nothing(cohorts):
    calls = []
    widget = RoleplayWidget(load_by_id("serve-call-centre"), on_finish=lambda play: calls.append(play) or [])
    widget.choice_box.children[0].click()
    widget.restart()
    assert calls == []


def test_play_again_starts_from_the_opening():
    widget = roleplay("serve-call-centre")
    _play(widget, path_to(widget.play.scenario, "good"))
    widget.debrief.children[-1].click()
    assert widget.play.history == [] and len(widget.choice_box.children) >= 2
    assert widget.debrief.children == () and widget.feedback.value == ""


def test_pages_without_a_kernel_get_an_html_fallback_with_a_play_link():
    bundle = roleplay("serve-call-centre")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "voila/render/roleplay.ipynb?scenario=serve-call-centre" in bundle["text/html"]
    assert "<button" not in bundle["text/html"]


def test_the_page_with_no_kernel_words_the_header_and_the_opening_as_the_widget():
    widget = RoleplayWidget(load_by_id("serve-call-centre"), heading_level=2)
    fallback = widget._repr_mimebundle_()["text/html"]
    header = widget.header.value.split("</style>", 1)[1].strip()  # the widget's copy has its style
    assert header.startswith("<h2") and header in fallback
    assert widget.prompt.value in fallback and "<style" not in fallback


def test_the_debrief_s_headings_are_one_level_below_the_title_and_name_the_chart():
    widget = RoleplayWidget(load_by_id("serve-call-centre"), heading_level=2)
    _play(widget, path_to(widget.play.scenario, "good"))
    summary, chart, _ = widget.debrief.children
    headings = re.findall(r"<h(\d)[^>]*>(.*?)</h\1>", summary.value + chart.value, re.S)
    assert {level for level, _ in headings} == {"3"}
    assert [_text(text).split(":")[0] for _, text in headings] == [
        "Ending", "Your path", "What an expert would do", "Your SERVE profile"]


def test_a_late_click_on_a_previous_beats_button_is_ignored():
    widget = roleplay("serve-call-centre")
    old_buttons = widget.choice_box.children
    old_buttons[0].click()
    moved_to = widget.play.beat.id
    old_buttons[-1].click()  # e.g. a double click landing after the beat changed
    assert widget.play.beat.id == moved_to and len(widget.play.history) == 1


def test_buttons_of_a_beat_left_behind_are_closed():
    widget = roleplay("serve-call-centre")
    old_buttons = widget.choice_box.children
    old_buttons[0].click()
    assert all(button.comm is None for button in old_buttons)
    assert all(button.comm is not None for button in widget.choice_box.children)
