"""Does the reporting core read a cohort (policy, roster, gradebook, grading status) into the
right rows, and does ``course report`` write them, saying which pass mark it applied?"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from servicecourse.reporting import report
from servicecourse.reporting.report import GradebookError, GradingStatusError, cohort_report, completion, write_report

from conftest import copy_cohort
from small_cohort import shared_template

TODAY = date(2026, 1, 20)
@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return shared_template(tmp_path_factory)


@pytest.fixture
def cohort(template, tmp_path) -> Path:
    return copy_cohort(template, tmp_path / "spring")


def _rows(folder, **kwargs):
    return {(r.learner, r.module): r for r in completion(folder, today=TODAY, **kwargs)}


# --- the rows -----------------------------------------------------------------------------------

def test_every_learner_and_module_gets_its_status_team_and_due_date(cohort):
    """Are statuses, scores, teams, due dates (course.yml) and overdue right for each row?"""
    rows = _rows(cohort)
    assert [(k, r.status, r.score) for k, r in rows.items()] == [
        (("ann", "culture"), "failed", 3.0), (("ann", "serve"), "passed", 9.0),
        (("bob", "culture"), "needs manual grading", 6.0), (("bob", "serve"), "not started", 0.0),
        (("cat", "culture"), "passed", 9.0), (("cat", "serve"), "submitted", 0.0)]
    ann = rows[("ann", "culture")]
    assert (ann.name, ann.team, ann.due, ann.overdue) == ("Ann Archer", "Sales", "2026-01-08", True)
    assert rows[("ann", "serve")].due == "2026-01-11" and not rows[("ann", "serve")].overdue
    assert ann.extra == {"Manager": "Hélène Roux", "Employee ID": '=HYPERLINK("x")'}
    assert rows[("bob", "serve")].due == "" and not rows[("bob", "serve")].overdue  # no start date
    assert rows[("cat", "culture")].team == "" and rows[("cat", "culture")].extra == {}


def test_the_cohort_s_policy_sets_the_pass_mark_and_due_days(cohort):
    """Does editing the cohort's course.yml change the pass mark and the due dates it reports?"""
    (cohort / "course.yml").write_text("pass_mark: 0.95\ndebrief_min_group: 5\n"
                                       "modules:\n  culture: 30\n  serve: 10\n")
    rows = _rows(cohort)
    assert rows[("ann", "serve")].status == "failed" and rows[("ann", "serve")].overdue
    assert rows[("ann", "culture")].due == "2026-01-31" and not rows[("ann", "culture")].overdue
    assert _rows(cohort, pass_mark=0.5)[("ann", "serve")].status == "passed"


def test_a_hand_in_that_could_not_be_graded_is_failed_and_overdue_not_submitted(cohort):
    """Does grading/status.json turn an ungradable hand-in into 'failed' (and overdue when late)?"""
    (cohort / "submitted" / "ann" / "serve").mkdir(parents=True)
    (cohort / "grading").mkdir()
    (cohort / "grading" / "status.json").write_text(json.dumps({
        "cat/serve": {"status": "failed", "reasons": ["the kernel died"], "hash": "ab"},
        "ann/serve": {"status": "failed", "reasons": [], "hash": "cd"},
        "ann/culture": {"status": "flagged", "reasons": ["answer cell holds more than its answer"]},
        "cat/culture": {"status": "graded", "reasons": [], "hash": "ef"}}))
    rows = _rows(cohort)
    cat = rows[("cat", "serve")]
    assert (cat.status, cat.score, cat.note) == ("failed", 0.0, "could not be graded: the kernel died")
    ann = rows[("ann", "serve")]  # graded 9/10 before; its new hand-in could not be graded
    assert (ann.status, ann.overdue, ann.note) == ("failed", True, "could not be graded: no reason recorded")
    assert rows[("ann", "culture")].note == "flagged for the trainer: answer cell holds more than its answer"
    assert rows[("cat", "culture")].status == "passed" and rows[("cat", "culture")].note == ""


def test_a_grading_status_file_that_is_not_json_is_named(cohort):
    """Is a broken status.json refused by name rather than read as 'nothing failed'?"""
    (cohort / "grading").mkdir()
    (cohort / "grading" / "status.json").write_text("{not json")
    with pytest.raises(GradingStatusError, match=r"grading/status.json: cannot be read"):
        cohort_report(cohort)


def test_a_bad_roster_is_reported_and_the_grades_still_count(cohort):
    """Does a stored roster missing a column give its own message, with every grade still there?"""
    (cohort / "roster.csv").write_text("id,first_name,last_name\nann,Ann,Archer\n")
    data = cohort_report(cohort, today=TODAY)
    assert len(data.rows) == 6 and data.learners == {} and data.columns == []
    assert len(data.roster_problems) == 1 and "no column for email" in data.roster_problems[0]
    assert "roster.csv" in data.roster_problems[0]


