"""Does a cohort really run on the hub? A real JupyterHub started as root with deploy/'s config,
real Unix accounts made for the test (three learners, a trainer, HR; a grader and an apps
account for the services) logging in with PAM, configurable-http-proxy, nbgrader's exchange laid
out by deploy/setup-hub.sh, and Chromium: a learner plays the module's role-play in the hub's
app and pastes the graded code it shows, fetches, answers, validates and submits in JupyterLab's
Assignments tab; the trainer collects, autogrades (the role-play earns its points; the same code
handed in by a colleague earns none and is flagged), grades the reflection in the formgrader and
releases feedback; the learner fetches it; HR sees the dashboard; every role is refused what it
may not open, the role-play app's account every file of the cohort but its role-play folder;
and nothing is left running once the hub stops.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from nbgrader.api import Gradebook

from servicecourse import cohort
from servicecourse.cohort import evidence
from servicecourse.cohort.submissions import answer, path_letters, roleplay_items, solution_answers
from servicecourse.course import REPO
from servicecourse.grading import status
from servicecourse.roleplay.engine import Roleplay
from servicecourse.roleplay.pathcodes import LETTERS
from servicecourse.roleplay.scenario import load_by_id

from conftest import BIN
from hubtools import (
    NO_REDIRECTS,
    Accounts,
    Hub,
    answers,
    as_user,
    course_accounts,
    login,
    reachable_by_others,
    start_hub,
    stop_hub,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

COURSE = str(BIN / "course")
COHORT_NAME = "hub-walkthrough"
ROLEPLAY = "/services/roleplay/voila/render/roleplay.ipynb?scenario=serve-call-centre"
DASHBOARD = "/services/dashboard/voila/render/dashboard.ipynb"
DEBRIEF = "/services/debrief/voila/render/debrief.ipynb"


@dataclass
class Site:
    """The hub with its accounts, its cohort and its exchange."""

    hub: Hub
    accounts: Accounts
    cohort: Path
    exchange: Path
    course_id: str

    @property
    def formgrader(self) -> str:
        return f"/services/{self.course_id}/formgrader"

    @property
    def share(self) -> Path:
        """The cohort's role-play folder, where setup-hub.sh put it for the role-play app."""
        return self.cohort.parent / ".shared" / self.cohort.name / "roleplay"

    def trainer_runs(self, *args: str) -> subprocess.CompletedProcess:
        """A `course` command as trainers run it on the hub: as the grader account."""
        result = as_user(self.accounts.grader, COURSE, *args)
        assert result.returncode == 0, f"course {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result


def _roster(folder: Path, learners: list[str]) -> None:
    from servicecourse.cohort.roster import import_csv

    path = folder / "hr-export.csv"
    path.write_text("id,first_name,last_name,email\n" + "".join(
        f"{name},{name[:-6].title()},Tester,{name}@example.com\n" for name in learners))
    assert not import_csv(folder, path).problems


@pytest.fixture(scope="module")
def site():
    """The whole set-up, as deploy/README.md lays it out, torn down after the module."""
    base = Path(tempfile.mkdtemp(prefix="course-hub-"))
    base.chmod(0o711)  # learners reach the exchange inside, and list nothing
    try:
        with reachable_by_others(Path(sys.executable), REPO), course_accounts() as accounts:
            folder = cohort.create(base / "cohorts" / COHORT_NAME)
            learners = accounts.learners
            _roster(folder, learners[:2])  # the third learner is not on this cohort's roster
            settings = {**accounts.env(), "COURSE_COHORTS": str(base / "cohorts"),
                        "COURSE_COHORT_DIR": str(folder),
                        "COURSE_EXCHANGE_ROOT": str(base / "exchange"),
                        "COURSE_HUB_STATE": str(base / "state")}
            setup = subprocess.run(["bash", str(REPO / "deploy" / "setup-hub.sh")],
                                   env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **settings},
                                   capture_output=True, text=True)
            assert setup.returncode == 0, setup.stdout + setup.stderr
            site = Site(None, accounts, folder, base / "exchange",
                        cohort.config(folder).CourseDirectory.course_id)
            site.trainer_runs("cohort", "release", "--cohort", str(folder))
            hub = start_hub(base / "state", {**settings, "COURSE_APPS_PREHEAT": "1",
                                             "COURSE_ACTIVE_SERVER_LIMIT": "1"})
            site.hub = hub
            try:
                yield site
            finally:
                stop_hub(hub)
    finally:
        shutil.rmtree(base, ignore_errors=True)


