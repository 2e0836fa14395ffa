"""Does the graded-play record find the learner's cohort, keep its key private, number attempts
right even when pages finish at once, and tell the learner what a play counts for?"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from datetime import datetime, timezone

import pytest

from servicecourse.cohort import evidence
from servicecourse.roleplay.pathcodes import parse, signature_ok

ROSTER = "id,first_name,last_name,email,team,start_date\n{rows}"


def make_cohort(root, name: str, learners: list[str]):
    folder = root / name
    folder.mkdir(parents=True)
    rows = "".join(f"{learner},A,B,{learner}@example.com,,\n" for learner in learners)
    (folder / "roster.csv").write_text(ROSTER.format(rows=rows), encoding="utf-8")
    return folder


@pytest.fixture
def root(tmp_path):
    make_cohort(tmp_path, "spring", ["amara", "ben"])
    make_cohort(tmp_path, "autumn", ["ben", "chloe"])
    (tmp_path / "not-a-cohort").mkdir()
    return tmp_path


def test_a_learner_s_cohorts_are_those_whose_roster_lists_them(root):
    assert [p.name for p in evidence.learner_cohorts("amara", root)] == ["spring"]
    assert [p.name for p in evidence.learner_cohorts("ben", root)] == ["autumn", "spring"]
    assert evidence.learner_cohorts("mallory", root) == []
    assert evidence.learner_cohorts("amara", root / "missing") == []


def test_cohorts_are_found_where_course_cohorts_points(root, monkeypatch):
    monkeypatch.setenv("COURSE_COHORTS", str(root))
    assert [p.name for p in evidence.learner_cohorts("chloe")] == ["autumn"]


def test_a_roster_as_excel_writes_it_is_read_too(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "roster.csv").write_bytes("\ufeffid;first_name;last_name\nthi-ha;Thị Hà;Nguyễn\n".encode())
    assert evidence.roster_ids(folder) == {"thi-ha"}
    (folder / "roster.csv").write_bytes(b"\xff\xfe not text at all")
    assert evidence.roster_ids(folder) == set()


def test_the_key_is_made_once_in_the_role_play_folder_and_kept(tmp_path):
    """Is the key made on first use in COHORT/roleplay/ (0640 in an owner-only folder), with no
    temporary file left, the same key given back, and another cohort given another key?"""
    key = evidence.roleplay_key(tmp_path)
    path = tmp_path / "roleplay" / "key"
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert evidence.roleplay_key(tmp_path) == key
    assert [p.name for p in tmp_path.iterdir()] == ["roleplay"]
    assert [p.name for p in path.parent.iterdir()] == ["key"]  # no temporary file left
    other = tmp_path / "other"
    other.mkdir()
    assert evidence.roleplay_key(other) != key


def test_an_unusable_key_file_is_reported_with_its_path(tmp_path):
    """Is a key file that does not hold a key reported with its path?"""
    (tmp_path / "roleplay").mkdir()
    (tmp_path / "roleplay" / "key").write_text("not hex")
    with pytest.raises(evidence.EvidenceError, match=str(tmp_path / "roleplay" / "key")):
        evidence.roleplay_key(tmp_path)


def test_a_cohort_made_before_keeps_its_key_and_prepare_moves_it_into_the_folder(root):
    """Does a cohort whose key is still COHORT/.roleplay-key keep signing with it, and does
    `prepare` move that key into the role-play folder, so that codes given before still verify?"""
    folder = root / "spring"
    old = folder / ".roleplay-key"
    old.write_text("ab" * 32 + "\n")
    [before] = evidence.record_play("amara", "serve-call-centre", "BACA", root)
    assert evidence.key_path(folder) == old and evidence.roleplay_key(folder) == bytes.fromhex("ab" * 32)
    evidence.prepare(folder)
    assert not old.exists() and evidence.key_path(folder) == folder / "roleplay" / "key"
    assert stat.S_IMODE((folder / "roleplay" / "key").stat().st_mode) == 0o640
    assert signature_ok(evidence.roleplay_key(folder), "amara", parse(before.code, "serve-call-centre"))
    [again] = evidence.record_play("amara", "serve-call-centre", "AAAA", root)
    assert again.code == before.code


def test_prepare_writes_ids_only_and_shareable_modes_whatever_the_umask(root):
    """Does `prepare` write the roster's ids and nothing else of it (no emails), the key and the
    learners group-readable and the record group-writable even under umask 077, and leave the
    key and the record as they are when run again?"""
    folder = root / "spring"
    umask = os.umask(0o077)
    try:
        share = evidence.prepare(folder)
    finally:
        os.umask(umask)
    assert share == folder / "roleplay"
    assert (share / "learners.txt").read_text() == "amara\nben\n"
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in share.iterdir()}
    assert modes == {"key": 0o640, "learners.txt": 0o640, "attempts.jsonl": 0o660}
    key = evidence.roleplay_key(folder)
    evidence.record(folder, "amara", "serve-call-centre", "BACA")
    evidence.prepare(folder, learners=["ben", "chloe", "ben"])
    assert evidence.roleplay_key(folder) == key and len(evidence.attempts(folder)[0]) == 1
    assert (share / "learners.txt").read_text() == "ben\nchloe\n"
    assert sorted(p.name for p in share.iterdir()) == ["attempts.jsonl", "key", "learners.txt"]


def test_the_app_reads_the_learners_file_and_the_roster_only_in_a_cohort_made_before(root):
    """Is a learner graded in a cohort when its learners.txt lists them (whatever roster.csv
    says), and is roster.csv read only when the cohort has no learners.txt?"""
    evidence.write_learners(root / "spring", ["amara"])
    assert evidence.learner_ids(root / "spring") == {"amara"}
    assert [p.name for p in evidence.learner_cohorts("ben", root)] == ["autumn"]
    (root / "spring" / "roster.csv").unlink()
    assert [p.name for p in evidence.learner_cohorts("amara", root)] == ["spring"]
    (root / "spring" / "roleplay" / "learners.txt").unlink()
    assert evidence.learner_ids(root / "spring") == set()
    assert evidence.learner_ids(root / "autumn") == {"ben", "chloe"}  # made before: its roster


def test_a_learners_file_that_cannot_be_read_grades_nobody_and_says_why(root, caplog):
    """Does a learners.txt that cannot be read make the cohort's plays practice (not fall back
    to the roster), with a warning naming the file?"""
    (root / "spring" / "roleplay" / "learners.txt").mkdir(parents=True)
    assert evidence.learner_ids(root / "spring") == set()
    assert "learners.txt: cannot read the cohort's learners" in caplog.text
    [outcome] = evidence.record_play("amara", "serve-call-centre", "BACA", root)
    assert outcome.kind == "practice"


def test_prepare_names_a_roster_it_cannot_read(tmp_path):
    """Is a roster.csv that cannot be read reported with its path by `prepare`?"""
    (tmp_path / "roster.csv").mkdir()
    with pytest.raises(evidence.EvidenceError, match=str(tmp_path / "roster.csv")):
        evidence.prepare(tmp_path)


@pytest.mark.slow
def test_a_new_cohort_and_each_roster_import_keep_the_role_play_folder_up_to_date(tmp_path):
    """Does a new cohort get its role-play folder (key, empty record) and a private folder, and
    does each roster import rewrite the learner ids there, merged as the roster is?"""
    from servicecourse import cohort
    from servicecourse.cohort import roster

    folder = cohort.create(tmp_path / "c")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    share = folder / "roleplay"
    assert sorted(p.name for p in share.iterdir()) == ["attempts.jsonl", "key"]
    first = tmp_path / "first.csv"
    first.write_text("id,first_name,last_name,email,manager\nana,Ana,Silva,ana@example.com,Zoe Boss\n")
    second = tmp_path / "second.csv"
    second.write_text("id;Prénom;Nom;E-mail\nbo;Bo;Li;bo@example.com\n", encoding="utf-8")
    assert not roster.import_csv(folder, first).problems
    assert not roster.import_csv(folder, second).problems
    assert (share / "learners.txt").read_text() == "ana\nbo\n"
    assert evidence.learner_ids(folder) == set(roster.load(folder))


def test_attempts_are_numbered_per_learner_and_role_play(tmp_path):
    when = datetime(2027, 3, 1, 9, 30, tzinfo=timezone.utc)
    first, _ = evidence.record(tmp_path, "amara", "serve-call-centre", "BACA", now=when)
    second, first_again = evidence.record(tmp_path, "amara", "serve-call-centre", "AAAA")
    other_play, _ = evidence.record(tmp_path, "amara", "serve-hotel-front-desk", "AB")
    other_learner, _ = evidence.record(tmp_path, "ben", "serve-call-centre", "CCAA")
    assert (first.attempt, second.attempt, other_play.attempt, other_learner.attempt) == (1, 2, 1, 1)
    assert first_again == first and first.time == "2027-03-01T09:30:00+00:00"
    lines = (tmp_path / "roleplay" / "attempts.jsonl").read_text().splitlines()
    assert json.loads(lines[0]) == {"learner": "amara", "scenario": "serve-call-centre",
                                    "letters": "BACA", "attempt": 1, "time": "2027-03-01T09:30:00+00:00"}
    recorded, unreadable = evidence.attempts(tmp_path)
    assert [a.attempt for a in recorded] == [1, 2, 1, 1] and unreadable == 0
    assert stat.S_IMODE((tmp_path / "roleplay" / "attempts.jsonl").stat().st_mode) & 0o007 == 0
    assert stat.S_IMODE((tmp_path / "roleplay").stat().st_mode) == 0o700


def test_a_damaged_line_is_counted_not_fatal_and_a_cut_line_does_not_swallow_the_next(tmp_path):
    evidence.record(tmp_path, "amara", "serve-call-centre", "BACA")
    with (tmp_path / "roleplay" / "attempts.jsonl").open("a") as handle:
        handle.write('{"learner": "amara", "scen')  # a write cut short
    again, _ = evidence.record(tmp_path, "amara", "serve-call-centre", "AAAA")
    recorded, unreadable = evidence.attempts(tmp_path)
    assert again.attempt == 2 and [a.letters for a in recorded] == ["BACA", "AAAA"] and unreadable == 1


_WRITER = """
import sys, time
from pathlib import Path
from servicecourse.cohort import evidence
folder, go, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
while not go.exists():
    time.sleep(0.001)
