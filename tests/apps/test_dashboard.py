"""Does the HR dashboard show what the reporting core reads, now (cohorts and data read again at
each view and on Refresh), with filters by team and manager, clear messages for bad files, a
safe CSV download, and does it work in Voila?"""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from servicecourse.apps.cohort_app import cohorts_root, initial_cohort, list_cohorts
from servicecourse.apps.dashboard import HRDashboard, cohort_view
from servicecourse.cohort.roster import Learner
from servicecourse.policy import Policy
from servicecourse.reporting import report
from servicecourse.reporting.report import CohortReport, Row

from conftest import copy_cohort
from small_cohort import shared_template

POLICY = Policy(0.7, {"culture": 7, "serve": 10}, 5)


def _row(learner, module, status, score=0.0, team="", due="", late=False, name=None, **extra):
    return Row(learner, name or learner.title(), module, score, 10.0, status, team, due, late,
               extra=extra)


def _report(rows, learners=None, columns=(), today=date(2026, 1, 20), **kwargs) -> CohortReport:
    return CohortReport(Path("/cohorts/test"), POLICY, 0.7, today, rows, learners or {},
                        list(columns), kwargs.get("notes", []), kwargs.get("roster_problems", []))


ROWS = [
    _row("ann", "culture", "failed", 3, "Sales", "2026-01-08", True, Manager="Hélène"),
    _row("ann", "serve", "passed", 9, "Sales", "2026-01-11", Manager="Hélène"),
    _row("bob", "culture", "needs manual grading", 6, "Billing", Manager="Marc"),
    _row("bob", "serve", "not started", team="Billing", Manager="Marc"),
    _row("cat", "culture", "passed", 8),
    _row("cat", "serve", "submitted"),
]
LEARNERS = {"ann": Learner("ann", "Ann", "A", "ann@example.com", "Sales", date(2026, 1, 1))}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return shared_template(tmp_path_factory)


@pytest.fixture
def root(template, tmp_path) -> Path:
    """A cohorts folder holding one real cohort, ``spring`` (see small_cohort.build_cohort)."""
    copy_cohort(template, tmp_path / "cohorts" / "spring")
    return tmp_path / "cohorts"


def _learners_part(page: str) -> str:
    return page.split("<h2>Learners")[1].split("<h2>")[0]


# --- cohorts ------------------------------------------------------------------------------------