# --- files ---------------------------------------------------------------------------------------

def _refused(user: str, *command: str) -> str:
    result = as_user(user, *command)
    assert result.returncode != 0, f"{user} could run {' '.join(command)}:\n{result.stdout[:300]}"
    return result.stderr


def test_a_learner_account_cannot_read_solutions_cohorts_keys_or_other_homes(site):
    """Is every private file refused to a learner's own Unix account, while the course's code
    their JupyterLab needs stays readable?"""
    ana, ben = site.accounts.learners[:2]
    (Path(f"/home/{ana}") / "notes.txt").write_text("mine")
    shutil.chown(Path(f"/home/{ana}") / "notes.txt", ana, ana)
    private = [REPO / "solutions" / "serve" / "serve.ipynb", REPO / ".git" / "HEAD",
               REPO / "tests" / "conftest.py", site.cohort / "gradebook.db",
               site.cohort / "source" / "serve" / "serve.ipynb",
               site.cohort / "roster.csv", Path(f"/home/{ana}/notes.txt"),
               site.hub.log.parent / "jupyterhub.sqlite", site.cohort / "roleplay" / "key",
               site.share / "key", site.share / "learners.txt", site.share / "attempts.jsonl"]
    for path in private:
        assert path.exists(), path  # refused because private, not because missing
        assert "Permission denied" in _refused(ben, "cat", str(path)), path
    for folder in (site.cohort, REPO / "solutions" / "serve", Path(f"/home/{ana}"),
                   site.exchange / site.course_id / "inbound", site.share.parent.parent):
        assert "Permission denied" in _refused(ben, "ls", str(folder)), folder
    readable = as_user(ben, "python", "-c", "import servicecourse.checks, nbgrader; print('ok')",
                       cwd=Path("/tmp"))
    assert readable.stdout.strip() == "ok", readable.stderr


def test_the_exchange_is_laid_out_as_nbgraders_docs_say(site):
    """Is the exchange world-writable with the sticky bit, the course's folder the grader's,
    hand-ins writable but not listable, and every module released without its explanations?"""
    assert site.exchange.stat().st_mode & 0o7777 == 0o1777
    course = site.exchange / site.course_id
    assert course.owner() == site.accounts.grader
    assert (course / "inbound").stat().st_mode & 0o7777 == 0o2733
    released = sorted(p.name for p in (course / "outbound").iterdir())
    assert released == sorted(p.name for p in (site.cohort / "release").iterdir())
    assert not list((course / "outbound").rglob("explanations.yml"))


# --- what the hub lets each role open ------------------------------------------------------------

def test_an_anonymous_visitor_is_sent_to_the_hub_login_not_to_the_apps(site):
    """Does every app and the formgrader, also on its own localhost port, send a visitor with no
    hub login to the hub's login instead of serving anything?"""
    hub = site.hub
    for url in (hub.url + ROLEPLAY, hub.url + DASHBOARD, hub.url + DEBRIEF,
                hub.url + site.formgrader,
                f"http://127.0.0.1:{hub.ports['roleplay']}{ROLEPLAY}",
                f"http://127.0.0.1:{hub.ports['dashboard']}{DASHBOARD}",
                f"http://127.0.0.1:{hub.ports['grader']}{site.formgrader}"):
        with pytest.raises(Exception) as answer:
            NO_REDIRECTS.open(url, timeout=60)
        assert answer.value.code == 302, url
        assert "/hub/api/oauth2/authorize" in answer.value.headers["Location"], url


def _status(page, url: str) -> int:
    return page.goto(url, timeout=90_000).status


def test_each_role_is_refused_what_it_may_not_open(site, chromium):
    """Is a learner refused the dashboard, the debrief and the formgrader, and HR the debrief
    and the formgrader, by the hub (403), while each opens what is theirs; and is an account in
    none of the course's groups refused a login, right password or not?"""
    hub, accounts = site.hub, site.accounts
    learner, hr, outsider = chromium.new_context(), chromium.new_context(), chromium.new_context()
    try:
        page = login(outsider, hub.url + "/hub/", accounts.grader, accounts.password)
        page.locator(".login_error").wait_for(timeout=60_000)
        assert "/hub/login" in page.url
        page = login(learner, hub.url + ROLEPLAY, accounts.learners[1], accounts.password)
        page.locator("button.serve-choice").first.click(timeout=120_000)  # plays the role-play
        page.wait_for_selector(".serve-feedback", timeout=30_000)
        for path in (DASHBOARD, DEBRIEF, site.formgrader):
            assert _status(page, hub.url + path) == 403, path
        page = login(hr, hub.url + DASHBOARD, accounts.hr, accounts.password)
        page.wait_for_url(f"**{DASHBOARD}", timeout=60_000)
        for path in (DEBRIEF, site.formgrader):
            assert _status(page, hub.url + path) == 403, path
        assert _status(page, hub.url + "/hub/spawn") == 403  # HR has no JupyterLab of its own
    finally:
        learner.close()
        hr.close()
        outsider.close()


