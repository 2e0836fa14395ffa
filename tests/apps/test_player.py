"""Does the role-play app open on the role-play asked for, know who plays it (a name the browser
cannot forge), and can a person play it in Voila, in a real browser, to the debrief?"""

from __future__ import annotations

import getpass
import json
import re
import threading
import urllib.request

import ipywidgets
import pytest
from ipywidgets.widgets.widget import _instances

from servicecourse.apps import page_request, player
from servicecourse.cohort import evidence
from servicecourse.roleplay.engine import Roleplay, first_sentence
from servicecourse.roleplay.pathcodes import parse, signature_ok
from servicecourse.roleplay.scenario import load_all, load_by_id
from servicecourse.roleplay.vectors import path_to

from conftest import PageWatch, hold_voila_front_end, in_a_thread_of_its_own

APP = "/voila/render/roleplay.ipynb"


@pytest.fixture
def fresh_request(monkeypatch):
    """page_request as in a new kernel, whose wait for the page's request is ``wait`` (set it)."""
    monkeypatch.setattr(page_request, "_arrived", threading.Event())
    monkeypatch.setattr(page_request, "_waiting", [])
    monkeypatch.setattr(page_request, "_waiter", None)
    monkeypatch.setattr(page_request, "_loop", None)
    monkeypatch.delenv(page_request.VISITOR_ENV, raising=False)
    return monkeypatch


def test_outside_voila_the_app_opens_on_the_query_s_scenario(fresh_request):
    fresh_request.setenv("QUERY_STRING", "scenario=serve-call-centre")
    _, picker, stage = player.roleplay_app().children
    assert picker.value == "serve-call-centre"
    assert stage.children[0].play.scenario.id == "serve-call-centre"


def test_an_unknown_scenario_in_the_query_opens_the_first_one(fresh_request):
    fresh_request.setenv("QUERY_STRING", "scenario=no-such-thing")
    _, picker, _ = player.roleplay_app().children
    assert picker.value == picker.options[0][1]


def _visitor_arrives_when(fresh_request, event: threading.Event, query: str, waits: list) -> None:
    """Make page_request's wait end when ``event`` is set, with ``query`` and the visitor amara
    (what the wait over Voila's websocket does in a pool kernel)."""
    def wait_for_the_visitor():
        waits.append(1)
        event.wait(timeout=10)
        fresh_request.setenv("QUERY_STRING", query)
        fresh_request.setenv(page_request.VISITOR_ENV, "amara")

    fresh_request.setattr(page_request, "_wait", wait_for_the_visitor)


def test_a_preheated_kernel_shows_no_role_play_before_the_request_then_the_one_asked_for(fresh_request):
    fresh_request.setenv("VOILA_PREHEAT", "True")
    request_arrives, switched = threading.Event(), threading.Event()
    waits: list = []
    _visitor_arrives_when(fresh_request, request_arrives, "scenario=serve-call-centre", waits)
    notice, picker, stage = in_a_thread_of_its_own(player.roleplay_app).children  # no one has asked yet
    # Not the default role-play: none at all, so that no page ever shows another than its own.
    assert picker.value is None and stage.children == () and notice.value == ""
    picker.observe(lambda _: switched.set(), names="value")
    request_arrives.set()
    assert switched.wait(timeout=10)
    assert stage.children[0].play.scenario.id == "serve-call-centre"
    page_request._waiter.join(timeout=10)
    assert "Signed in as <strong>amara</strong>" in notice.value
    assert waits == [1]  # Voila hands the request over once: the kernel waits once, for everyone


def test_a_preheated_kernel_asked_for_no_known_role_play_shows_the_first_one(fresh_request):
    fresh_request.setenv("VOILA_PREHEAT", "True")
    arrives = threading.Event()
    _visitor_arrives_when(fresh_request, arrives, "scenario=no-such-thing", [])
    _, picker, stage = in_a_thread_of_its_own(player.roleplay_app).children
    arrives.set()
    page_request._waiter.join(timeout=10)
    assert picker.value == picker.options[0][1] == stage.children[0].play.scenario.id


