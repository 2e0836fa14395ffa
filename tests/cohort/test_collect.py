"""Does collecting a folder of hand-ins match each one to the roster, and refuse what is unsafe?"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import nbformat
import pytest

from servicecourse.cohort.collect import MAX_NOTEBOOK, collect, learner_of, suggestion
from servicecourse.cohort.roster import load as load_roster

ROSTER = """id,first_name,last_name,email
thi-ha-nguyen,Thị Hà,Nguyễn,tha.nguyen@example.com
ann,Ann,Lee,ann.lee@example.com
ann-marie,Ann-Marie,Dubois,amd@example.com
"""


def _notebook(grade_ids: list[str]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    for grade_id in grade_ids:
        cell = nbformat.v4.new_code_cell(f"{grade_id} = '?'")
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": True, "grade": False,
                                     "locked": False, "schema_version": 3}
        notebook.cells.append(cell)
    return notebook


@pytest.fixture
def cohort(tmp_path) -> Path:
    """A cohort folder with two released modules and a roster (no gradebook needed to collect)."""
    folder = tmp_path / "cohort"
    for module, ids in {"serve": ["best_reply", "classification"], "culture": ["picture", "why"]}.items():
        (folder / "release" / module).mkdir(parents=True)
        nbformat.write(_notebook(ids), folder / "release" / module / f"{module}.ipynb")
    (folder / "roster.csv").write_text(ROSTER)
    return folder


def _write(path: Path, module_ids: list[str], mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(_notebook(module_ids), path)
    if mtime:
        os.utime(path, (mtime, mtime))
    return path


def test_the_longest_roster_id_a_name_starts_with_is_the_learner(cohort):
    roster = load_roster(cohort)
    assert learner_of("ann-marie_serve", roster) == "ann-marie"
    assert learner_of("ann_serve", roster) == "ann"
    assert learner_of("annabel_serve", roster) is None  # 'ann' must be followed by a separator
    assert learner_of("_serve", roster) is None and learner_of(".._serve", roster) is None


def test_a_name_or_email_in_the_file_name_is_suggested_accents_folded(cohort):
    roster = load_roster(cohort)
    assert suggestion("Thi Ha Nguyen - serve", roster).startswith("thi-ha-nguyen")
    assert suggestion("Thị Hà Nguyễn - serve", roster).startswith("thi-ha-nguyen")
    assert suggestion("tha.nguyen@example.com serve", roster).startswith("thi-ha-nguyen")
    assert suggestion("getting-started", roster) is None


def test_hand_ins_of_learners_not_on_the_roster_are_refused_and_moved_aside(cohort, tmp_path):
    inbox = tmp_path / "in"
    _write(inbox / "Thị Hà Nguyễn - serve.ipynb", ["best_reply"])
    _write(inbox / "getting-started.ipynb", ["best_reply"])
    _write(inbox / "_serve.ipynb", ["best_reply"])
    _write(inbox / ".._serve.ipynb", ["best_reply"])
    _write(inbox / "ann_serve.ipynb", ["best_reply"])
    result = collect(cohort, inbox)
    assert [(learner, module) for learner, module, _ in result.placed] == [("ann", "serve")]
    assert sorted(p.name for p in (cohort / "submitted").iterdir()) == ["ann"]  # nobody invented
    messages = "\n".join(result.problems)
    assert "Thị Hà Nguyễn - serve.ipynb: no learner on the roster" in messages
    assert "Did you mean thi-ha-nguyen" in messages
    assert "getting-started.ipynb: no learner on the roster" in messages
    assert (cohort / "unmatched" / "getting-started.ipynb").is_file()
    assert not any(p.name.startswith("..") for p in (cohort / "submitted").rglob("*"))


def test_nbgrader_layout_needs_a_roster_id_and_a_released_module(cohort, tmp_path):
    inbox = tmp_path / "in"
    _write(inbox / "ann" / "serve" / "serve.ipynb", ["best_reply"])
    _write(inbox / "stranger" / "serve" / "serve.ipynb", ["best_reply"])
    result = collect(cohort, inbox)
    assert [(who, m) for who, m, _ in result.placed] == [("ann", "serve")]
    assert any("stranger/serve/serve.ipynb: no learner" in p for p in result.problems)


def test_the_module_is_read_from_the_cells_not_the_file_name(cohort, tmp_path):
    inbox = tmp_path / "in"
    _write(inbox / "ann_serve.ipynb", ["picture", "why"])  # the culture notebook, misnamed
    result = collect(cohort, inbox)
    assert [(who, m) for who, m, _ in result.placed] == [("ann", "culture")]


def test_symbolic_links_are_refused_never_followed(cohort, tmp_path):
    inbox = tmp_path / "in"
    secret = _write(tmp_path / "instructor.ipynb", ["best_reply"])
    inbox.mkdir()
    (inbox / "ann_serve.ipynb").symlink_to(secret)
    (inbox / "ann-marie").symlink_to(tmp_path)
    result = collect(cohort, inbox)
    assert result.placed == []
    assert sum("symbolic link" in p for p in result.problems) == 2


def test_of_two_hand_ins_for_one_module_the_newest_is_kept_with_a_warning(cohort, tmp_path):
    inbox = tmp_path / "in"
    _write(inbox / "ann_serve_v1.ipynb", ["best_reply"], mtime=1_700_000_000)
    newer = _write(inbox / "ann_serve_v2.ipynb", ["best_reply", "classification"], mtime=1_700_100_000)
    result = collect(cohort, inbox)
    assert len(result.placed) == 1
    assert (cohort / "submitted" / "ann" / "serve" / "serve.ipynb").read_bytes() == newer.read_bytes()
    assert any("ann_serve_v2.ipynb" in w and "kept" in w and "ann_serve_v1.ipynb" in w for w in result.warnings)


def test_an_older_hand_in_never_replaces_a_newer_one_collected_before(cohort, tmp_path):
    _write(tmp_path / "a" / "ann_serve.ipynb", ["best_reply", "classification"], mtime=1_700_100_000)
    collect(cohort, tmp_path / "a")
    kept = (cohort / "submitted" / "ann" / "serve" / "serve.ipynb").read_bytes()
    _write(tmp_path / "b" / "ann_serve.ipynb", ["best_reply"], mtime=1_700_000_000)
    result = collect(cohort, tmp_path / "b")
    assert (cohort / "submitted" / "ann" / "serve" / "serve.ipynb").read_bytes() == kept
    assert any("older than the hand-in already collected" in w for w in result.warnings)


def test_zip_members_are_read_with_a_size_cap(cohort, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    with zipfile.ZipFile(inbox / "ann.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("serve.ipynb", nbformat.writes(_notebook(["best_reply"])))
        archive.writestr("bomb.ipynb", b"{" + b" " * (MAX_NOTEBOOK + 10))  # compresses to kilobytes
    size = (inbox / "ann.zip").stat().st_size
    assert size < 200_000
    result = collect(cohort, inbox)
    assert [(who, m) for who, m, _ in result.placed] == [("ann", "serve")]
    assert any("bomb.ipynb: larger than" in p for p in result.problems)


def test_a_broken_zip_or_a_stray_file_is_reported_and_the_batch_goes_on(cohort, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "ann-marie.zip").write_bytes(b"PK not really")
    (inbox / "notes.txt").write_text("hello")
    _write(inbox / "ann_serve.ipynb", ["best_reply"])
    result = collect(cohort, inbox)
    assert len(result.placed) == 1
    problems = "\n".join(result.problems)
    assert "ann-marie.zip: not a valid zip archive" in problems
    assert "notes.txt: not a notebook or a zip archive" in problems


def test_nothing_is_collected_without_a_roster(cohort, tmp_path):
    (cohort / "roster.csv").unlink()
    _write(tmp_path / "in" / "ann_serve.ipynb", ["best_reply"])
    result = collect(cohort, tmp_path / "in")
    assert result.placed == [] and "roster is empty" in result.problems[0]


def test_a_zip_with_a_symlink_member_is_refused(cohort, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("serve.ipynb")
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, "/etc/passwd")
    (inbox / "ann.zip").write_bytes(buffer.getvalue())
    result = collect(cohort, inbox)
    assert result.placed == [] and any("symbolic link" in p for p in result.problems)