def test_cohorts_are_the_folders_with_an_nbgrader_config(tmp_path, monkeypatch):
    """Are only folders with an nbgrader_config.py cohorts, and which opens first?"""
    for name in ("spring", "demo", "notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "spring" / "nbgrader_config.py").write_text("")
    (tmp_path / "demo" / "nbgrader_config.py").write_text("")
    assert list_cohorts(tmp_path) == ["demo", "spring"]
    assert list_cohorts(tmp_path / "missing") == []
    monkeypatch.setenv("COURSE_COHORTS", str(tmp_path))
    assert cohorts_root() == tmp_path and list_cohorts() == ["demo", "spring"]
    assert initial_cohort(["a", "demo"]) == "demo" and initial_cohort(["a", "demo"], "a") == "a"
    assert initial_cohort(["a", "b"]) == "a" and initial_cohort([]) is None


def test_the_page_s_cohort_parameter_picks_the_cohort_unless_one_is_given(root, template, monkeypatch):
    """Does ?cohort= choose the cohort (an unknown one is ignored), unless the app was given one?"""
    copy_cohort(template, root / "demo")
    monkeypatch.setenv("QUERY_STRING", "cohort=spring")
    assert HRDashboard(root).cohort.value == "spring"
    assert HRDashboard(root, "demo").cohort.value == "demo"
    monkeypatch.setenv("QUERY_STRING", "cohort=no-such-cohort")
    assert HRDashboard(root).cohort.value == "demo"


def test_without_a_cohort_it_says_how_to_make_one_and_refresh_finds_a_new_one(root, template, tmp_path):
    """Does an empty cohorts folder say what to do, and does Refresh show a cohort made since?"""
    empty = tmp_path / "empty"
    empty.mkdir()
    app = HRDashboard(empty)
    assert "No cohort yet" in app.body.value and "<code>course demo</code>" in app.body.value
    assert app.cohort.layout.display == "none"
    copy_cohort(template, empty / "autumn")
    app.refresh_button.click()
    assert app.cohort.options == ("autumn",) and app.cohort.layout.display is None
    assert "Ann Archer" in _learners_part(app.body.value)


def test_refresh_reads_the_cohort_list_and_the_data_again(root, template):
    """Does Refresh pick up a new cohort and new grading data, keeping the chosen cohort?"""
    app = HRDashboard(root)
    assert app.cohort.options == ("spring",)
    copy_cohort(template, root / "winter")
    status = root / "spring" / "grading" / "status.json"
    status.parent.mkdir()
    status.write_text(json.dumps({"cat/serve": {"status": "failed", "reasons": ["timed out"]}}))
    assert "could not be graded" not in app.body.value
    app.refresh_button.click()
    assert app.cohort.options == ("spring", "winter") and app.cohort.value == "spring"
    assert "could not be graded: timed out" in _learners_part(app.body.value)


# --- one core for the dashboard and the report --------------------------------------------------

def test_the_dashboard_and_the_report_apply_the_cohort_s_policy_and_grading_status(root, tmp_path):
    """With the cohort's pass mark raised and a hand-in that failed to grade, do the dashboard
    and `course report` both show the same failures, overdue, from the same core?"""
    from servicecourse.cli import main

    cohort = root / "spring"
    (cohort / "course.yml").write_text("pass_mark: 0.95\ndebrief_min_group: 5\n"
                                       "modules: {culture: 7, serve: 10}\n")
    (cohort / "grading").mkdir()
    (cohort / "grading" / "status.json").write_text(json.dumps(
        {"cat/serve": {"status": "failed", "reasons": ["the kernel died"]}}))
    page = HRDashboard(root).body.value
    learners = _learners_part(page)
    ann = learners.split("Ann Archer")[1].split("</tr>")[0]
    assert ann.count('class="hr-failed"') == 2  # 9 of 10 is below 95%
    cat = learners.split("Cat Cole")[1].split("</tr>")[0]
    assert "could not be graded: the kernel died" in cat and "submitted" not in cat
    assert "Pass mark: 95%" in page

    assert main(["report", "--cohort", str(cohort), "--out", str(tmp_path / "out")]) == 0
    table = list(csv.DictReader(io.StringIO((tmp_path / "out" / "completion.csv").read_text("utf-8-sig"))))
    status = {(r["learner"], r["module"]): r["status"] for r in table}
    assert status[("ann", "serve")] == status[("ann", "culture")] == status[("cat", "serve")] == "failed"
    assert next(r for r in table if r["learner"] == "cat" and r["module"] == "serve")["note"] == \
        "could not be graded: the kernel died"


# --- messages that say what is wrong ------------------------------------------------------------

def test_a_roster_missing_a_column_says_so_and_the_grades_are_still_shown(root):
    """Does a broken roster give a roster message (not 'cannot read the gradebook'), with the
    learners still listed?"""
    (root / "spring" / "roster.csv").write_text("id,first_name,last_name\nann,Ann,Archer\n")
    page = HRDashboard(root).body.value
    assert "Some roster lines cannot be used" in page and "no column for email" in page
    assert "gradebook" not in page.lower()
    assert "Ann Archer" in _learners_part(page)


def test_a_bad_policy_and_a_broken_gradebook_are_named(root):
    """Are a bad course.yml and a gradebook that is not a database each named as such?"""
    (root / "spring" / "course.yml").write_text("pass_mark: seventy\n")
    page = HRDashboard(root).body.value
    assert "Cohort spring cannot be shown" in page
    assert "course.yml: unknown key" not in page and "pass_mark: &#39;seventy&#39; is not a number" in page
    (root / "spring" / "course.yml").unlink()
    (root / "spring" / "gradebook.db").write_bytes(b"not a database" * 100)
    page = HRDashboard(root).body.value
    assert "cannot read the gradebook of cohort spring" in page


def test_a_cohort_without_its_own_policy_is_shown_with_a_note(root):
    """Is a cohort made before course.yml was copied shown, with a note saying so?"""
    (root / "spring" / "course.yml").unlink()
    page = HRDashboard(root).body.value
    assert "no course.yml in the cohort" in page and "Ann Archer" in page


# --- filters, columns, download -----------------------------------------------------------------

def test_filters_by_team_and_manager_show_the_roster_s_people(root):
    """Are the roster's manager column a filter, and do team and manager filters narrow the view?"""
    app = HRDashboard(root)
    assert [label for label, _ in app.team.options] == ["All teams", "Billing", "Sales", "(no team)"]
    assert [label for label, _ in app.manager.options] == ["All managers", "Hélène Roux",
                                                           "Marc Dubois", "(blank)"]
    assert app.manager.layout.display is None
    app.manager.value = "Marc Dubois"
    learners = _learners_part(app.body.value)
    assert "Bob Baker" in learners and "Ann Archer" not in learners and "Manager Marc Dubois" in learners
    app.team.value = "Sales"
    assert "Nobody in cohort spring, team Sales, Manager Marc Dubois" in app.body.value
    app.refresh_button.click()  # choices that still exist are kept
    assert (app.team.value, app.manager.value) == ("Sales", "Marc Dubois")


def test_without_a_manager_column_there_is_no_manager_filter(root):
    """Is the manager filter hidden when the roster has no manager column?"""
    (root / "spring" / "roster.csv").unlink()
    app = HRDashboard(root)
    assert app.manager.layout.display == "none" and app.manager.options == (("All managers", ""),)


def test_extra_columns_are_shown_and_downloaded_as_safe_csv(root):
    """Are the roster's extra columns in the table and in the download, formulas defused, BOM first?"""
    page = HRDashboard(root).body.value
    learners = _learners_part(page)
    assert '<th scope="col">Manager</th><th scope="col">Employee ID</th>' in learners.replace("\n", "")
    assert "Hélène Roux" in learners and "=HYPERLINK(&#34;x&#34;)" in learners
    payload = page.split("data:text/csv;charset=utf-8;base64,", 1)[1].split('"', 1)[0]
    data = base64.b64decode(payload)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(table[0]) == [*report.FIELDS, "Manager", "Employee ID"]
    assert {r["Employee ID"] for r in table if r["learner"] == "ann"} == {"'=HYPERLINK(\"x\")"}
    assert len(table) == 6


# --- the view -----------------------------------------------------------------------------------

def test_the_view_has_charts_with_alt_text_and_leaves_no_pyplot_figure():
    """Are the charts images with alt text, drawn without pyplot's global figures?"""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    page = cohort_view(_report(ROWS, LEARNERS))
    for heading in ("Completion by module", "Completion by team", "Overdue", "Learners", "Download"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count('src="data:image/png;base64,') == 2
    assert 'alt="Completion by module (cohort test), learners per status.' in page
    assert "Sales: 1 failed, 1 passed" in page
    assert plt.get_fignums() == before


def test_the_overdue_list_and_its_empty_states():
    """Is the overdue table there when someone is late, and does each empty state say why?"""
    page = cohort_view(_report(ROWS, LEARNERS))
    overdue = page.split("<h2>Overdue</h2>")[1].split("<h2>")[0]
    assert "1 learners with modules not" in overdue and "2026-01-01" in overdue
    assert "culture <small>(failed)</small>" in overdue and ">12</td>" in overdue
    on_time = [r for r in ROWS if not r.overdue]
    assert "Nobody is overdue on 2026-01-20" in cohort_view(_report(on_time, LEARNERS))
    undated = [r for r in ROWS if not r.due]
    assert "Nothing can be overdue" in cohort_view(_report(undated))


def test_names_are_escaped_everywhere():
    """Is a learner called <script> shown as text in every part of the page?"""
    rows = ROWS + [_row("eve", "serve", "passed", 10, team="<b>Ops</b>", name="<script>alert(1)</script>")]
    page = cohort_view(_report(rows, LEARNERS, notes=["<img src=x onerror=alert(1)>"],
                               roster_problems=["line 3: <i>bad</i>"]))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Ops</b>" not in page and "<img src=x" not in page and "<i>bad</i>" not in page


def test_a_cohort_with_no_learners_says_how_to_add_them():
    """Does a cohort without learners say to import a roster?"""
    page = cohort_view(_report([]))
    assert "No learners in this cohort yet" in page and "<h2>" not in page


# --- on the real demo cohort --------------------------------------------------------------------

@pytest.mark.slow
def test_the_demo_cohort_dashboard_shows_teams_learners_and_overdue(demo_cohort):
    """On the demo cohort, are the teams, learners and overdue learners the ones the demo made?"""
    from servicecourse.cohort.demo import LEARNERS as DEMO

    app = HRDashboard(demo_cohort.parent)
    assert app.cohort.value == "demo"
    # The teams of conftest.DEMO_ROSTER, which the demo_cohort fixture puts in place.
    assert [label for label, _ in app.team.options] == ["All teams", "Billing", "Call centre",
                                                        "Front desk", report.NO_TEAM]
    page = app.body.value
    learners = _learners_part(page)
    assert all(f"{first} {last}" in learners for _, first, last, *_ in DEMO)
    data = report.cohort_report(demo_cohort)
    late = report.overdue(data.rows, date.today())
    assert {(o.learner, o.module) for o in late} == {(r.learner, r.module) for r in data.rows if r.overdue}
    # Amara passed everything, Ben starts in 2099, Dev has no start date.
    assert {o.learner for o in late} == {"chloe-martin", "elena-rossi", "farid-haddad"}
    overdue_table = page.split("<h2>Overdue")[1].split("<h2>")[0]
    assert "Farid Haddad" in overdue_table and "Amara" not in overdue_table
    app.team.value = "Billing"
    learners = _learners_part(app.body.value)
    assert "Chloé Martin" in learners and "Dev Patel" in learners and "Amara" not in learners


# --- in a real browser --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def voila(voila_apps, demo_cohort):
    """The session's Voila server, as `course serve` runs it (a preheated dashboard kernel),
    over a cohorts folder holding a copy of the demo cohort alone; yields (url, cohorts folder)."""
    with voila_apps.only_these_cohorts() as root:
        copy_cohort(demo_cohort, root / "demo")
        yield voila_apps.url, root


@pytest.mark.slow
@pytest.mark.browser
def test_hr_sees_the_demo_learners_and_downloads_the_csv(voila, chromium):
    """In Chromium through Voila, does HR see the demo learners, filter a team and download the CSV?"""
    url, _ = voila
    page = chromium.new_page(accept_downloads=True)
    page.goto(f"{url}/voila/render/dashboard.ipynb?cohort=demo", timeout=60_000)
    table = page.locator("table.hr-learners")
    table.wait_for(timeout=60_000)
    assert page.get_by_label("Cohort").input_value() == "demo"
    assert table.locator("caption").inner_text().startswith("Learners of cohort demo")
    assert "Amara Okoye" in table.inner_text() and "Hugo Silva" in table.inner_text()
    assert page.locator("table.hr-overdue tbody tr").count() > 0
    for image in page.locator("img.hr-chart-modules, img.hr-chart-teams").all():
        assert image.get_attribute("alt").startswith("Completion by")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the completion table as CSV").click()
    download = download_info.value
    assert download.suggested_filename == "completion.csv"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {"Chloé Martin", "Amara Okoye"} <= {r["name"] for r in rows}
    assert rows and set(rows[0]) >= set(report.FIELDS)

    page.get_by_label("Team").select_option("Billing")
    page.wait_for_function(
        "() => document.querySelector('table.hr-learners caption').textContent.includes('team Billing')",
        timeout=10_000)
    assert "Amara Okoye" not in page.locator("table.hr-learners").inner_text()
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_a_preheated_kernel_shows_a_cohort_created_after_it_started(voila, chromium, template):
    """Does a page served by a kernel preheated before a cohort existed list and show that cohort?"""
    url, root = voila
    copy_cohort(template, root / "late-cohort")
    page = chromium.new_page()
    page.goto(f"{url}/voila/render/dashboard.ipynb?cohort=late-cohort", timeout=60_000)
    page.locator("table.hr-learners").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('table.hr-learners caption').textContent.includes('late-cohort')",
        timeout=30_000)
    picker = page.get_by_label("Cohort")
    assert picker.input_value() == "late-cohort"
    assert sorted(picker.locator("option").all_inner_texts()) == ["demo", "late-cohort"]
    assert "Ann Archer" in page.locator("table.hr-learners").inner_text()
    page.close()