for _ in range(count):
    evidence.record(folder, "amara", "serve-call-centre", sys.argv[4])
"""


def _at_once(count: int, work) -> None:
    """``work(i)`` in ``count`` threads released together; re-raise what any of them raised."""
    start, errors = threading.Barrier(count), []

    def run(i):
        try:
            start.wait(timeout=30)
            work(i)
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads) and not errors, errors


def test_two_pages_recording_at_once_never_share_an_attempt_number(tmp_path):
    """The lock of the process test below, in one process: each record opens the file and
    locks it on its own (flock), as two kernels do, so two threads exclude each other alike."""
    count, letters = 150, ("AAAA", "BBBB")
    _at_once(2, lambda i: [evidence.record(tmp_path, "amara", "serve-call-centre", letters[i])
                           for _ in range(count)])
    recorded, unreadable = evidence.attempts(tmp_path)
    assert unreadable == 0 and len(recorded) == 2 * count
    assert sorted(a.attempt for a in recorded) == list(range(1, 2 * count + 1))
    # Both really ran at the same time: their lines interleave.
    letters_recorded = [a.letters for a in recorded]
    assert any(x != y for x, y in zip(letters_recorded, letters_recorded[1:]))


def test_pages_making_the_key_at_once_get_the_same_key(tmp_path):
    """The key of the process test below, made by four threads at once in one process."""
    keys: list[bytes] = []
    _at_once(4, lambda i: keys.append(evidence.roleplay_key(tmp_path)))
    assert len(keys) == 4 and len(set(keys)) == 1 and keys[0] == evidence.roleplay_key(tmp_path)
    assert not [p for p in (tmp_path / "roleplay").iterdir() if p.name.startswith(".")]


@pytest.mark.slow  # two Pythons: the same logic in one process is the test above
def test_two_processes_recording_at_once_never_share_an_attempt_number(tmp_path):
    go, count = tmp_path / "go", 150
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), str(go), str(count), letters])
               for letters in ("AAAA", "BBBB")]
    go.touch()
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    recorded, unreadable = evidence.attempts(tmp_path)
    assert unreadable == 0 and len(recorded) == 2 * count
    assert sorted(a.attempt for a in recorded) == list(range(1, 2 * count + 1))
    # Both really ran at the same time: their lines interleave.
    letters = [a.letters for a in recorded]
    assert any(x != y for x, y in zip(letters, letters[1:]))


@pytest.mark.slow  # four Pythons: the same logic in one process is test_pages_making_the_key_at_once...
def test_two_processes_making_the_key_at_once_get_the_same_key(tmp_path):
    script = ("import sys; from servicecourse.cohort import evidence; "
              "print(evidence.roleplay_key(sys.argv[1]).hex())")
    runs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
            for _ in range(4)]
    keys = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert len(keys) == 1 and bytes.fromhex(keys.pop()) == evidence.roleplay_key(tmp_path)


def test_the_first_complete_play_gets_a_graded_code_bound_to_the_learner(root):
    [outcome] = evidence.record_play("amara", "serve-call-centre", "BACA", root)
    assert (outcome.kind, outcome.attempt, outcome.cohort) == ("graded", 1, "spring")
    code = parse(outcome.code, "serve-call-centre")
    key = evidence.roleplay_key(root / "spring")
    assert code.attempt == 1 and code.letters == "BACA"
    assert signature_ok(key, "amara", code) and not signature_ok(key, "ben", code)


def test_a_later_play_is_practice_and_gives_back_the_first_play_s_code(root):
    [first] = evidence.record_play("amara", "serve-call-centre", "BACA", root)
    [later] = evidence.record_play("amara", "serve-call-centre", "AAAA", root)
    assert (later.kind, later.attempt) == ("practice-again", 2)
    assert later.code == first.code  # the graded code is still the first one


def test_a_learner_in_two_cohorts_is_recorded_in_each_with_each_key(root):
    outcomes = evidence.record_play("ben", "serve-call-centre", "BACA", root)
    assert [(o.kind, o.cohort) for o in outcomes] == [("graded", "autumn"), ("graded", "spring")]
    for outcome in outcomes:
        key = evidence.roleplay_key(root / outcome.cohort)
        assert signature_ok(key, "ben", parse(outcome.code, "serve-call-centre"))


@pytest.mark.parametrize("learner", [None, "", "mallory"])
def test_an_unknown_visitor_or_one_on_no_roster_gets_a_practice_code_and_no_record(root, learner):
    [outcome] = evidence.record_play(learner, "serve-call-centre", "BACA", root)
    assert (outcome.kind, outcome.code) == ("practice", "serve-call-centre/BACA/practice")
    assert not any(root.glob("*/roleplay"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_a_record_that_cannot_be_written_says_so_and_falls_back_to_practice(root):
    (root / "spring").chmod(0o500)
    try:
        [outcome] = evidence.record_play("amara", "serve-call-centre", "BACA", root)
    finally:
        (root / "spring").chmod(0o700)
    assert outcome.kind == "error" and outcome.code.endswith("/practice") and "spring" in outcome.problem


def test_a_record_path_that_is_not_a_folder_says_so_and_falls_back_to_practice(root):
    (root / "spring" / "roleplay").write_text("a file where the record's folder should be")
    [outcome] = evidence.record_play("amara", "serve-call-centre", "BACA", root)
    assert outcome.kind == "error" and outcome.code.endswith("/practice")
    assert str(root / "spring" / "roleplay") in outcome.problem and "Not a directory" in outcome.problem
