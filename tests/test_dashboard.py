"""Does the HR dashboard group by team, find who is overdue, export the CSV and work in Voila?"""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from conftest import voila_server
from servicecourse import dashboard
from servicecourse.dashboard import (NO_TEAM, csv_link, csv_text, learners_table, list_cohorts,
                                     overdue, overdue_by_learner, read_roster, rows_by_team, teams)
from servicecourse.report import Row, write_csv
from servicecourse.roster import Learner

def _row(learner, module, status, score=0.0, team="", due="", late=False, name=None):
    return Row(learner, name or learner.title(), module, score, 10.0, status, team, due, late)


# As report.completion gives them: ann (Sales) started on 1 January, culture was due on the 8th;
# bob (Billing) has no start date; cat has no roster line.
ROWS = [
    _row("ann", "culture", "failed", 3, "Sales", "2026-01-08", True),
    _row("ann", "serve", "passed", 9, "Sales", "2026-01-11"),
    _row("bob", "culture", "needs manual grading", 6, "Billing"),
    _row("bob", "serve", "not started", team="Billing"),
    _row("cat", "culture", "passed", 8),
    _row("cat", "serve", "submitted"),
]
ROSTER = {"ann": Learner("ann", "Ann", "A", "ann@example.com", "Sales", date(2026, 1, 1)),
          "bob": Learner("bob", "Bob", "B", "bob@example.com", "Billing", None)}


# --- cohorts ------------------------------------------------------------------------------------