def test_the_request_changes_the_widgets_on_the_kernel_s_own_thread(fresh_request):
    # In a kernel, cells run on its event loop, which also answers the browser's request for the
    # widget state: the role-play must be drawn there, not in the thread that waited.
    import asyncio

    fresh_request.setenv("VOILA_PREHEAT", "True")
    arrives = threading.Event()
    _visitor_arrives_when(fresh_request, arrives, "scenario=serve-call-centre", [])
    drawn_in, kernel_thread = [], []

    async def kernel():
        kernel_thread.append(threading.current_thread())
        _, picker, stage = player.roleplay_app().children  # as a notebook cell, on the loop
        picker.observe(lambda _: drawn_in.append(threading.current_thread()), names="value")
        arrives.set()
        for _ in range(200):
            if stage.children:
                return stage.children[0].play.scenario.id
            await asyncio.sleep(0.05)

    assert in_a_thread_of_its_own(lambda: asyncio.run(kernel())) == "serve-call-centre"
    assert drawn_in == kernel_thread


def test_a_kernel_waiting_for_its_request_tries_again_until_the_server_answers(fresh_request):
    # Voila's own helper tries once for 5 s; on a busy server the request was then lost.
    import asyncio
    import time

    import tornado.web
    import tornado.websocket

    from conftest import free_port

    port = free_port()
    for name, value in {"VOILA_APP_PORT": str(port), "VOILA_SERVER_URL": "/", "VOILA_KERNEL_ID": "k-1",
                        "QUERY_STRING": "", page_request.VISITOR_ENV: ""}.items():
        fresh_request.setenv(name, value)  # (restored after the test, as the wait writes them)
    asked, done = [], threading.Event()

    class Query(tornado.websocket.WebSocketHandler):
        def open(self, kernel_id):
            asked.append(kernel_id)
            self.write_message(json.dumps({"QUERY_STRING": "scenario=serve-call-centre",
                                           page_request.VISITOR_ENV: "amara"}))

    async def server_up_late():
        await asyncio.sleep(1.5)  # the kernel's first attempts find no server
        server = tornado.web.Application([(r"/voila/query/(.*)", Query)]).listen(port, "127.0.0.1")
        while not done.is_set():
            await asyncio.sleep(0.05)
        server.stop()

    thread = threading.Thread(target=asyncio.run, args=(server_up_late(),))
    thread.start()
    try:
        began = time.monotonic()
        page_request._wait()
        assert time.monotonic() - began > 1.4 and asked == ["k-1"]
        assert page_request.requested("scenario") == "serve-call-centre" and page_request.visitor() == "amara"
    finally:
        done.set()
        thread.join(timeout=10)


def test_outside_the_course_server_there_is_no_visitor_and_plays_are_practice(fresh_request, tmp_path):
    fresh_request.setenv("COURSE_COHORTS", str(tmp_path))
    notice, picker, stage = player.roleplay_app("serve-call-centre").children
    assert page_request.visitor() is None and evidence.PRACTICE_NOTE in notice.value
    widget = stage.children[0]
    for index in path_to(widget.play.scenario, "good"):
        widget.choice_box.children[index].click()
    assert [o.kind for o in widget.outcomes] == ["practice"]


def _cohort(root, learners):
    folder = root / "spring"
    folder.mkdir(parents=True)
    rows = "".join(f"{name},A,B,{name}@example.com,,\n" for name in learners)
    (folder / "roster.csv").write_text("id,first_name,last_name,email,team,start_date\n" + rows)
    return folder


def test_the_key_is_in_no_widget_s_state(fresh_request, tmp_path):
    folder = _cohort(tmp_path, ["amara"])
    fresh_request.setenv("COURSE_COHORTS", str(tmp_path))
    fresh_request.setenv(page_request.VISITOR_ENV, "amara")
    roleplay_app = player.roleplay_app("serve-call-centre")
    widget = roleplay_app.children[2].children[0]
    for index in path_to(widget.play.scenario, "good"):
        widget.choice_box.children[index].click()
    assert [o.kind for o in widget.outcomes] == ["graded"]
    key = evidence.roleplay_key(folder)
    state = json.dumps([w.get_state() for w in list(_instances.values())], default=str)
    page = json.dumps(roleplay_app._repr_mimebundle_(), default=str)
    for form in (key.hex(), key.hex().upper(), key.decode("latin-1")):
        assert form not in state and form not in page


