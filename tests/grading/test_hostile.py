"""Can a hostile hand-in earn a mark, read a secret or harm anyone? Graded in one batch with honest
learners, as a trainer would grade a real cohort (see tests/hostile.py for the corpus)."""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbgrader.api import Gradebook, MissingEntry

from servicecourse import cohort
from servicecourse.cohort import evidence
from servicecourse.cohort.submissions import answer, honest_answers, path_letters, roleplay_items, solution_lines
from servicecourse.course import REPO
from servicecourse.grading import sandbox
from servicecourse.grading.autograde import autograde_cohort
from servicecourse.grading.feedback import generate_feedback
from servicecourse.roleplay import pathcodes

from conftest import live_markup
from hostile import EXPECTED_FAILED, MARKER, cases

pytestmark = pytest.mark.slow
MODULE = "serve"
HONEST = ("ann", "bob")  # ann knows every answer; bob hands in the blank release
CANARY = "canary-9f2c1e-trainer-secret"


class _Listener(threading.Thread):
    """A local TCP service that counts the connections it gets."""

    def __init__(self):
        super().__init__(daemon=True)
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True

    def run(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
                self.connections += 1
                connection.close()
            except OSError:
                pass


def _tree_digest(*roots: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    digests = {}
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            text = str(path)
            if path.is_file() and not any(part in text for part in skip) and "__pycache__" not in text:
                digests[text] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One cohort: honest learners and the whole corpus handed in, graded once, feedback written."""
    folder = cohort.create(tmp_path_factory.mktemp("hostile") / "cohort")
    with (folder / cohort.CONFIG_NAME).open("a") as config:
        config.write("c.SandboxProvisioner.notebook_timeout = 40\n")  # many-slow-cells: 3 x 25 s
    api = cohort.api(folder)
    cohort.run(api.generate_assignment(MODULE), f"generate {MODULE}")
    release = next((folder / "release" / MODULE).glob("*.ipynb"))
    source = folder / "source" / MODULE / release.name
    (folder / ".certificate-key").write_text(CANARY)
    key = evidence.roleplay_key(folder)
    scenario = next(iter(roleplay_items(source).values()), None)
    good = path_letters(scenario) if scenario else ""
    roleplay = {"forged": f"{scenario}/{good}/1-AAAAAAAAAA",
                "copied": pathcodes.sign(key, "ann", scenario, good, 1),
                "later": pathcodes.sign(key, "copied-code-learner", scenario, good, 2)} if scenario else {}
    listener = _Listener()
    listener.start()
    hand_ins = {"ann": answer(release, honest_answers(folder, MODULE, "ann")),
                "bob": nbformat.read(release, as_version=4),
                **cases(folder, MODULE, listener.port, roleplay)}
    for learner, notebook in hand_ins.items():
        target = folder / "submitted" / learner / MODULE / release.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
    os.environ["COURSE_TRAINER_SECRET"] = CANARY
    outside = tmp_path_factory.mktemp("outside") / "canary.txt"
    outside.write_text(CANARY)
    planted = REPO / "servicecourse" / ".hostile-canary"  # the repo is edited by people meanwhile
    planted.write_text(CANARY)
    watched = (folder, outside.parent, planted, Path(sys.prefix) / "pyvenv.cfg")
    skip = ("/autograded/", "/feedback/", "/grading/", "gradebook.db")
    before = _tree_digest(*watched, skip=skip)
    started, window_start = time.monotonic(), time.time()
    outcomes = {o.learner: o for o in autograde_cohort(folder, progress=False)}
    took, window = time.monotonic() - started, (window_start, time.time())
    pages, problems = generate_feedback(folder)
    listener.running = False
    after = _tree_digest(*watched, skip=skip)
    planted.unlink()
    return {"folder": folder, "outcomes": outcomes, "hand_ins": hand_ins, "pages": pages,
            "problems": problems, "before": before, "after": after, "listener": listener,
            "source": source, "took": took, "window": window}


def _scores(folder: Path, learner: str) -> dict[str, float]:
    """Recorded points per test cell (none for a hand-in that could not be graded)."""
    with Gradebook(cohort.db_url(folder)) as gradebook:
        try:
            submission = gradebook.find_submission(MODULE, learner)
        except MissingEntry:
            return {}
        return {g.name: float(g.score) for nb in submission.notebooks for g in nb.grades
                if g.cell.cell_type == "code"}


def test_the_batch_completes_with_an_outcome_for_every_hand_in(batch):
    assert set(batch["outcomes"]) == set(batch["hand_ins"])


def test_honest_learners_are_graded_exactly(batch):
    folder, outcomes = batch["folder"], batch["outcomes"]
    ann, bob = _scores(folder, "ann"), _scores(folder, "bob")
    with Gradebook(cohort.db_url(folder)) as gradebook:
        most = gradebook.find_assignment(MODULE).max_code_score
    assert sum(ann.values()) == most > 0, (ann, outcomes["ann"])
    assert sum(bob.values()) == 0
    assert outcomes["ann"].status == "graded" and outcomes["bob"].status == "graded"


def test_no_hostile_hand_in_earns_a_mark(batch):
    """Every case hands in blank answers: any point would be unearned."""
    for learner, outcome in batch["outcomes"].items():
        if learner in HONEST or learner in EXPECTED_FAILED:
            continue
        assert outcome.status in ("flagged", "graded", "failed"), outcome
        assert sum(_scores(batch["folder"], learner).values()) == 0, (learner, outcome)


def test_hand_ins_whose_own_run_scored_points_are_flagged_with_the_reason(batch):
    outcomes = batch["outcomes"]
    for learner in ("equal-to-anything", "ipython-hooks", "patched-builtins-and-checks",
                    "roleplay-code-forged", "roleplay-code-copied", "roleplay-code-later"):
        if learner not in outcomes:
            continue
        outcome = outcomes[learner]
        assert outcome.status == "flagged", outcome
    assert any("answers read as data" in r for r in outcomes["ipython-hooks"].reasons)
    assert any("holds more than its answer" in r for r in outcomes["equal-to-anything"].reasons)


def test_what_could_not_be_graded_fails_with_its_reason(batch):
    for learner, words in EXPECTED_FAILED.items():
        outcome = batch["outcomes"][learner]
        assert outcome.status == "failed" and any(words in r for r in outcome.reasons), outcome


def test_nothing_a_learner_receives_holds_a_secret(batch):
    folder = batch["folder"]
    secrets = solution_lines(batch["source"]) | {CANARY, evidence.key_path(folder).read_text().strip()}
    for learner in batch["hand_ins"]:
        own = set(nbformat.writes(batch["hand_ins"][learner]).splitlines())
        received = [p for p in (folder / "feedback" / learner).rglob("*") if p.is_file()]
        for path in received:
            text = path.read_text(errors="replace")
            leaked = [s for s in secrets if s in text and not any(s in line for line in own)]
            assert not leaked, (learner, path.name, leaked[:3])
            assert live_markup(text) == [], (learner, path.name)
            assert "Traceback" not in text and "AssertionError" not in text, (learner, path)


def test_the_feedback_folder_holds_the_page_and_nothing_the_notebook_wrote(batch):
    for learner in batch["hand_ins"]:
        for folder in (batch["folder"] / "feedback" / learner).glob("*"):
            names = {p.name for p in folder.iterdir()}
            assert names <= {"serve.html", "timestamp.txt", "submission_secret.txt"}, (learner, names)


def test_formgrader_sees_no_live_learner_markup(batch):
    for path in (batch["folder"] / "autograded").rglob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            outputs = cell.get("outputs", [])
            kinds = {mime for o in outputs for mime in o.get("data", {})}
            assert kinds <= {"text/plain", "image/png", "image/jpeg"}, (path, kinds)
            if cell.cell_type != "code" and not cell.metadata.get("nbgrader", {}).get("locked"):
                assert "<script" not in cell.source, path


def test_no_file_outside_the_learners_own_folders_changed(batch):
    changed = {k for k in set(batch["before"]) | set(batch["after"])
               if batch["before"].get(k) != batch["after"].get(k)}
    assert changed == set(), sorted(changed)[:5]


def test_no_process_of_a_hand_in_is_left(batch):
    def left():
        return [p for p in psutil.process_iter(["cmdline", "uids", "create_time"])
                if MARKER in " ".join(p.info["cmdline"] or [])
                or (p.info["uids"] and p.info["uids"].real >= sandbox.UID_BASE
                    and batch["window"][0] <= p.info["create_time"] <= batch["window"][1])]

    deadline = time.monotonic() + 10  # a kernel may still be on its way out
    while left() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left() == []


def test_no_hand_in_reached_a_local_network_service(batch):
    assert batch["listener"].connections == 0


def test_feedback_was_written_for_every_hand_in(batch):
    assert batch["problems"] == []
    assert {p.parent.parent.name for p in batch["pages"]} == set(batch["hand_ins"])