def test_a_trainers_jupyterlab_lists_the_course_and_has_no_formgrader_of_its_own(site, chromium):
    """Does a trainer land on the hub's home, and does their own JupyterLab offer nbgrader's
    course list (the way to the formgrader service) but no formgrader or Create Assignment?"""
    hub, trainer = site.hub, site.accounts.trainer
    context = chromium.new_context()
    try:
        page = login(context, hub.url + "/hub/", trainer, site.accounts.password)
        page.wait_for_url("**/hub/home", timeout=60_000)
        page.goto(hub.url + "/hub/spawn", timeout=60_000)
        page.wait_for_url(f"**/user/{trainer}/lab**", timeout=180_000)
        page.locator("#jp-menu-panel div.lm-MenuBar-itemLabel:text('Nbgrader')").click(timeout=120_000)
        menu = page.locator("#jp-mainmenu-nbgrader")
        assert menu.locator('li[data-command="nbgrader:open-course-list"]').is_visible()
        for tool in ("nbgrader:open-formgrader", "nbgrader:open-create-assignment"):
            assert not menu.locator(f'li[data-command="{tool}"]').is_visible(), tool
        assert page.request.get(f"{hub.url}/user/{trainer}/formgrader").status == 404
        page.goto(hub.url + "/hub/home", timeout=60_000)
        page.locator("#stop").click()  # frees the one server the cap allows, for the learner
        page.locator("#stop").wait_for(state="hidden", timeout=90_000)
    finally:
        context.close()


# --- the walk through a cohort -------------------------------------------------------------------

def _open_assignments(page) -> None:
    """Open nbgrader's Assignments tab from the Nbgrader menu, which holds no instructor tool."""
    page.locator("#jp-menu-panel div.lm-MenuBar-itemLabel:text('Nbgrader')").click(timeout=120_000)
    menu = page.locator("#jp-mainmenu-nbgrader")
    for tool in ("nbgrader:open-formgrader", "nbgrader:open-course-list",
                 "nbgrader:open-create-assignment"):
        assert not menu.locator(f'li[data-command="{tool}"]').is_visible(), tool
    menu.locator('li[data-command="nbgrader:open-assignment-list"]').click()
    page.locator("#released_assignments_list").wait_for(timeout=60_000)


def _row(page, section: str, name: str):
    """The row of module ``name`` in a section (released, fetched, submitted) of the tab."""
    row = page.locator(f"#{section}_assignments_list > .list_item").filter(
        has=page.locator(".item_name", has_text=re.compile(rf"^{re.escape(name)}$")))
    row.first.wait_for(timeout=90_000)
    return row.first


def _answer_in_browser(page, notebook: Path, answers: dict[str, str]) -> None:
    """Edit each answer cell of the open notebook as a learner does: select its text, type."""
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in answers:
            continue
        widget = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index)
        widget.scroll_into_view_if_needed()
        if cell.cell_type == "markdown":
            widget.dblclick()  # a rendered markdown cell opens its editor
        widget.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(answers[grade_id])
        page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')",
                           timeout=30_000)  # saved to disk, where Validate and Submit read it


def _hidden_test_lines(source: Path) -> set[str]:
    """Every line inside the hidden-test regions of a module's source notebook."""
    lines, inside = set(), False
    for cell in nbformat.read(source, as_version=4).cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            elif inside and len(line.strip()) > 8:
                lines.add(line.strip())
    return lines


def _grade(folder: Path, learner: str, cell: str):
    with Gradebook(cohort.db_url(folder)) as gradebook:
        grade = gradebook.find_grade(cell, "serve", "serve", learner)
        return grade.manual_score, gradebook.find_submission("serve", learner).score


REFLECTION = "reflection_serve_in_my_job"