def test_widgets_replaced_by_20_plays_and_30_picker_switches_are_closed():
    roleplay_app = player.roleplay_app()
    _, picker, stage = roleplay_app.children
    ids = [scenario_id for _, scenario_id in picker.options]
    opened = len(_instances)
    live = []
    for switch in range(30):
        picker.value = ids[(ids.index(picker.value) + 1) % len(ids)]
        if switch < 20:
            widget = stage.children[0]
            for index in path_to(widget.play.scenario, "good"):
                widget.choice_box.children[index].click()
            widget.replay_button.click()
            for index in path_to(widget.play.scenario, "poor"):
                widget.choice_box.children[index].click()
        live.append(len(_instances))
    # What is live is what is shown: the count stays within a few widgets of a new app's.
    assert max(live) - opened <= 10, live
    assert isinstance(stage.children[0], ipywidgets.Widget) and stage.children[0].comm is not None


SCENARIO = "serve-call-centre"
ME = getpass.getuser()  # with no hub, the visitor is the OS account running the server


@pytest.fixture(scope="module")
def cohorts(voila_apps):
    """The only cohort the session's Voila server serves while this module runs: it lists the
    OS user and 'mallory', who would like to be graded as someone else. (The demo cohort lists
    the OS user too, so with it there the visitor would be in two cohorts.)"""
    with voila_apps.only_these_cohorts() as root:
        yield _cohort(root, [ME, "mallory"])


@pytest.fixture(scope="module")
def voila(voila_apps, cohorts):
    """The apps served by a real Voila, as `course serve` starts them (preheated kernels)."""
    return voila_apps.url


def _live(page):
    """Wait until the live app has taken over from the first view."""
    page.locator(".course-first-view").wait_for(state="detached", timeout=60_000)


def _play_good_path(page, scenario_id: str = SCENARIO):
    """Click a good path through the live app, checking the short feedback after each choice;
    return the engine's play of it."""
    play = Roleplay(load_by_id(scenario_id))
    for index in path_to(play.scenario, "good"):
        button = page.locator("button.serve-choice").nth(index)
        button.filter(has_text=play.beat.choices[index].text).wait_for(timeout=10_000)
        button.click()
        choice = play.choose(index)
        feedback = page.locator(".serve-feedback")
        feedback.filter(has_text=first_sentence(choice.feedback)).wait_for(timeout=10_000)
        shown = " ".join(feedback.inner_text().split())
        assert shown == f"Feedback. {first_sentence(choice.feedback)}" and "SERVE" not in shown
        if not play.finished:
            page.locator(".serve-roleplay p", has_text=play.beat.text).wait_for(timeout=10_000)
    page.locator(".serve-ending").wait_for(timeout=10_000)
    return play


def _graded_code(page, cohort, learner: str, played: str, scenario_id: str = SCENARIO):
    """The code the page shows at the end, checked to be signed for ``learner`` and to be the
    first play's (the graded one, whichever play this was), the play of ``played`` recorded."""
    code = parse(page.locator(".serve-path-code").inner_text(), scenario_id)
    assert signature_ok(evidence.roleplay_key(cohort), learner, code), learner
    recorded = [a for a in evidence.attempts(cohort)[0] if a.scenario == scenario_id]
    first = next(a for a in recorded if a.learner == learner and a.attempt == 1)
    assert (code.attempt, code.letters) == (1, first.letters)
    assert (recorded[-1].learner, recorded[-1].letters) == (learner, played)
    return code, recorded[-1]


@pytest.mark.slow
@pytest.mark.browser
def test_the_served_app_shows_no_source_code_and_no_key(voila, cohorts):
    page = urllib.request.urlopen(f"{voila}{APP}", timeout=60).read().decode()
    assert "roleplay_app()" not in page and "import" not in page.split("<body")[1].split("<script")[0]
    assert evidence.roleplay_key(cohorts).hex() not in page


