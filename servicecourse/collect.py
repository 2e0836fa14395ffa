"""Collect hand-ins into a cohort's ``submitted/`` folder, the layout nbgrader grades from.

Accepted, as learners or an LMS hand them in:

- nbgrader's own layout, ``FROM/<learner>/<module>/<notebook>.ipynb``;
- flat files named ``<learner>_<anything>.ipynb`` (the learner id is the longest roster id the
  name starts with, or the part before the first ``_`` or ``__``);
- zip archives named the same way, holding one or more notebooks.

In nbgrader's layout the module is the folder it was handed in for (autograde then checks that
the content matches); otherwise the module is read from the notebook's cells (their nbgrader
grade ids), not guessed from its name. A file that cannot be placed is reported with the reason
and the batch goes on.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from servicecourse import cohort
from servicecourse.roster import load as load_roster
from servicecourse.screening import module_of


@dataclass
class Collected:
    """What a collection run did."""

    placed: list[tuple[str, str, Path]] = field(default_factory=list)  # learner, module, file
    problems: list[str] = field(default_factory=list)


def _learner_from_name(name: str, roster_ids: list[str]) -> str | None:
    for learner in sorted(roster_ids, key=len, reverse=True):
        if name == learner or name.startswith((f"{learner}_", f"{learner}-", f"{learner}.")):
            return learner
    head = name.split("__")[0] if "__" in name else name.split("_")[0]
    return head or None


def _place(folder: Path, learner: str, data: bytes, label: str, releases: dict[str, Path],
           stamp: datetime, result: Collected, module_hint: str | None = None) -> None:
    if module_hint in releases:
        module = module_hint  # the slot it was handed in for; autograde checks the content
    else:
        try:
            module = module_of(nbformat.reads(data.decode("utf-8"), as_version=4), releases)
        except Exception:  # noqa: BLE001 - any unreadable file is reported, never raised
            result.problems.append(f"{label}: not a readable notebook and no module in its path; skipped")
            return
    if module is None:
        result.problems.append(f"{label}: matches none of the released modules; skipped")
        return
    target = folder / "submitted" / learner / module
    if target.exists():
        shutil.rmtree(target)  # a new hand-in replaces the previous one, as in nbgrader
    target.mkdir(parents=True)
    (target / releases[module].name).write_bytes(data)
    (target / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    result.placed.append((learner, module, target / releases[module].name))


def collect(folder: str | Path, source: str | Path) -> Collected:
    """Copy every hand-in under ``source`` into the cohort; report what could not be placed."""
    folder, source = Path(folder), Path(source)
    releases = cohort.released_notebooks(folder)
    result = Collected()
    if not releases:
        result.problems.append(f"{folder}: nothing is released yet; run `course cohort release` first")
        return result
    roster_ids = list(load_roster(folder))
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source)
        stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        if len(relative.parts) == 3 and path.suffix == ".ipynb":  # nbgrader layout
            _place(folder, relative.parts[0], path.read_bytes(), str(relative), releases, stamp,
                   result, module_hint=relative.parts[1])
        elif path.suffix == ".ipynb":
            learner = _learner_from_name(path.stem, roster_ids)
            _place(folder, learner, path.read_bytes(), str(relative), releases, stamp, result)
        elif path.suffix == ".zip":
            learner = _learner_from_name(path.stem, roster_ids)
            try:
                with zipfile.ZipFile(path) as archive:
                    members = [m for m in archive.namelist()
                               if m.endswith(".ipynb") and ".ipynb_checkpoints" not in m]
                    if not members:
                        result.problems.append(f"{relative}: the archive holds no notebook; skipped")
                    for member in members:
                        _place(folder, learner, archive.read(member), f"{relative}:{member}",
                               releases, stamp, result)
            except zipfile.BadZipFile:
                result.problems.append(f"{relative}: not a valid zip archive; skipped")
        elif path.name != "timestamp.txt":
            result.problems.append(f"{relative}: not a notebook or a zip archive; skipped")
    return result
