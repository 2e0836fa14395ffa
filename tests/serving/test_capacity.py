"""Under a crowd, does the course's Voila server give every visitor the role-play they asked for,
let go of kernels whose page is gone, and, beyond its kernel cap, play the role-play in the page
(for practice, saying so) rather than make anyone wait? And does the load generator
(bench/voila_load.py) see what a browser sees?"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request

import pytest
import test_accessibility as accessibility

from servicecourse.course import REPO
from servicecourse.roleplay.engine import Roleplay, first_sentence
from servicecourse.roleplay.scenario import load_all, load_by_id
from servicecourse.roleplay.vectors import path_to
from servicecourse.serving.launch import KERNEL_GONE_AFTER
from servicecourse.serving.page_engine import MARK, NOTICE

from conftest import PageWatch, voila_server

sys.path.insert(0, str(REPO / "bench"))
import voila_load  # noqa: E402  (the load generator is a benchmark's, not the package's)

axe_path = accessibility.axe_path  # the fixture: axe-core, as the accessibility tests run it
APP = "/voila/render/roleplay.ipynb"
SCENARIO = "serve-call-centre"

pytestmark = pytest.mark.slow


def kernel_alive(base: str, kernel_id: str) -> bool:
    """Whether the server still has the kernel (its REST model answers)."""
    try:
        urllib.request.urlopen(f"{base}/api/kernels/{kernel_id}", timeout=10).close()
        return True
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise


# Two servers of their own, not the session's (`voila_apps`): each needs another configuration.
@pytest.fixture(scope="module")
def small_pool(tmp_path_factory):
    """The apps served with a pool of one kernel, as a crowd soon finds it: empty. (The
    session's server keeps four ready: a crowd would need to be larger, and slower, to empty it.)"""
    with voila_server(tmp_path_factory.mktemp("jupyter-config"), preheat=1) as url:
        yield url


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    """The apps served with room for one visitor's kernel. (The session's server, sized from
    memory, has room for about a hundred.)"""
    with voila_server(tmp_path_factory.mktemp("jupyter-config"), preheat=1, COURSE_KERNEL_CAP="1") as url:
        yield url


def first_feedback(scenario_id: str) -> str:
    """The feedback the role-play shows for its opening's first choice, as a browser reads it."""
    play = Roleplay(load_by_id(scenario_id))
    return f"Feedback. {first_sentence(play.choose(0).feedback)}"


@pytest.mark.browser
def test_the_load_generator_s_click_gets_the_feedback_a_browser_shows(small_pool, chromium):
    visit = voila_load.visit(small_pool, APP, SCENARIO, limit=120)
    assert visit.error is None and visit.shown == SCENARIO
    page = chromium.new_page()
    page.goto(f"{small_pool}{APP}?scenario={SCENARIO}", timeout=120_000)
    page.locator(".course-first-view").wait_for(state="detached", timeout=120_000)  # live
    page.locator("button.serve-choice").first.click()
    feedback = page.locator(".serve-feedback")
    feedback.wait_for(timeout=30_000)
    shown = " ".join(feedback.inner_text().split())
    page.close()
    assert visit.feedback_text == shown == first_feedback(SCENARIO)


def test_no_visitor_sees_another_role_play_than_the_one_asked_for_when_the_pool_is_empty(small_pool):
    # Eight visitors in four seconds on a pool of one: most take a kernel still starting, which
    # runs the app before their request reaches it.
    asked = sorted(load_all())[:8]
    visits = voila_load.crowd(small_pool, APP, asked, within=4, limit=150)
    assert [v.error for v in visits] == [None] * len(asked)
    assert [v.shown for v in visits] == asked
    assert all(v.first_shown in (None, v.asked) for v in visits), [(v.asked, v.first_shown) for v in visits]
    assert [v.feedback_text for v in visits] == [first_feedback(a) for a in asked]


def test_a_kernel_whose_page_is_gone_is_shut_down_within_about_a_minute(small_pool):
    with voila_load.present(small_pool, APP, SCENARIO, limit=150) as staying:
        assert staying.feedback is not None and staying.error is None
        # This one leaves without a word, as a crashed tab or a lost network does.
        gone = voila_load.visit(small_pool, APP, SCENARIO, limit=120, leave="drop")
        assert gone.error is None and kernel_alive(small_pool, gone.kernel_id)
        left = time.monotonic()
        while kernel_alive(small_pool, gone.kernel_id) and time.monotonic() - left < KERNEL_GONE_AFTER + 40:
            time.sleep(2)
        assert not kernel_alive(small_pool, gone.kernel_id), "the kernel of a page gone was kept"
        assert time.monotonic() - left >= KERNEL_GONE_AFTER - 5  # not while it might come back
        assert kernel_alive(small_pool, staying.kernel_id)  # a page still open keeps its kernel


@pytest.mark.browser
def test_beyond_the_cap_a_visitor_plays_in_the_page_for_practice_and_is_told_so(capped, chromium, axe_path):
    with voila_load.present(capped, APP, SCENARIO, limit=180) as first:
        assert first.feedback is not None and first.error is None and not first.page_engine
        # The second visitor gets a page with no kernel at once, open on the role-play asked for.
        second = voila_load.visit(capped, APP, SCENARIO, limit=60)
        assert second.page_engine and second.kernel_id is None and second.error is None
        page = chromium.new_page()
        watch = PageWatch(page)
        page.goto(f"{capped}{APP}?scenario={SCENARIO}", timeout=60_000)
        assert page.locator(f"body.{MARK}").count() == 1
        notice = " ".join(page.get_by_role("note").first.inner_text().split())
        assert notice == NOTICE and "practice" in notice and "earns nothing" in notice
        accessibility.assert_no_serious_violations(page, axe_path, "the page with no kernel, opening")
        accessibility.assert_every_control_is_named(page, axe_path, "main", "the page with no kernel")
        # The whole role-play plays in the page, to a practice code, never a graded one.
        scenario = load_by_id(SCENARIO)
        play = Roleplay(scenario)
        for index in path_to(scenario, "good"):
            choice = play.beat.choices[index]
            page.get_by_role("button", name=choice.text).click()
            play.choose(index)
            shown = " ".join(page.locator(".serve-feedback").inner_text().split())
            assert shown == f"Feedback. {first_sentence(choice.feedback)}"
        assert page.locator(".serve-path-code").inner_text() == play.practice_code
        assert play.ending.title in page.locator(".serve-ending").inner_text()
        accessibility.assert_no_serious_violations(page, axe_path, "the page with no kernel, debrief")
        page.close()
        assert watch.external == [] and watch.errors == []
    # Once the first visitor has left (Voila's page shuts its kernel down), the app is live again.
    third = voila_load.visit(capped, APP, SCENARIO, limit=150)
    assert not third.page_engine and third.error is None and third.shown == SCENARIO


def test_beyond_the_cap_another_app_says_the_server_is_full(capped):
    with voila_load.present(capped, APP, SCENARIO, limit=180) as first:
        assert first.feedback is not None
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{capped}/voila/render/dashboard.ipynb", timeout=60)
        assert refused.value.code == 503 and refused.value.headers["Retry-After"]
        assert "The course server is full" in refused.value.read().decode()