@pytest.mark.slow
@pytest.mark.browser
def test_a_learner_plays_to_an_ending_and_sees_the_debrief(voila, chromium, cohorts):
    scenario = load_by_id(SCENARIO)
    page = chromium.new_page()
    watch = PageWatch(page)
    page.goto(f"{voila}{APP}?scenario={SCENARIO}", timeout=60_000)
    _live(page)
    assert f"Signed in as {ME} (cohort spring)" in " ".join(page.locator(".serve-app-notice").inner_text().split())
    play = _play_good_path(page)
    # The end: the ending, every choice with its full feedback and scores, the chart, the code.
    assert play.ending.title in page.locator(".serve-ending").inner_text()
    path = " ".join(page.locator("ol.serve-path").inner_text().split())
    assert all(" ".join(step.choice.feedback.split()) in path for step in play.history)
    assert path.count("SERVE:") == len(play.history)
    _, last = _graded_code(page, cohorts, ME, play.letters)
    evidence_text = " ".join(page.locator(".serve-evidence").inner_text().split())
    if last.attempt == 1:
        assert "(your first complete play; paste it into your module)" in evidence_text
    else:
        assert f"This play was practice (attempt {last.attempt})" in evidence_text
    assert page.locator("img.serve-profile-chart").get_attribute("alt").startswith("SERVE profile")
    assert evidence.roleplay_key(cohorts).hex() not in page.content()
    page.get_by_role("button", name="Play again").click()
    page.get_by_role("button", name=scenario.beats[scenario.start].choices[0].text).wait_for()
    page.close()
    # Nothing is fetched from another host (the app works on an intranet) and nothing failed.
    assert watch.external == [] and watch.errors == []


@pytest.mark.slow
@pytest.mark.browser
def test_a_visitor_s_name_sent_by_the_browser_is_ignored(voila, chromium, cohorts):
    context = chromium.new_context(extra_http_headers={page_request.VISITOR_HEADER: "mallory",
                                                       "X_Course_Learner": "mallory"})
    page = context.new_page()
    page.goto(f"{voila}{APP}?scenario={SCENARIO}", timeout=60_000)
    _live(page)
    notice = " ".join(page.locator(".serve-app-notice").inner_text().split())
    assert f"Signed in as {ME}" in notice and "mallory" not in notice
    play = _play_good_path(page)
    _graded_code(page, cohorts, ME, play.letters)  # the server's name for the visitor, not the browser's
    code = parse(page.locator(".serve-path-code").inner_text(), SCENARIO)
    assert not signature_ok(evidence.roleplay_key(cohorts), "mallory", code)
    recorded, _ = evidence.attempts(cohorts)
    assert recorded and {a.learner for a in recorded} == {ME}
    context.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_picker_switches_to_another_scenario(voila, chromium):
    page = chromium.new_page()
    scenario = load_by_id(SCENARIO)
    page.goto(f"{voila}{APP}", timeout=60_000)
    _live(page)
    picker = page.get_by_label("Role-play")
    option = picker.locator("option", has_text=scenario.title)
    picker.select_option(label=option.inner_text())
    page.get_by_role("button", name=scenario.beats[scenario.start].choices[0].text).wait_for(timeout=10_000)
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_page_opens_on_the_requested_role_play_not_the_first_one(voila, chromium):
    # A preheated kernel draws the app before the request; it must still follow ?scenario=.
    scenario = load_by_id(SCENARIO)
    page = chromium.new_page()
    page.goto(f"{voila}{APP}?scenario={SCENARIO}", timeout=60_000)
    page.get_by_role("button", name=scenario.beats[scenario.start].choices[0].text).wait_for(timeout=60_000)
    assert page.get_by_role("heading", level=2).inner_text() == scenario.title  # the first view
    _live(page)
    assert page.locator(".serve-roleplay h2").inner_text() == scenario.title  # the live app
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_before_voila_s_front_end_has_loaded_the_page_plays_and_nothing_done_is_lost(voila, chromium):
    page = chromium.new_page()
    watch = PageWatch(page)
    release_front_end = hold_voila_front_end(page)
    scenario = load_by_id(SCENARIO)
    page.goto(f"{voila}{APP}?scenario={SCENARIO}", wait_until="commit", timeout=60_000)
    page.get_by_role("button", name=scenario.beats[scenario.start].choices[0].text).wait_for(timeout=60_000)
    assert page.get_by_role("heading", level=2).inner_text() == scenario.title
    assert page.locator(".serve-roleplay").count() == 0  # nothing of the live app yet
    # The learner picks another role-play and answers its opening, still before the app is live.
    other = load_by_id(next(sid for sid in sorted(load_all()) if sid != SCENARIO))
    choice = other.beats[other.start].choices[1]
    page.get_by_label("Role-play").select_option(other.id)
    page.get_by_role("button", name=choice.text).click()
    assert "One moment" in page.get_by_role("status").inner_text()
    release_front_end()
    # The live widgets take over where the learner is: the role-play picked, the choice made.
    page.locator(".course-first-view").wait_for(state="detached", timeout=60_000)
    assert f"serve-scenario-{other.id}" in page.locator(".serve-roleplay").get_attribute("class")
    assert first_sentence(choice.feedback) in page.locator(".serve-feedback").inner_text()
    shown = page.get_by_label("Role-play").locator("option:checked").inner_text()
    assert shown.replace("\xa0", " ").startswith(other.title)  # ipywidgets writes no-break spaces
    page.close()
    assert watch.external == [] and watch.errors == []


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("query", ["scenario=no-such-thing", "scenario=__proto__", "scenario=toString", "scenario="])
def test_a_page_asking_for_no_known_role_play_opens_on_the_first_one(voila, chromium, query):
    page = chromium.new_page()
    watch = PageWatch(page)
    hold_voila_front_end(page)  # the first view alone
    page.goto(f"{voila}{APP}?{query}", wait_until="commit", timeout=60_000)
    page.locator("button.course-first-choice").first.wait_for(timeout=60_000)
    first = load_by_id(player.roleplay_app().children[1].options[0][1])
    assert page.get_by_role("heading", level=2).inner_text() == first.title
    page.close()
    assert watch.errors == []


