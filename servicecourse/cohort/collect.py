"""Collect a folder of hand-ins into a cohort's ``submitted/`` folder, the layout nbgrader grades.

For courses without a hub (on the hub, `course cohort collect` with no folder collects from
nbgrader's exchange). Accepted, as learners or an LMS hand them in:

- nbgrader's own layout, ``FROM/<learner>/<module>/<notebook>.ipynb``;
- flat files named ``<learner id>_<anything>.ipynb`` (or ``-`` or ``.`` after the id);
- zip archives named the same way, holding one or more notebooks.

Hand-ins are matched to the roster, never invented: a file whose name starts with no roster id
is refused with its name and, where one fits, a suggestion (a roster learner whose accent-folded
name or email the file name holds), and moved to ``COHORT/unmatched/``. The module is the folder
it was handed in for (nbgrader's layout) or read from the notebook's cells, never guessed from
its name. Of two hand-ins of one learner for one module the newest is kept, with a warning naming
both. Symbolic links are refused; zip members are read in chunks up to a size cap; nothing is
written outside ``submitted/`` and ``unmatched/``, and nothing to the gradebook. A file that cannot
be placed is reported with the reason and the batch goes on.
"""

from __future__ import annotations

import os
import shutil
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from servicecourse import cohort
from servicecourse.cohort.roster import load as load_roster
from servicecourse.grading.screening import module_of

MAX_NOTEBOOK = 20 * 1024 * 1024  # bytes: a course notebook is well under 1 MB
MAX_ARCHIVE = 100 * 1024 * 1024  # bytes read from one zip, all members together
UNMATCHED = "unmatched"
_SEPARATORS = ("_", "-", ".", " ")


@dataclass
class Collected:
    """What a collection run did."""

    placed: list[tuple[str, str, Path]] = field(default_factory=list)  # learner, module, file
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _HandIn:
    label: str  # how the trainer knows it: its path in the folder (and member of a zip)
    learner: str
    data: bytes
    stamp: datetime
    module_hint: str | None = None


def _fold(text: str) -> str:
    """Lower case without accents: 'Thị Hà Nguyễn' -> 'thi ha nguyen'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _words(text: str) -> list[str]:
    return "".join(c if c.isalnum() else " " for c in _fold(text)).split()


def learner_of(name: str, roster: dict) -> str | None:
    """The roster id a hand-in's file name starts with (the longest that fits), or None."""
    for learner in sorted(roster, key=len, reverse=True):
        if name == learner or (name.startswith(learner) and name[len(learner)] in _SEPARATORS):
            return learner
    return None


def suggestion(name: str, roster: dict) -> str | None:
    """A roster learner the file name seems to mean (by name or email), as a hint for the trainer."""
    words = set(_words(name))
    for learner, person in sorted(roster.items()):
        full = _words(f"{person.first_name} {person.last_name}")
        local = _words(person.email.split("@")[0]) if person.email else []
        email = _fold(person.email) if person.email else ""
        if (full and set(full) <= words) or (local and set(local) <= words) or \
                (email and email in _fold(name)):
            return f"{learner} ({person.first_name} {person.last_name}, {person.email})"
    return None


def _read_capped(member, limit: int) -> bytes | None:
    """Read a zip member in chunks; None as soon as it is larger than ``limit``."""
    chunks, total = [], 0
    while chunk := member.read(1 << 16):
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _archive_hand_ins(path: Path, label: str, learner: str, result: Collected) -> list[_HandIn]:
    found: list[_HandIn] = []
    budget = MAX_ARCHIVE
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.endswith(".ipynb")
                       and ".ipynb_checkpoints" not in m.filename and not m.is_dir()]
            if not members:
                result.problems.append(f"{label}: the archive holds no notebook; skipped")
            for member in members:
                where = f"{label}:{member.filename}"
                if stat.S_ISLNK(member.external_attr >> 16):
                    result.problems.append(f"{where}: a symbolic link, not a notebook; refused")
                    continue
                with archive.open(member) as handle:
                    data = _read_capped(handle, min(MAX_NOTEBOOK, budget))
                if data is None:
                    result.problems.append(f"{where}: larger than {min(MAX_NOTEBOOK, budget) // 2**20} MB; "
                                           f"refused (a course notebook is well under 1 MB)")
                    budget = 0
                    continue
                budget -= len(data)
                stamp = datetime(*member.date_time, tzinfo=timezone.utc)
                found.append(_HandIn(where, learner, data, stamp))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as error:
        result.problems.append(f"{label}: not a valid zip archive ({error}); skipped")
    return found


def _move_unmatched(folder: Path, path: Path, relative: Path) -> Path:
    target = folder / UNMATCHED / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.move(str(path), target)
    except OSError:  # a read-only hand-in folder: keep a copy instead
        shutil.copyfile(path, target)
    return target


