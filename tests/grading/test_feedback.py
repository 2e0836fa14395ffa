"""Does a feedback page show a learner their own work and scores, and nothing that runs or leaks?"""

from __future__ import annotations

import nbformat
from markupsafe import Markup

from servicecourse.grading.feedback import OUTPUT_CHARS, Block, Page, _description, _printed, _verdict
from servicecourse.templating import render

from conftest import live_markup


def _page(*blocks: Block, failed: str = "") -> str:
    return render("feedback/page.html.j2", page=Page("serve", "ann", "Ann <b>Lee</b>", 7, 17,
                                                     "2026-11-30", list(blocks), failed))


def test_a_tests_description_is_its_docstring_and_nothing_else():
    source = '"""Is each moment matched?"""\nassert check(x)\n### BEGIN HIDDEN TESTS\nscore(x, {"A": 1})'
    assert _description(source) == "Is each moment matched?"
    assert _description("assert x == 1") == "A check of your answer"
    assert _description("this is ( not python") == "A check of your answer"


def test_printed_text_keeps_streams_and_plain_results_only_capped():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="OK: fine\n"),
                    nbformat.v4.new_output("display_data", data={"text/html": "<script>x</script>",
                                                                 "text/plain": "<HTML object>"}),
                    nbformat.v4.new_output("error", ename="AssertionError", evalue="hidden key",
                                           traceback=["Traceback", "assert x == {'A': 'secret'}"])]
    text = _printed(cell)
    assert "OK: fine" in text and "<HTML object>" in text and "stopped with an error" in text
    assert "secret" not in text and "Traceback" not in text and "<script>" not in text
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * (OUTPUT_CHARS * 3))]
    assert len(_printed(cell)) < OUTPUT_CHARS + 100


def test_verdicts_are_plain_sentences():
    assert _verdict(4, 4, []) == "Right."
    assert _verdict(1.5, 4, []) == "Partly right: 1.5 of 4 points."
    assert _verdict(0, 4, []) == "Not right yet."
    assert _verdict(0, 4, ["line 1 is not valid Python"]).startswith("Your answer could not be read")


def test_learner_markup_is_shown_as_text_never_run():
    html = _page(Block("answer", source='x = "<script>alert(1)</script>"',
                       printed="<img src=x onerror=alert(2)>"),
                 Block("reflection", title="Your reflection", source="<iframe src=//evil></iframe>",
                       max_points=3, points=2, comment="<b onclick=x>"),
                 Block("test", title="<svg onload=alert(3)>", points=0, max_points=2,
                       verdict="Not right yet.", explanation="<script>x</script>"))
    assert live_markup(html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Ann &lt;b&gt;Lee&lt;/b&gt;" in html


def test_the_course_text_is_rendered_but_its_raw_html_is_not_run():
    from servicecourse.grading.feedback import _MARKDOWN

    block = Block("text", html=Markup(_MARKDOWN.render("## Question\n\n<script>bad()</script> **bold**")))
    html = _page(block)
    assert "<h2>Question</h2>" in html and "<strong>bold</strong>" in html
    assert live_markup(html) == []


def test_a_page_for_a_hand_in_that_could_not_be_graded_says_why():
    html = _page(failed="the kernel died while running the notebook")
    assert "could not be graded: the kernel died while running the notebook" in html
    assert "Score:" not in html
