"""Can a trainer run a whole cohort, on SQLite and on a real PostgreSQL server, from the command
line, and get the same grades as plain sequential nbgrader? (Hostile hand-ins: test_hostile.py.)"""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader.api import Gradebook

from servicecourse import cohort
from servicecourse.cohort.submissions import answer, honest_answers
from servicecourse.course import modules

from conftest import BIN, run

pytestmark = pytest.mark.slow
DATA = Path(__file__).parents[1] / "data"


def course(*args: str, check: bool = True):
    return run(str(BIN / "course"), *args, check=check)


def _hand_ins(inbox: Path, folder: Path) -> None:
    """What learners handed in: nbgrader's layout, a flat file, a zip, strays and strangers."""
    def notebook(module, learner, full=True, only=None):
        answers = honest_answers(folder, module, learner) if full else {}
        if only is not None:
            answers = {k: v for k, v in answers.items() if k in only}
        return nbformat.writes(answer(folder / "release" / module / f"{module}.ipynb", answers))

    for module in modules():
        target = inbox / "amara-okoye" / module / f"{module}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(notebook(module, "amara-okoye"))
    (inbox / "grace-liu_serve_final.ipynb").write_text(notebook("serve", "grace-liu", only={"best_reply"}))
    with zipfile.ZipFile(inbox / "ben-carter_week2.zip", "w") as archive:
        archive.writestr("work/serve.ipynb", notebook("serve", "ben-carter"))
        archive.writestr("work/culture.ipynb", notebook("culture", "ben-carter", full=False))
    (inbox / "notes.txt").write_text("not a submission")
    (inbox / "Grace Liu - culture.ipynb").write_text(notebook("culture", "grace-liu"))
    (inbox / "getting-started.ipynb").write_text(notebook("getting-started", "nobody", full=False))


def _grades(db_url: str) -> dict[tuple[str, str, str], float | None]:
    """What autograding gave each cell (manual grades left out: trainers add those later)."""
    with Gradebook(db_url) as gradebook:
        return {(s.student.id, a.name, g.name): g.auto_score for a in gradebook.assignments
                for s in a.submissions for n in s.notebooks for g in n.grades}


def _pipeline(root: Path, db_url: str | None) -> SimpleNamespace:
    folder = root / "cohort"
    course("cohort", "new", str(folder), *(["--db-url", db_url] if db_url else []))
    roster = course("cohort", "roster", "import", str(DATA / "roster.csv"), "--cohort", str(folder), check=False)
    course("cohort", "release", "--cohort", str(folder))
    _hand_ins(root / "inbox", folder)
    collected = course("cohort", "collect", str(root / "inbox"), "--cohort", str(folder))
    graded = course("cohort", "autograde", "--cohort", str(folder))
    with Gradebook(cohort.db_url(folder)) as gradebook:  # the trainer grades Amara's reflections
        for module in modules():
            for notebook in gradebook.find_submission(module, "amara-okoye").notebooks:
                for grade in notebook.grades:
                    if grade.auto_score is None:
                        grade.manual_score, grade.needs_manual_grade = grade.max_score, False
        gradebook.db.commit()
    again = course("cohort", "autograde", "--cohort", str(folder))
    course("cohort", "feedback", "--cohort", str(folder))
    course("report", "--cohort", str(folder))
    certificates = course("certificate", "--cohort", str(folder))
    return SimpleNamespace(folder=folder, roster=roster, collected=collected, graded=graded,
                           again=again, certificates=certificates, grades=_grades(cohort.db_url(folder)))


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory, postgres):
    """The whole cohort pipeline, once on SQLite and once on PostgreSQL."""
    return {"sqlite": _pipeline(tmp_path_factory.mktemp("sqlite"), None),
            "postgresql": _pipeline(tmp_path_factory.mktemp("postgresql"), postgres())}


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    """The same hand-ins graded by plain `nbgrader autograde` (in the cohort's sandbox), one
    module after the other."""
    root = tmp_path_factory.mktemp("sequential")
    folder = root / "cohort"
    course("cohort", "new", str(folder))
    course("cohort", "roster", "import", str(DATA / "roster.csv"), "--cohort", str(folder), check=False)
    api = cohort.api(folder)
    for module in modules():
        cohort.run(api.generate_assignment(module), module)
    _hand_ins(root / "inbox", folder)
    course("cohort", "collect", str(root / "inbox"), "--cohort", str(folder))
    for module in modules():
        run(str(BIN / "nbgrader"), "autograde", module, cwd=folder)
    return _grades(cohort.db_url(folder))


KINDS = ["sqlite", "postgresql"]


@pytest.mark.parametrize("kind", KINDS)
def test_roster_import_keeps_good_rows_and_names_each_bad_line(pipelines, kind):
    result = pipelines[kind].roster
    assert result.returncode == 1
    for line, reason in [(4, "not an email address"), (5, "already on line 2"),
                         (6, "is not a date"), (7, "'id' is empty")]:
        assert f"roster.csv: line {line}: " in result.stderr and reason in result.stderr
    assert "3 learners imported" in result.stdout
    with Gradebook(cohort.db_url(pipelines[kind].folder)) as gradebook:
        assert {"amara-okoye", "ben-carter", "grace-liu"} <= {s.id for s in gradebook.students}