def _walk(source: Path, result: Collected):
    """Every regular file under ``source``; symbolic links are refused, never followed."""
    for top, folders, files in os.walk(source, followlinks=False):
        for name in sorted(folders):
            if (Path(top) / name).is_symlink():
                result.problems.append(f"{(Path(top) / name).relative_to(source)}: a symbolic link; refused")
        folders[:] = sorted(f for f in folders if not (Path(top) / f).is_symlink())
        for name in sorted(files):
            path = Path(top) / name
            if path.is_symlink() or not path.is_file():
                result.problems.append(f"{path.relative_to(source)}: a symbolic link or special file; refused")
                continue
            yield path


def _hand_ins(folder: Path, source: Path, roster: dict, result: Collected) -> list[_HandIn]:
    hand_ins = []
    for path in _walk(source, result):
        relative = path.relative_to(source)
        label = str(relative)
        if path.name == "timestamp.txt" or path.name.startswith("."):
            continue
        if path.suffix not in (".ipynb", ".zip"):
            result.problems.append(f"{label}: not a notebook or a zip archive; skipped")
            continue
        stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        nbgrader_layout = len(relative.parts) == 3 and path.suffix == ".ipynb"
        learner = relative.parts[0] if nbgrader_layout else learner_of(path.stem, roster)
        if learner is None or learner not in roster:
            hint = suggestion(relative.parts[0] if nbgrader_layout else path.stem, roster)
            moved = _move_unmatched(folder, path, relative)
            result.problems.append(
                f"{label}: no learner on the roster has this id; not collected, moved to {moved}"
                + (f". Did you mean {hint}? Rename it to start with that id and collect again" if hint
                   else ". Hand-ins must be named <learner id>_<anything>.ipynb"))
            continue
        if path.suffix == ".zip":
            hand_ins += _archive_hand_ins(path, label, learner, result)
        elif path.stat().st_size > MAX_NOTEBOOK:
            result.problems.append(f"{label}: larger than {MAX_NOTEBOOK // 2**20} MB; refused")
        else:
            hand_ins.append(_HandIn(label, learner, path.read_bytes(), stamp,
                                    relative.parts[1] if nbgrader_layout else None))
    return hand_ins


def _module(hand_in: _HandIn, releases: dict[str, Path], result: Collected) -> str | None:
    if hand_in.module_hint in releases:
        return hand_in.module_hint  # the slot it was handed in for; autograde checks the content
    try:
        notebook = nbformat.reads(hand_in.data.decode("utf-8"), as_version=4)
        module = module_of(notebook, releases)
    except Exception:  # noqa: BLE001 - any unreadable file is reported, never raised
        result.problems.append(f"{hand_in.label}: not a readable notebook and no module in its path; skipped")
        return None
    if module is None:
        result.problems.append(f"{hand_in.label}: matches none of the released modules; skipped")
    return module


def _stamp_of(target: Path) -> datetime | None:
    try:
        text = (target / "timestamp.txt").read_text().strip()
        return datetime.strptime(text.rsplit(" ", 1)[0], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
    except (OSError, ValueError):
        return None


def collect(folder: str | Path, source: str | Path) -> Collected:
    """Copy every hand-in under ``source`` into the cohort; report what could not be placed."""
    folder, source = Path(folder), Path(source)
    releases = cohort.released_notebooks(folder)
    result = Collected()
    if not releases:
        result.problems.append(f"{folder}: nothing is released yet; run `course cohort release` first")
        return result
    roster = load_roster(folder)
    if not roster:
        result.problems.append(f"{folder}: the roster is empty; import one with `course cohort roster import`")
        return result
    chosen: dict[tuple[str, str], _HandIn] = {}
    for hand_in in _hand_ins(folder, source, roster, result):
        module = _module(hand_in, releases, result)
        if module is None:
            continue
        key = (hand_in.learner, module)
        other = chosen.get(key)
        if other:
            newer, older = (hand_in, other) if hand_in.stamp > other.stamp else (other, hand_in)
            result.warnings.append(f"{hand_in.learner} / {module}: two hand-ins, {newer.label} "
                                   f"({newer.stamp:%Y-%m-%d %H:%M}) kept, {older.label} "
                                   f"({older.stamp:%Y-%m-%d %H:%M}) ignored")
            chosen[key] = newer
        else:
            chosen[key] = hand_in
    for (learner, module), hand_in in sorted(chosen.items()):
        target = folder / "submitted" / learner / module
        earlier = _stamp_of(target)
        if earlier and earlier > hand_in.stamp:
            result.warnings.append(f"{learner} / {module}: {hand_in.label} ({hand_in.stamp:%Y-%m-%d %H:%M}) "
                                   f"is older than the hand-in already collected ({earlier:%Y-%m-%d %H:%M}); "
                                   f"the newer one is kept")
            continue
        if target.exists():
            shutil.rmtree(target)  # a new hand-in replaces the previous one, as in nbgrader
        target.mkdir(parents=True)
        (target / releases[module].name).write_bytes(hand_in.data)
        (target / "timestamp.txt").write_text(hand_in.stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        result.placed.append((learner, module, target / releases[module].name))
    return result