def test_cohorts_are_the_folders_with_an_nbgrader_config(tmp_path, monkeypatch):
    for name in ("spring", "demo", "notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "spring" / "nbgrader_config.py").write_text("")
    (tmp_path / "demo" / "nbgrader_config.py").write_text("")
    assert list_cohorts(tmp_path) == ["demo", "spring"]
    assert list_cohorts(tmp_path / "missing") == []
    monkeypatch.setenv("COURSE_COHORTS", str(tmp_path))
    assert dashboard.cohorts_root() == tmp_path and list_cohorts() == ["demo", "spring"]
    assert dashboard.initial_cohort(["a", "demo"]) == "demo"
    assert dashboard.initial_cohort(["a", "demo"], "a") == "a"
    assert dashboard.initial_cohort(["a", "b"]) == "a" and dashboard.initial_cohort([]) is None


def test_the_page_s_cohort_parameter_picks_the_cohort_unless_one_is_given(tmp_path, monkeypatch):
    for name in ("demo", "spring"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "nbgrader_config.py").write_text("")
    monkeypatch.setenv("QUERY_STRING", "cohort=spring")
    assert dashboard.cohort_frame(tmp_path, None, "", ())[2].value == "spring"
    assert dashboard.cohort_frame(tmp_path, "demo", "", ())[2].value == "demo"
    monkeypatch.setenv("QUERY_STRING", "cohort=no-such-cohort")
    assert dashboard.cohort_frame(tmp_path, None, "", ())[2].value == "demo"


def test_without_any_cohort_the_dashboard_says_how_to_make_one(tmp_path):
    app = dashboard.dashboard(root=tmp_path)
    text = "".join(getattr(child, "value", "") for child in app.children)
    assert "No cohort yet" in text and "<code>course demo</code>" in text


# --- roster and teams ---------------------------------------------------------------------------

def test_the_roster_is_optional_and_its_problems_are_listed_not_raised(tmp_path):
    assert read_roster(tmp_path) == ({}, [])
    (tmp_path / "roster.csv").write_text(
        "id,first_name,last_name,email,team,start_date\n"
        "ann,Ann,A,ann@example.com,Sales,2026-01-01\n"
        "bob,Bob,B,bob@example.com,Billing,\n"
        "cat,Cat,C,cat@example.com,Sales,01/02/2026\n", encoding="utf-8")
    learners, problems = read_roster(tmp_path)
    assert learners == ROSTER
    assert len(problems) == 1 and "01/02/2026" in problems[0]
    (tmp_path / "roster.csv").write_text("name,team\nAnn,Sales\n")
    learners, problems = read_roster(tmp_path)
    assert learners == {} and "missing column" in problems[0]


def test_rows_are_grouped_by_team_with_no_team_last():
    grouped = rows_by_team(ROWS)
    assert list(grouped) == ["Billing", "Sales", NO_TEAM] == teams(ROWS)
    assert {r.learner for r in grouped["Sales"]} == {"ann"}
    assert {r.learner for r in grouped[NO_TEAM]} == {"cat"}
    assert sum(len(rows) for rows in grouped.values()) == len(ROWS)
    assert rows_by_team([]) == {}


# --- overdue ------------------------------------------------------------------------------------

def test_overdue_modules_come_with_their_delay():
    late = overdue(ROWS, today=date(2026, 1, 20))
    assert [(o.learner, o.module, o.due, o.days_late, o.team, o.status) for o in late] == [
        ("ann", "culture", date(2026, 1, 8), 12, "Sales", "failed")]
    assert overdue([r for r in ROWS if r.learner != "ann"], date(2030, 1, 1)) == []


def test_the_longest_delay_comes_first_and_learners_are_grouped():
    rows = ROWS + [_row("bob", "serve", "not started", team="Billing", due="2025-12-01", late=True),
                   _row("bob", "capstone", "failed", team="Billing", due="2026-01-10", late=True)]
    late = overdue(rows, today=date(2026, 1, 20))
    assert [(o.learner, o.module, o.days_late) for o in late] == [
        ("bob", "serve", 50), ("ann", "culture", 12), ("bob", "capstone", 10)]
    assert [[o.module for o in group] for group in overdue_by_learner(late)] == [
        ["serve", "capstone"], ["culture"]]


# --- CSV and HTML -------------------------------------------------------------------------------

def test_the_csv_is_the_same_as_the_report_command_writes(tmp_path):
    text = csv_text(ROWS)
    assert text == write_csv(ROWS, tmp_path / "completion.csv").read_bytes().decode()
    table = list(csv.DictReader(io.StringIO(text)))
    assert list(table[0]) == [f.name for f in fields(Row)]
    assert list(table[0])[:6] == ["learner", "name", "module", "score", "max_score", "status"]
    assert [(r["learner"], r["module"], r["status"], r["team"]) for r in table] == \
        [(r.learner, r.module, r.status, r.team) for r in ROWS]


def test_the_download_link_carries_the_csv_for_a_spreadsheet():
    rows = ROWS + [_row("chloe", "serve", "passed", name="Chloé \"Clo\" <Martin>")]
    link = csv_link(rows)
    assert 'download="completion.csv"' in link and "aria-label=" in link
    payload = link.split("base64,", 1)[1].split('"', 1)[0]
    data = base64.b64decode(payload)
    assert data.startswith("\ufeff".encode()) and data.decode("utf-8-sig") == csv_text(rows)
    assert "<Martin>" not in link  # the name is inside base64, never raw HTML


def test_the_learners_table_is_accessible_and_escapes_names():
    rows = ROWS + [_row("eve", "serve", "passed", 10, name="<script>alert(1)</script>")]
    table = learners_table(rows, ROSTER, "Learners of cohort test")
    assert "<caption>Learners of cohort test</caption>" in table
    assert table.count('<th scope="row">') == 4 and '<th scope="col">Team</th>' in table
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert "9 of 10 points" in table and "2026-01-01" in table
    assert "<strong>overdue</strong> (due 2026-01-08)" in table


def test_the_cohort_view_has_charts_with_alt_text_and_filters_by_team(tmp_path):
    page = dashboard.cohort_view(tmp_path, rows=ROWS, today=date(2026, 1, 20))
    for heading in ("Completion by module", "Completion by team", "Overdue", "Learners", "Download"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count('src="data:image/png;base64,') == 2
    assert 'alt="Completion by module (cohort' in page and "Sales: 1 failed, 1 passed" in page
    assert '<table class="hr-table hr-overdue"><caption>1 learners' in page
    sales = dashboard.cohort_view(tmp_path, team="Sales", rows=ROWS, today=date(2026, 1, 20))
    learners = sales.split("<h2>Learners")[1]
    assert "Ann" in learners and "Bob" not in learners and ", team Sales" in learners


def test_without_start_dates_nothing_is_overdue(tmp_path):
    rows = [r for r in ROWS if not r.due]
    page = dashboard.cohort_view(tmp_path, rows=rows)
    assert "Nothing can be overdue" in page and "hr-overdue\"" not in page


def test_roster_problems_are_shown_to_hr(tmp_path):
    (tmp_path / "roster.csv").write_text("id,first_name,last_name,email,team,start_date\n"
                                         "ann,Ann,A,ann@example.com,Sales,yesterday\n")
    page = dashboard.cohort_view(tmp_path, rows=ROWS)
    assert "Some roster lines cannot be used" in page and "yesterday" in page
    assert "<h2>Learners</h2>" in page


# --- on the real demo cohort --------------------------------------------------------------------

@pytest.mark.slow
def test_the_demo_cohort_dashboard_shows_teams_learners_and_overdue(demo_cohort):
    from servicecourse.demo import LEARNERS
    from servicecourse.report import completion

    app = dashboard.dashboard(root=demo_cohort.parent)
    cohort_picker, team_picker = app.children[1].children
    assert (cohort_picker.description, cohort_picker.value) == ("Cohort", "demo")
    assert team_picker.description == "Team"
    assert team_picker.options == ("All teams", "Billing", "Call centre", "Front desk", NO_TEAM)
    page = app.children[2].value
    learners = page.split("<h2>Learners")[1]
    assert all(f"{first} {last}" in learners for _, first, last, *_ in LEARNERS)
    rows = completion(demo_cohort)
    late = overdue(rows, date.today())
    assert {(o.learner, o.module) for o in late} == {(r.learner, r.module) for r in rows if r.overdue}
    # Amara passed everything, Ben starts in 2099, Dev has no start date.
    assert {o.learner for o in late} == {"chloe-martin", "elena-rossi", "farid-haddad"}
    overdue_table = page.split("<h2>Overdue")[1].split("<h2>")[0]
    assert "Farid Haddad" in overdue_table and "Amara" not in overdue_table
    team_picker.value = "Billing"
    learners = app.children[2].value.split("<h2>Learners")[1]
    assert "Chloé Martin" in learners and "Dev Patel" in learners and "Amara" not in learners


# --- in a real browser --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def voila(tmp_path_factory, demo_cohort):
    with voila_server(tmp_path_factory.mktemp("jupyter-config"),
                      COURSE_COHORTS=str(demo_cohort.parent)) as url:
        yield url


@pytest.mark.slow
@pytest.mark.browser
def test_hr_sees_the_demo_learners_and_downloads_the_csv(voila, chromium, demo_cohort):
    from servicecourse.report import completion

    page = chromium.new_page(accept_downloads=True)
    page.goto(f"{voila}/voila/render/dashboard.ipynb", timeout=60_000)
    table = page.locator("table.hr-learners")
    table.wait_for(timeout=60_000)
    assert page.get_by_label("Cohort").input_value() == "demo"
    assert page.get_by_label("Team").input_value() == "All teams"
    assert table.locator("caption").inner_text().startswith("Learners of cohort demo")
    assert "Amara Okoye" in table.inner_text() and "Hugo Silva" in table.inner_text()
    assert page.locator("table.hr-overdue tbody tr").count() > 0
    for image in page.locator("img.hr-chart-modules, img.hr-chart-teams").all():
        assert image.get_attribute("alt").startswith("Completion by")
    assert "import" not in page.locator("body").inner_text()

    link = page.get_by_role("link", name="Download the completion table as CSV")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "completion.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    table_rows = list(csv.DictReader(io.StringIO(text)))
    assert list(table_rows[0]) == [f.name for f in fields(Row)]
    rows = completion(demo_cohort)
    assert [(r["learner"], r["name"], r["module"], float(r["score"]), r["status"], r["team"],
             r["overdue"]) for r in table_rows] == \
        [(r.learner, r.name, r.module, r.score, r.status, r.team, str(r.overdue)) for r in rows]

    page.get_by_label("Team").select_option("Billing")
    page.wait_for_function(
        "() => document.querySelector('table.hr-learners caption').textContent.includes('team Billing')",
        timeout=10_000)
    assert "Amara Okoye" not in page.locator("table.hr-learners").inner_text()
    page.close()
