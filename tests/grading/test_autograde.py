"""Does autograde keep what a trainer did, grade only what changed, and keep going when a worker dies?"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbgrader.api import Gradebook

from servicecourse import cohort
from servicecourse.cohort import roster
from servicecourse.cohort.submissions import answer, honest_answers
from servicecourse.grading import status
from servicecourse.grading.autograde import autograde_cohort
from servicecourse.grading.certificate import issue, verify

pytestmark = pytest.mark.slow
MODULE = "serve"


def _hand_in(folder: Path, learner: str, answers: dict[str, str] | None = None) -> Path:
    release = next((folder / "release" / MODULE).glob("*.ipynb"))
    given = honest_answers(folder, MODULE, learner) if answers is None else answers
    target = folder / "submitted" / learner / MODULE / release.name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(answer(release, given), target)
    (target.parent / "timestamp.txt").write_text("2026-11-20 09:00:00.000000 UTC")
    return target


def _reflection_id(folder: Path) -> str:
    release = next((folder / "release" / MODULE).glob("*.ipynb"))
    return next(c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(release, as_version=4).cells
                if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))


def _grade_by_hand(folder: Path, learner: str, cell: str, score: float, comment: str) -> None:
    """What formgrader does when a trainer types a score and a comment."""
    with Gradebook(cohort.db_url(folder)) as gradebook:
        submission = gradebook.find_submission(MODULE, learner)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name == cell:
                    grade.manual_score, grade.needs_manual_grade = score, False
            for remark in notebook.comments:
                if remark.name == cell:
                    remark.manual_comment = comment
        gradebook.db.commit()


def _manual(folder: Path, learner: str, cell: str) -> tuple:
    with Gradebook(cohort.db_url(folder)) as gradebook:
        submission = gradebook.find_submission(MODULE, learner)
        grade = next(g for nb in submission.notebooks for g in nb.grades if g.name == cell)
        remark = next(c for nb in submission.notebooks for c in nb.comments if c.name == cell)
        return grade.manual_score, bool(grade.needs_manual_grade), remark.manual_comment


@pytest.fixture
def graded(tmp_path) -> Path:
    """A cohort requiring only the serve module, with two learners' hand-ins graded once."""
    folder = cohort.create(tmp_path / "cohort")
    policy = (folder / "course.yml").read_text()
    lines = [line for line in policy.splitlines() if not line.startswith("  ") or line.startswith(f"  {MODULE}:")]
    (folder / "course.yml").write_text("\n".join(lines) + "\n")
    people = tmp_path / "people.csv"
    people.write_text("id,first_name,last_name,email\nann,Ann,Lee,ann@example.com\nbob,Bob,Ray,bob@example.com\n")
    roster.import_csv(folder, people)
    api = cohort.api(folder)
    cohort.run(api.generate_assignment(MODULE), MODULE)
    _hand_in(folder, "ann")
    _hand_in(folder, "bob", {})
    outcomes = autograde_cohort(folder, progress=False)
    assert {o.status for o in outcomes} == {"graded"}, outcomes
    return folder


def test_a_second_run_grades_nothing_unchanged(graded):
    outcomes = autograde_cohort(graded, progress=False)
    assert [o.status for o in outcomes] == ["unchanged", "unchanged"]
    assert outcomes[0].score is not None


def test_manual_grades_survive_a_rerun_a_forced_regrade_and_an_unrelated_resubmission(graded):
    cell = _reflection_id(graded)
    _grade_by_hand(graded, "ann", cell, 3, "A concrete, observable sign: well done.")
    autograde_cohort(graded, progress=False)
    assert _manual(graded, "ann", cell) == (3, False, "A concrete, observable sign: well done.")
    autograde_cohort(graded, progress=False, force=True)
    assert _manual(graded, "ann", cell) == (3, False, "A concrete, observable sign: well done.")
    answers = honest_answers(graded, MODULE, "ann")
    first_answer = next(iter(answers))
    _hand_in(graded, "ann", {**answers, first_answer: answers[first_answer] + "  # checked again"})
    outcome = next(o for o in autograde_cohort(graded, progress=False) if o.learner == "ann")
    assert outcome.status == "graded"
    assert _manual(graded, "ann", cell) == (3, False, "A concrete, observable sign: well done.")


