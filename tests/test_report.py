"""Does the HR report read the gradebook into the right rows, statuses, CSV and chart?"""

import csv

import pytest

from servicecourse.report import completion, write_report

pytestmark = pytest.mark.slow


def test_rows_cover_every_learner_and_module_with_their_status(graded_cohort):
    rows = {(r.learner, r.module): r for r in completion(graded_cohort)}
    instructor, blank = rows[("instructor", "serve")], rows[("blank", "serve")]
    assert instructor.score == 10 and instructor.max_score == 13
    assert instructor.status == "needs manual grading"  # the reflection waits for the trainer
    assert blank.score == 0 and blank.status == "failed"  # an untouched reflection scores 0 by itself
    assert rows[("wrong", "serve")].score == 2
    assert rows[("wrong", "culture")].status == "not started"


def test_a_handed_in_but_ungraded_notebook_counts_as_submitted(graded_cohort, tmp_path):
    (graded_cohort / "submitted" / "wrong" / "culture").mkdir(parents=True)
    try:
        rows = {(r.learner, r.module): r for r in completion(graded_cohort)}
        assert rows[("wrong", "culture")].status == "submitted"
    finally:
        (graded_cohort / "submitted" / "wrong" / "culture").rmdir()


def test_the_csv_and_chart_are_written(graded_cohort, tmp_path):
    csv_path, png_path, rows = write_report(graded_cohort, tmp_path)
    with csv_path.open() as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == ["learner", "name", "module", "score", "max_score", "status",
                              "team", "due", "overdue"]
    assert len(table) == len(rows) == 3 * len({r.module for r in rows})
    assert {"learner": "wrong", "module": "serve", "score": "2.0", "status": "failed"}.items() <= \
        next(r for r in table if r["learner"] == "wrong" and r["module"] == "serve").items()
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # no roster in this cohort: every learner is counted under "(no team)", nothing is overdue
    teams = (tmp_path / "teams.csv").read_text().splitlines()
    assert teams[1].startswith("(no team),") and teams[1].endswith(",0")