def test_an_unreadable_gradebook_is_a_gradebook_error(cohort):
    """Is a gradebook that is not a database reported as such (not as a roster problem)?"""
    (cohort / "gradebook.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(GradebookError, match="cannot read the gradebook of cohort spring"):
        cohort_report(cohort)


def test_a_cohort_without_its_own_policy_falls_back_with_a_note(cohort):
    """Does a cohort made before course.yml was copied still report, saying so?"""
    (cohort / "course.yml").unlink()
    data = cohort_report(cohort, today=TODAY)
    assert len(data.rows) == 6 and data.pass_mark == 0.7
    assert "no course.yml in the cohort" in data.notes[0]


# --- the plain functions ------------------------------------------------------------------------

def test_teams_groups_and_selection_come_from_the_rows(cohort):
    """Are teams, managers, selections and totals computed from the rows alone?"""
    rows = completion(cohort, today=TODAY)
    assert report.teams(rows) == ["Billing", "Sales", report.NO_TEAM]
    assert report.groups(rows, "Manager") == ["Hélène Roux", "Marc Dubois", report.BLANK]
    assert {r.learner for r in report.select(rows, {"Manager": "Marc Dubois"})} == {"bob"}
    assert report.select(rows, {"team": None}) == rows
    totals = report.team_totals(rows)
    assert totals["Sales"]["failed"] == 1 and totals["Sales"]["overdue"] == 1
    assert sum(sum(c[s] for s in report.STATUSES) for c in totals.values()) == len(rows)


def test_overdue_modules_come_with_their_delay_longest_first(cohort):
    """Is the overdue list ordered by delay and grouped per learner?"""
    rows = completion(cohort, today=date(2026, 2, 1), pass_mark=0.95)
    late = report.overdue(rows, date(2026, 2, 1))
    assert [(o.learner, o.module, o.days_late) for o in late] == [("ann", "culture", 24),
                                                                  ("ann", "serve", 21)]
    assert [[o.module for o in group] for group in report.overdue_by_learner(late)] == [
        ["culture", "serve"]]


# --- the files and the command ------------------------------------------------------------------

def test_the_csv_keeps_roster_columns_and_writes_formulas_as_text(cohort, tmp_path):
    """Does completion.csv (UTF-8 BOM) carry the roster's extra columns, with formulas defused?"""
    csv_path, png_path, rows = write_report(cohort, tmp_path)
    data = csv_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(table[0]) == [*report.FIELDS, "Manager", "Employee ID"]
    ann = next(r for r in table if r["learner"] == "ann" and r["module"] == "culture")
    assert (ann["status"], ann["team"], ann["Manager"]) == ("failed", "Sales", "Hélène Roux")
    assert ann["Employee ID"] == "'=HYPERLINK(\"x\")"
    assert len(table) == len(rows) == 6
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    teams = list(csv.reader(io.StringIO((tmp_path / "teams.csv").read_text("utf-8-sig"))))
    assert teams[0] == ["team", *report.STATUSES, "overdue"]
    assert [row[0] for row in teams[1:]] == ["Billing", "Sales", report.NO_TEAM]


def test_the_report_command_says_when_the_pass_mark_is_overridden(cohort, tmp_path, capsys):
    """Does `course report --pass-mark` apply its value and say what the policy says?"""
    from servicecourse.cli import main

    assert main(["report", "--cohort", str(cohort), "--out", str(tmp_path / "a")]) == 0
    out, _ = capsys.readouterr()
    assert "given on the command line" not in out and "6 rows ->" in out
    assert main(["report", "--cohort", str(cohort), "--out", str(tmp_path / "b"),
                 "--pass-mark", "0.95"]) == 0
    out, _ = capsys.readouterr()
    assert "pass mark 0.95 given on the command line; the cohort's policy says 0.7" in out
    table = list(csv.DictReader(io.StringIO((tmp_path / "b" / "completion.csv").read_text("utf-8-sig"))))
    assert next(r for r in table if r["learner"] == "ann" and r["module"] == "serve")["status"] == "failed"


def test_the_report_command_names_a_bad_policy_and_a_bad_roster(cohort, tmp_path, capsys):
    """Does `course report` name a bad course.yml (exit 1) and list roster lines left out?"""
    from servicecourse.cli import main

    (cohort / "course.yml").write_text("pass_mark: 70\ndebrief_min_group: 5\nmodules: {serve: 3}\n")
    assert main(["report", "--cohort", str(cohort), "--out", str(tmp_path)]) == 1
    assert f"{cohort / 'course.yml'}: pass_mark: 70 is not between" in capsys.readouterr().err
    (cohort / "course.yml").unlink()
    (cohort / "roster.csv").write_text("id,first_name,last_name,email\nann,Ann,Archer,bad-email\n")
    assert main(["report", "--cohort", str(cohort), "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "no course.yml in the cohort" in err and "line 2: email 'bad-email'" in err


@pytest.mark.slow
def test_an_autograded_cohort_is_read_through_nbgrader(graded_cohort):
    """On a cohort really autograded by nbgrader, are the statuses what the hand-ins earned?"""
    rows = _rows(graded_cohort)
    instructor, blank, wrong = (rows[(who, "serve")] for who in ("instructor", "blank", "wrong"))
    assert instructor.status == "needs manual grading"  # the reflection waits for the trainer
    assert 0 < wrong.score < instructor.score < instructor.max_score  # the reflection not yet scored
    assert blank.score == 0 and blank.status == "failed"  # an untouched reflection scores 0 by itself
    assert wrong.status == "failed" and rows[("wrong", "culture")].status == "not started"
