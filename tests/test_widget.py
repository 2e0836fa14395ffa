"""Does the role-play widget play to an ending with button clicks and show a full debrief?"""

import html

from servicecourse.widget import roleplay


def _click_first_until_the_end(widget):
    for _ in range(20):
        if widget.play.finished:
            return
        widget.choice_box.children[0].click()
    raise AssertionError("the role-play did not end")


def test_buttons_show_the_choices_of_the_current_beat():
    widget = roleplay("serve-call-centre")
    beat = widget.play.beat
    assert [b.description for b in widget.choice_box.children] == [c.text for c in beat.choices]


def test_a_click_shows_feedback_and_moves_on():
    widget = roleplay("serve-call-centre")
    choice = widget.play.beat.choices[0]
    widget.choice_box.children[0].click()
    assert choice.feedback.split()[0] in widget.feedback.value
    assert "SERVE:" in widget.feedback.value
    assert widget.play.beat.id == choice.next


def test_the_debrief_shows_ending_path_chart_expert_and_code():
    widget = roleplay("serve-call-centre")
    _click_first_until_the_end(widget)
    assert widget.choice_box.children == ()
    summary, chart, replay_button = widget.debrief.children
    assert widget.play.ending.title in summary.value
    assert all(html.escape(step.choice.text) in summary.value for step in widget.play.history)
    assert widget.play.path_code in summary.value
    assert "What an expert would do" in summary.value
    assert 'src="data:image/png;base64,' in chart.value and 'alt="SERVE profile' in chart.value
    assert replay_button.description == "Play again"


def test_play_again_starts_from_the_opening():
    widget = roleplay("serve-call-centre")
    _click_first_until_the_end(widget)
    widget.debrief.children[-1].click()
    assert widget.play.history == [] and len(widget.choice_box.children) >= 2
    assert widget.debrief.children == ()


def test_pages_without_a_kernel_get_an_html_fallback_with_a_play_link():
    bundle = roleplay("serve-call-centre")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "voila/render/roleplay.ipynb?scenario=serve-call-centre" in bundle["text/html"]
    assert "<button" not in bundle["text/html"]


def test_a_late_click_on_a_previous_beats_button_is_ignored():
    widget = roleplay("serve-call-centre")
    old_buttons = widget.choice_box.children
    old_buttons[0].click()
    moved_to = widget.play.beat.id
    old_buttons[2].click()  # e.g. a double click landing after the beat changed
    assert widget.play.beat.id == moved_to and len(widget.play.history) == 1