@pytest.mark.slow
@pytest.mark.browser
def test_a_learner_plays_the_app_to_the_debrief_with_the_keyboard_alone(voila, chromium, cohorts):
    scenario = load_by_id(SCENARIO)
    opening = scenario.beats[scenario.start]
    page = chromium.new_page()
    release_front_end = hold_voila_front_end(page)
    page.goto(f"{voila}{APP}?scenario={SCENARIO}", wait_until="commit", timeout=60_000)
    page.get_by_role("button", name=opening.choices[0].text).wait_for(timeout=60_000)

    def focused_button() -> str:
        return page.evaluate("""() => { const e = document.activeElement;
            return e && e.tagName === "BUTTON" && e.getAttribute("aria-disabled") !== "true" ? e.textContent : ""; }""")

    def tab_to_a_button():
        for _ in range(60):
            if focused_button():
                return
            page.keyboard.press("Tab")
        pytest.fail("Tab never reached a button")

    # The first choice, answered in the first view; the live app takes over with the focus on
    # the next beat's first choice, so the learner goes on where they are.
    tab_to_a_button()
    assert focused_button() == opening.choices[0].text
    page.keyboard.press("Enter")
    release_front_end()
    page.locator(".course-first-view").wait_for(state="detached", timeout=60_000)
    assert page.evaluate("document.activeElement.classList.contains('serve-choice')")
    # Then the first choice of each beat, with Tab and Enter, to the ending.
    for _ in range(10):
        if page.locator(".serve-ending").count():
            break
        tab_to_a_button()
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)  # the kernel redraws the beat
    first_choices = Roleplay(scenario)
    while not first_choices.finished:
        first_choices.choose(0)
    _graded_code(page, cohorts, ME, first_choices.letters)
    for _ in range(60):  # and start again
        if focused_button() == "Play again":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("button", name=opening.choices[0].text).wait_for(timeout=10_000)
    page.close()


@pytest.mark.slow
def test_a_closed_page_can_shut_its_kernel_down(voila):
    # What Voila's page does when its tab closes: post the _xsrf cookie's value to the shutdown
    # endpoint. The page must have set that cookie, or the kernel is left running (403).
    import http.cookiejar
    import json
    import urllib.parse

    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    page = browser.open(f"{voila}{APP}", timeout=60).read().decode()
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    xsrf = {c.name: c.value for c in cookies}.get("_xsrf")
    assert xsrf, "the page did not set the _xsrf cookie"
    request = urllib.request.Request(f"{voila}/voila/api/shutdown/{config['kernelId']}",
                                     data=urllib.parse.urlencode({"_xsrf": xsrf}).encode())
    assert browser.open(request, timeout=60).status == 204