def test_reimporting_a_roster_updates_and_never_duplicates(pipelines, tmp_path):
    folder = pipelines["sqlite"].folder
    changed = tmp_path / "roster.csv"
    changed.write_text("id,first_name,last_name,email,team,start_date\n"
                       "ben-carter,Benjamin,Carter,ben.carter@example.com,Billing,2026-11-20\n")
    course("cohort", "roster", "import", str(changed), "--cohort", str(folder))
    roster_rows = (folder / "roster.csv").read_text().splitlines()
    assert sum(row.startswith("ben-carter,") for row in roster_rows) == 1
    assert "ben-carter,Benjamin," in (folder / "roster.csv").read_text()
    with Gradebook(cohort.db_url(folder)) as gradebook:
        assert gradebook.find_student("ben-carter").first_name == "Benjamin"
        assert len(gradebook.students) == len({s.id for s in gradebook.students})


def test_a_roster_without_a_required_column_is_refused_by_name(pipelines):
    result = course("cohort", "roster", "import", str(DATA / "roster-missing-column.csv"),
                    "--cohort", str(pipelines["sqlite"].folder), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "roster-missing-column.csv: no column for email" in result.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_collect_places_every_kind_of_hand_in_and_reports_the_rest(pipelines, kind):
    p = pipelines[kind]
    submitted = p.folder / "submitted"
    assert (submitted / "grace-liu" / "serve" / "serve.ipynb").is_file()
    assert (submitted / "ben-carter" / "culture" / "culture.ipynb").is_file()
    assert len(list((submitted / "amara-okoye").iterdir())) == len(modules())
    assert "notes.txt: not a notebook or a zip archive; skipped" in p.collected.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_hand_ins_of_no_roster_learner_are_refused_with_a_suggestion_and_never_graded(pipelines, kind):
    p = pipelines[kind]
    assert "Grace Liu - culture.ipynb: no learner on the roster" in p.collected.stderr
    assert "Did you mean grace-liu" in p.collected.stderr
    assert "getting-started.ipynb: no learner on the roster" in p.collected.stderr
    assert sorted(x.name for x in (p.folder / "submitted").iterdir()) == ["amara-okoye", "ben-carter", "grace-liu"]
    assert not any(learner == "grace-liu" and module == "culture" for learner, module, _ in p.grades)
    assert (p.folder / "unmatched" / "Grace Liu - culture.ipynb").is_file()


@pytest.mark.parametrize("kind", KINDS)
def test_autograde_summarises_and_a_second_run_grades_nothing_again(pipelines, kind):
    p = pipelines[kind]
    hand_ins = len(modules()) + 3
    assert f"summary: {hand_ins} graded, 0 flagged, 0 failed, 0 unchanged" in p.graded.stdout
    assert f"summary: 0 graded, 0 flagged, 0 failed, {hand_ins} unchanged" in p.again.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_parallel_grades_equal_plain_sequential_nbgrader(pipelines, sequential, kind):
    assert pipelines[kind].grades == sequential and len(sequential) > 30


def test_sqlite_and_postgresql_give_the_same_grades(pipelines):
    assert pipelines["sqlite"].grades == pipelines["postgresql"].grades


@pytest.mark.parametrize("kind", KINDS)
def test_feedback_pages_are_written_per_learner_and_module(pipelines, kind):
    page = pipelines[kind].folder / "feedback" / "grace-liu" / "serve" / "serve.html"
    assert page.is_file() and "best_reply" in page.read_text()
    assert len(list((pipelines[kind].folder / "feedback" / "amara-okoye").iterdir())) == len(modules())


@pytest.mark.parametrize("kind", KINDS)
def test_the_report_gives_statuses_due_dates_overdue_and_teams(pipelines, kind):
    import csv

    folder = pipelines[kind].folder
    with (folder / "reports" / "completion.csv").open(encoding="utf-8-sig") as handle:
        rows = {(r["learner"], r["module"]): r for r in csv.DictReader(handle)}
    assert all(rows[("amara-okoye", m)]["status"] == "passed" for m in modules())
    grace = rows[("grace-liu", "serve")]
    assert grace["status"] == "failed" and grace["team"] == "IT support"
    assert grace["due"] == "2026-10-25" and grace["overdue"] == "True"
    assert rows[("ben-carter", "capstone")]["overdue"] == "False"  # started three days ago
    teams = (folder / "reports" / "teams.csv").read_text(encoding="utf-8-sig")
    assert teams.splitlines()[0].startswith("team,not started,submitted,needs manual grading,failed,passed,overdue")
    assert "Front desk," in teams and "IT support," in teams


@pytest.mark.parametrize("kind", KINDS)
def test_a_certificate_for_each_learner_who_passed_everything_and_its_code_verifies(pipelines, kind):
    folder = pipelines[kind].folder
    assert "1 certificates issued now, 0 issued before" in pipelines[kind].certificates.stdout
    page = (folder / "certificates" / "amara-okoye.html").read_text()
    assert "Amara Okoye" in page
    code = page.split('class="code">')[1].split("<")[0]
    ok = course("certificate", "verify", code, "--cohort", str(folder))
    assert "genuine: Amara Okoye" in ok.stdout
    forged = course("certificate", "verify", code[:-1] + ("0" if code[-1] != "0" else "1"),
                    "--cohort", str(folder), check=False)
    assert forged.returncode == 1 and "not a genuine certificate" in forged.stderr
    assert not (folder / "certificates" / "grace-liu.html").exists()