def _play(page, scenario_id: str, letters: str) -> str:
    """Click a play of the role-play in the app's live page, each choice once the beat's own
    choices are shown; return what the end of the play says it counts for."""
    play = Roleplay(load_by_id(scenario_id))
    for letter in letters:
        index = LETTERS.index(letter)
        button = page.locator("button.serve-choice").nth(index)
        button.filter(has_text=play.beat.choices[index].text).wait_for(timeout=120_000)
        button.click()
        play.choose(index)
        if not play.finished:
            page.locator(".serve-roleplay p", has_text=play.beat.text).wait_for(timeout=30_000)
    page.locator(".serve-evidence").wait_for(timeout=30_000)
    return " ".join(page.locator(".serve-evidence").inner_text().split())


def _roleplay_grades(folder: Path, learner: str, item: str) -> list[tuple[float, float]]:
    """(score, max score) of each test of a role-play item in a learner's graded serve module."""
    with Gradebook(cohort.db_url(folder)) as gradebook:
        notebook = gradebook.find_submission_notebook("serve", "serve", learner)
        return [(grade.score, grade.max_score) for grade in notebook.grades if grade.name.startswith(item)]


def _hand_in_from_a_shell(site: Site, learner: str, answers: dict[str, str] | None = None) -> None:
    """A learner fetches serve, answers it (when given answers) and submits, with nbgrader's
    own commands in their account, as a learner could from a terminal."""
    env = {"JUPYTER_CONFIG_PATH": str(REPO / "deploy" / "learner"),
           "COURSE_EXCHANGE_ROOT": str(site.exchange)}
    home = Path(f"/home/{learner}")
    done = as_user(learner, "nbgrader", "fetch_assignment", "serve", "--course", site.course_id,
                   cwd=home, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    if answers:
        notebook = home / site.course_id / "serve" / "serve.ipynb"
        nbformat.write(answer(notebook, answers), notebook)
    done = as_user(learner, "nbgrader", "submit", "serve", "--course", site.course_id, cwd=home, **env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_cohort_walks_through_the_hub(site, chromium):
    """Can a learner play the module's role-play in the hub's app and get a graded code (a
    replay is practice and shows the same code), fetch, answer with that code, validate and
    submit in the Assignments tab; the trainer collect, autograde (the role-play earns its
    points, the same code from a colleague none, flagged), grade the reflection and release
    feedback; the learner fetch feedback with the score and no hidden test, HR see the
    learner's status; and does regrading keep the trainer's manual grade?"""
    hub, accounts, folder = site.hub, site.accounts, site.cohort
    ana, ben, cleo = accounts.learners
    source = folder / "source" / "serve" / "serve.ipynb"
    answers = solution_answers(source)
    answers[REFLECTION] = "I will ask each customer what they need before I suggest a fix."
    [(item, scenario_id)] = roleplay_items(source).items()

    # cleo, not on this cohort's roster, hands in from a shell (the exchange takes anyone's)
    _hand_in_from_a_shell(site, cleo)

    learner, trainer, hr = chromium.new_context(), chromium.new_context(), chromium.new_context()
    try:
        # 1. the learner logs in and lands in their own JupyterLab, without instructor tools
        page = login(learner, hub.url + "/hub/", ana, accounts.password)
        page.wait_for_url(f"**/user/{ana}/lab**", timeout=180_000)
        _open_assignments(page)
        assert page.request.get(f"{hub.url}/user/{ana}/formgrader").status == 404
        # 2. plays the module's role-play to its end in the hub's app: a graded code, signed
        #    for her; a replay is practice and shows the same code
        app = learner.new_page()
        app.goto(f"{hub.url}/services/roleplay/voila/render/roleplay.ipynb?scenario={scenario_id}",
                 timeout=120_000)
        app.locator(".course-first-view").wait_for(state="detached", timeout=120_000)  # live
        notice = app.locator(".serve-app-notice", has_text="Signed in as")
        notice.wait_for(timeout=60_000)
        assert f"Signed in as {ana} (cohort {folder.name})" in " ".join(notice.inner_text().split())
        good = path_letters(scenario_id)
        shown = _play(app, scenario_id, good)
        code = app.locator(".serve-path-code").inner_text().strip()
        assert "Your graded code" in shown and code.startswith(f"{scenario_id}/{good}/1-"), shown
        app.get_by_role("button", name="Play again").click()
        shown = _play(app, scenario_id, path_letters(scenario_id, "poor"))
        assert "This play was practice (attempt 2)" in shown, shown
        assert app.locator(".serve-path-code").inner_text().strip() == code
        app.close()
        assert [(a.learner, a.letters, a.attempt) for a in evidence.attempts(folder)[0]] == [
            (ana, good, 1), (ana, path_letters(scenario_id, "poor"), 2)]
        answers[item] = f'{answers[item].split("=", 1)[0].strip()} = "{code}"'
        # ben, on the roster too, hands in ana's code as his own, from a shell
        _hand_in_from_a_shell(site, ben, answers)
        # 3. she fetches the serve module, answers it in the notebook, validates, submits
        _row(page, "released", "serve").locator(".item_status button").click()
        modules = f"#nbgrader-{site.course_id}-serve"
        _row(page, "fetched", "serve").locator("a.assignment-notebooks-link").click()
        page.locator(f"{modules} .nested_list_item .item_name a").click()  # opens the notebook
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(3).wait_for(timeout=90_000)
        _answer_in_browser(page, folder / "release" / "serve" / "serve.ipynb", answers)
        page.locator(".lm-TabBar-tab", has_text="Assignments").click()
        page.locator(f"{modules} .nested_list_item .item_status button:text('Validate')").click()
        page.locator(".nbgrader-SuccessDialog").wait_for(timeout=180_000)
        assert "passes all the tests" in page.locator(".nbgrader-SuccessDialog").inner_text()
        page.locator(".nbgrader-SuccessDialog button.jp-Dialog-button").click()
        _row(page, "fetched", "serve").locator(".item_status button:text('Submit')").click()
        _row(page, "submitted", "serve")

        # 4. the trainer collects (roster learners only) and autogrades, on the command line:
        #    her role-play earns its points, ben's copy of her code none, and his is flagged
        collected = site.trainer_runs("cohort", "collect", "--cohort", str(folder))
        assert "2 notebooks collected from the exchange" in collected.stdout, collected.stdout
        assert f"{cleo}: handed in serve" in collected.stderr and "not on the roster" in collected.stderr
        assert not (folder / "submitted" / cleo).exists()
        graded = site.trainer_runs("cohort", "autograde", "--cohort", str(folder))
        assert "1 graded, 1 flagged, 0 failed" in graded.stdout, graded.stdout
        with Gradebook(cohort.db_url(folder)) as gradebook:
            assert cleo not in {student.id for student in gradebook.students}
        hers, his = _roleplay_grades(folder, ana, item), _roleplay_grades(folder, ben, item)
        assert hers and all(score == top > 0 for score, top in hers), hers
        assert his and all(score == 0 for score, _ in his), his
        records = status.load(folder)
        assert (records[f"{ana}/serve"].status, records[f"{ana}/serve"].reasons) == ("graded", [])
        assert records[f"{ben}/serve"].status == "flagged"
        assert any(item in reason for reason in records[f"{ben}/serve"].reasons), records[f"{ben}/serve"]
        # 5. ... grades her reflection in the formgrader, in the browser
        with Gradebook(cohort.db_url(folder)) as gradebook:
            hand_in = gradebook.find_submission_notebook("serve", "serve", ana).id
        page_t = login(trainer, f"{hub.url}{site.formgrader}/submissions/{hand_in}/",
                       accounts.trainer, accounts.password)
        score = page_t.locator("input.score.needs_manual_grade").first
        score.fill("2")
        score.press("Tab")
        deadline = time.monotonic() + 30
        while _grade(folder, ana, REFLECTION)[0] != 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        manual, total = _grade(folder, ana, REFLECTION)
        assert manual == 2
        # 6. ... and releases the feedback
        released = site.trainer_runs("cohort", "feedback", "--cohort", str(folder))
        assert "released to the exchange for 2 hand-ins" in released.stdout, released.stdout

        # 7. the learner fetches the feedback in the Assignments tab and reads it
        page.reload()
        _open_assignments(page)
        submitted = _row(page, "submitted", "serve")
        submitted.locator(".item_status button:text('Fetch Feedback')").click()
        submitted.get_by_text("(view feedback)").wait_for(timeout=90_000)
        found = as_user(ana, "find", f"/home/{ana}/{site.course_id}/serve/feedback",
                        "-name", "*.html", "-print0").stdout.split("\0")[0]
        shown = page.goto(f"{hub.url}/user/{ana}/files/{quote(found.removeprefix(f'/home/{ana}/'))}",
                          timeout=60_000)
        assert shown.status == 200
        assert f"Score: {total:g} of 17 points" in page.locator("body").inner_text()
        html = Path(found).read_text()
        assert "HIDDEN TESTS" not in html
        assert not [line for line in _hidden_test_lines(source) if line in html]

        # 8. HR opens the dashboard and sees the learner's status
        page_h = login(hr, hub.url + "/hub/", accounts.hr, accounts.password)
        page_h.wait_for_url(f"**{DASHBOARD}", timeout=90_000)  # HR lands on the dashboard
        row = page_h.locator("tr", has_text=ana)
        row.first.wait_for(timeout=120_000)
        assert "passed" in row.first.inner_text() and f"{total:g} of 17" in row.first.inner_text()
    finally:
        learner.close()
        trainer.close()
        hr.close()
    # the learner's server made no gradebook anywhere in their home
    assert as_user(ana, "find", f"/home/{ana}", "-name", "gradebook.db").stdout.strip() == ""

    # 9. regrading, then regrading everything, keeps the trainer's manual grade
    site.trainer_runs("cohort", "autograde", "--cohort", str(folder))
    assert _grade(folder, ana, REFLECTION) == (2, total)
    site.trainer_runs("cohort", "autograde", "--cohort", str(folder), "--force")
    assert _grade(folder, ana, REFLECTION) == (2, total)


_OPENS = """
import json, os, sys
opened = {}
for path in sys.argv[1:]:
    try:
        os.close(os.open(path, os.O_RDONLY))
        opened[path] = "opened"
    except OSError as error:
        opened[path] = error.strerror
print(json.dumps({"opened": opened, "writable": [p for p in sys.argv[1:] if os.access(p, os.W_OK)]}))
"""


def test_the_roleplay_apps_account_reads_its_roleplay_folder_and_nothing_else_of_the_cohort(site):
    """From the role-play app's own Unix account: is every file and folder of the cohort (its
    roster, gradebook, hand-ins, graded notebooks, feedback) refused, the folder of cohorts not
    listable, while its role-play folder gives the learner ids only, the key to read and the
    record to append to, and nothing there can be replaced?"""
    cohort_paths = [site.cohort.parent, site.cohort, site.cohort / "roleplay" / "key"]
    for folder, folders, files in os.walk(site.cohort):
        cohort_paths += [Path(folder) / name for name in folders + files]
    assert {site.cohort / "roster.csv", site.cohort / "gradebook.db",
            site.cohort / "autograded" / site.accounts.learners[0] / "serve" / "serve.ipynb",
            site.cohort / "roleplay" / "key"} <= set(cohort_paths)
    assert len(cohort_paths) > 50  # the walk-through's hand-ins, grades and feedback among them
    share = [site.share.parent.parent, site.share.parent, site.share, *sorted(site.share.iterdir())]
    result = as_user(site.accounts.apps, "python", "-c", _OPENS, *map(str, cohort_paths + share),
                     cwd=Path("/tmp"))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    opened = {path for path, what in seen["opened"].items() if what == "opened"}
    assert opened == set(map(str, share)), sorted(opened)
    assert {seen["opened"][str(path)] for path in cohort_paths} == {"Permission denied"}
    assert seen["writable"] == [str(site.share / "attempts.jsonl")]
    assert sorted(p.name for p in site.share.iterdir()) == ["attempts.jsonl", "key", "learners.txt"]
    assert [p.name for p in site.share.parent.iterdir()] == ["roleplay"]
    learners = (site.share / "learners.txt").read_text()
    assert learners.split() == sorted(site.accounts.learners[:2]) and "@" not in learners


def test_a_learner_beyond_the_server_cap_is_told_to_come_back(site, chromium):
    """With the cap at one server and one learner's JupyterLab running, is the next learner
    refused a server (429) with the course's page saying why and what to do meanwhile?"""
    context = chromium.new_context()
    try:
        page = login(context, site.hub.url + "/hub/spawn", site.accounts.learners[1],
                     site.accounts.password)
        page.locator("#course-server-limit").wait_for(timeout=60_000)
        assert "are in use right now" in page.locator("#course-server-limit").inner_text()
    finally:
        context.close()


def test_stopping_the_hub_stops_everything_it_started(site):
    """Once the hub is stopped, is every process it started (proxy, services, learners'
    servers, kernels) gone and every port closed?"""
    hub = site.hub
    assert hub.process.poll() is None, hub.log_tail()
    hub.descendants.snapshot()
    started = {p.pid for p in hub.descendants.seen.values()}
    assert len(started) >= 6, "expected the proxy, 4 services, the culler and a learner's server"
    left = stop_hub(hub)
    assert hub.process.returncode is not None
    assert not left, "processes left running after the hub stopped:\n" + "\n".join(left)
    for name, port in hub.ports.items():
        assert not answers(f"http://127.0.0.1:{port}/"), f"{name} port {port} still answers"