def test_a_changed_reflection_goes_back_to_the_trainer(graded):
    cell = _reflection_id(graded)
    _grade_by_hand(graded, "ann", cell, 3, "Good.")
    answers = honest_answers(graded, MODULE, "ann")
    _hand_in(graded, "ann", {**answers, cell: "A completely new reflection about my job."})
    outcome = next(o for o in autograde_cohort(graded, progress=False) if o.learner == "ann")
    assert outcome.status == "graded", outcome
    score, needs_grading, _ = _manual(graded, "ann", cell)
    assert needs_grading is True  # the trainer must look at the new text


def test_an_issued_certificate_keeps_verifying_after_a_rerun_and_a_regrade(graded):
    cell = _reflection_id(graded)
    _grade_by_hand(graded, "ann", cell, 3, "Good.")
    new, _ = issue(graded)
    assert [c.learner for c in new] == ["ann"]
    code = new[0].code
    autograde_cohort(graded, progress=False)
    autograde_cohort(graded, progress=False, force=True)
    found = verify(graded, code)
    assert found is not None and found.changes == []
    assert issue(graded)[0] == []  # never a second certificate
    with Gradebook(cohort.db_url(graded)) as gradebook:
        gradebook.update_or_create_student("ann", first_name="Anne", last_name="Lee")
    found = verify(graded, code)
    assert found is not None and any("Anne Lee" in change for change in found.changes)


def test_a_certificate_whose_ledger_entry_was_edited_or_whose_code_was_made_up_is_refused(graded):
    _grade_by_hand(graded, "ann", _reflection_id(graded), 3, "Good.")
    new, _ = issue(graded)
    ledger = graded / "certificates" / "ledger.jsonl"
    ledger.write_text(ledger.read_text().replace('"Ann Lee"', '"Mallory"'))
    assert verify(graded, new[0].code) is None
    assert verify(graded, "SC-0000-0000-0000") is None


def test_a_second_autograde_on_the_same_cohort_is_refused_clearly(graded):
    with status.exclusive(graded):
        with pytest.raises(status.GradingBusy, match="another autograde is running"):
            autograde_cohort(graded, progress=False)


def test_tests_changed_in_source_after_the_release_stop_the_run(graded):
    notebook = next((graded / "source" / MODULE).glob("*.ipynb"))
    text = notebook.read_text()
    notebook.write_text(text.replace("### BEGIN HIDDEN TESTS", "### BEGIN HIDDEN TESTS\\n1 == 1", 1))
    with pytest.raises(cohort.CohortError, match="differs from"):
        autograde_cohort(graded, progress=False, force=True)


def test_a_killed_worker_fails_no_hand_in_and_the_batch_goes_on(graded):
    for learner in ("cat", "dan", "eve", "fay"):
        _hand_in(graded, learner)
    killed = []

    def kill_a_worker():
        me = psutil.Process()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for child in me.children():  # a pool worker: Python, with a sandbox under it
                if "python" in child.name() and \
                        any("bwrap" in (p.name() or "") for p in child.children(recursive=True)):
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                    return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_a_worker, daemon=True)
    killer.start()
    outcomes = autograde_cohort(graded, progress=False)
    killer.join()
    assert killed, "no worker was seen grading"
    assert {o.learner for o in outcomes} == {"ann", "bob", "cat", "dan", "eve", "fay"}
    assert all(o.status in ("graded", "unchanged") for o in outcomes), outcomes


def test_a_hand_in_that_could_not_be_graded_is_tried_again_on_the_next_run(graded):
    first_answer = next(iter(honest_answers(graded, MODULE, "bob")))
    _hand_in(graded, "bob", {first_answer: "import os\nos._exit(1)"})
    assert next(o for o in autograde_cohort(graded, progress=False) if o.learner == "bob").status == "failed"
    again = next(o for o in autograde_cohort(graded, progress=False) if o.learner == "bob")
    assert again.status == "failed" and "kernel died" in " ".join(again.reasons)
