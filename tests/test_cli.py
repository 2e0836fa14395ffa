"""Does the `course` command check scenarios, report on a cohort and build the demo as documented?"""

import csv
import getpass
import shutil
import subprocess
from pathlib import Path

import pytest

from servicecourse.course import SCENARIOS, modules

from conftest import BIN, run

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


@pytest.mark.slow
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
    # the machine's user is a learner of the demo, whose modules wait in its exchange
    me = getpass.getuser()
    assert statuses[(me, "serve")] == "not started"
    outbound = folder / "exchange" / "service-culture" / "outbound"
    assert sorted(p.name for p in outbound.iterdir()) == sorted(modules())


@pytest.mark.slow
def test_release_publishes_to_the_exchange_it_is_given_and_remembers_it(tmp_path):
    """Does `cohort release --exchange DIR` publish the module there, a later release publish
    to the same exchange without the option, and a cohort without one say it published nothing?"""
    course = str(BIN / "course")
    run(course, "cohort", "new", str(tmp_path / "plain"))
    alone = run(course, "cohort", "release", "--cohort", str(tmp_path / "plain"), "--module", "serve")
    assert "not published" in alone.stdout and (tmp_path / "plain" / "release" / "serve").is_dir()
    run(course, "cohort", "new", str(tmp_path / "hub"))
    first = run(course, "cohort", "release", "--cohort", str(tmp_path / "hub"), "--module", "serve",
                "--exchange", str(tmp_path / "exchange"))
    assert f"published to the exchange {tmp_path / 'exchange'}: serve" in first.stdout
    again = run(course, "cohort", "release", "--cohort", str(tmp_path / "hub"), "--module", "culture")
    assert "published to the exchange" in again.stdout
    outbound = tmp_path / "exchange" / "service-culture" / "outbound"
    assert sorted(p.name for p in outbound.iterdir()) == ["culture", "serve"]


@pytest.mark.slow
def test_course_serves_a_learners_jupyterlab_with_the_demo_exchange(tmp_path):
    """Does the JupyterLab `course serve` starts list the demo cohort's modules in the
    Assignments tab's API, and answer 404 for the formgrader (so it never makes a gradebook)?"""
    import json
    import secrets
    import time
    import urllib.error
    import urllib.request

    from servicecourse import cohort
    from servicecourse.cohort import exchange
    from servicecourse.serving.launch import learner_lab_env

    from conftest import free_port

    folder = cohort.create(tmp_path / "demo")
    exchange.configure(folder, tmp_path / "exchange")
    cohort.run(cohort.api(folder).generate_assignment("serve"), "generate serve")
    exchange.release(folder, ["serve"])
    workspace, port, token = tmp_path / "workspace", free_port(), secrets.token_hex(8)
    workspace.mkdir()
    env = {**learner_lab_env(folder), "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    lab = subprocess.Popen([str(BIN / "jupyter-lab"), "--no-browser", f"--port={port}",
                            f"--ServerApp.root_dir={workspace}", f"--IdentityProvider.token={token}",
                            "--allow-root"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                listed = json.load(urllib.request.urlopen(
                    f"{url}/assignments?course_id=service-culture&token={token}", timeout=5))
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start")
        assert listed["success"], listed
        assert [(a["course_id"], a["assignment_id"], a["status"]) for a in listed["value"]] == [
            ("service-culture", "serve", "released")]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/formgrader?token={token}", timeout=10)
        assert refused.value.code == 404
        assert list(tmp_path.rglob("gradebook.db")) == [folder / "gradebook.db"]  # no stray one
    finally:
        lab.terminate()
        lab.wait(timeout=30)
