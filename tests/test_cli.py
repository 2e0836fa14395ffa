"""Does the `course` command check scenarios, report on a cohort and build the demo as documented?"""

import csv
import shutil
from pathlib import Path

import pytest

from conftest import BIN, run
from servicecourse.paths import SCENARIOS

BAD = Path(__file__).parent / "data" / "bad_scenarios"


def test_check_passes_the_course_scenarios():
    result = run(str(BIN / "course"), "check", str(SCENARIOS))
    assert result.stdout.count(": ok (") == len(list(SCENARIOS.glob("*.yaml")))


def test_check_fails_with_every_problem_and_no_traceback(tmp_path):
    shutil.copy(BAD / "many-problems.yaml", tmp_path)
    shutil.copy(SCENARIOS / "serve-call-centre.yaml", tmp_path)
    result = run(str(BIN / "course"), "check", str(tmp_path), str(BAD / "syntax-error.yaml"), check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("many-problems.yaml:") == 11
    assert "syntax-error.yaml:" in result.stderr and "YAML syntax error" in result.stderr
    assert "serve-call-centre.yaml: ok" in result.stdout


def test_report_on_a_folder_that_is_not_a_cohort_says_so(tmp_path):
    result = run(str(BIN / "course"), "report", "--course-dir", str(tmp_path), check=False)
    assert result.returncode == 1 and "not a cohort folder" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_demo_builds_a_graded_cohort_with_every_status(tmp_path):
    folder = tmp_path / "demo"
    result = run(str(BIN / "course"), "demo", "--folder", str(folder))
    assert "report:" in result.stdout
    with (folder / "reports" / "completion.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    statuses = {(r["learner"], r["module"]): r["status"] for r in rows}
    assert statuses[("amara-okoye", "serve")] == "passed"
    assert statuses[("dev-patel", "serve")] == "needs manual grading"
    assert statuses[("elena-rossi", "serve")] == "failed"
    assert statuses[("farid-haddad", "serve")] == "not started"
    assert (folder / "reports" / "completion.png").stat().st_size > 1000
    assert (folder / "gradebook.db").exists()
