"""A cohort's nbgrader exchange: publish its modules, collect hand-ins, release feedback.

The exchange is the shared folder that nbgrader's Assignments tab in JupyterLab works with
(``Exchange.root``, one folder per course: ``outbound/`` released modules, ``inbound/``
hand-ins, ``feedback/`` pages a learner fetches with their submission's secret). A cohort's
exchange is written into its ``nbgrader_config.py`` by `configure`, so `nbgrader`, the
formgrader and the ``course`` command all use the same one. Paths include the course id
(``Exchange.path_includes_course``), as nbgrader's docs set it up for several courses.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
from pathlib import Path

from nbgrader.utils import temp_attrs

from servicecourse import cohort
from servicecourse.cohort.collect import Collected
from servicecourse.cohort.roster import load as load_roster

ANSWER_FILES = ("explanations.yml",)  # solutions/<module>/explanations.yml: why each answer is right
# The block `configure` writes is marked with this function's name; cohorts configured before
# the package had subpackages carry the older name, and their block is replaced all the same.
_MARKS = ("servicecourse.cohort.exchange.configure", "servicecourse.exchange.configure")
_BLOCK = re.compile(r"\n# exchange \((?:" + "|".join(map(re.escape, _MARKS)) + r")\)\n.*?# end of exchange\n",
                    re.S)
_BLOCK_TEXT = f"""
# exchange ({_MARKS[0]})
c.Exchange.root = {{root!r}}
c.Exchange.path_includes_course = True
# end of exchange
"""


def configure(folder: str | Path, root: str | Path) -> Path:
    """Record ``root`` as the cohort's exchange in its ``nbgrader_config.py`` (replacing any
    earlier one) and create the folder if it is missing; return the root."""
    folder, root = Path(folder).resolve(), Path(root).resolve()
    config_file = folder / cohort.CONFIG_NAME
    cohort.config(folder)  # fails clearly when the folder is not a cohort
    text = _BLOCK.sub("", config_file.read_text())
    config_file.write_text(text.rstrip("\n") + "\n" + _BLOCK_TEXT.format(root=str(root)))
    if not root.exists():
        root.mkdir(parents=True)
        root.chmod(0o1777)  # everyone hands in here; nobody removes another's files
    return root


def root(folder: str | Path) -> Path | None:
    """The cohort's exchange folder, or None when none is configured."""
    config = cohort.config(folder)
    return Path(config.Exchange.root) if "root" in config.Exchange else None


def _api(folder: Path):
    """nbgrader's API for the cohort, or CohortError when it has no exchange."""
    if root(folder) is None:
        raise cohort.CohortError(f"{folder}: no exchange configured; give one with "
                                 f"`course cohort release --cohort {folder} --exchange DIR`")
    api = cohort.api(folder)
    api.config.ExchangeReleaseAssignment.force = True  # a re-release replaces the module
    # never published, whatever the release folder holds: the explanations of the answers
    api.coursedir.ignore = [*api.coursedir.ignore, *ANSWER_FILES]
    return api


def release(folder: str | Path, modules: list[str]) -> list[str]:
    """Publish each generated module (``COHORT/release/<module>``) to the exchange, replacing
    an earlier release; return the modules published. Learners keep what they fetched."""
    folder = Path(folder).resolve()
    api = _api(folder)
    for module in modules:
        cohort.run(api.release_assignment(module), f"release_assignment {module}")
    return list(modules)


def _owner(path: Path) -> str:
    try:
        return pwd.getpwuid(path.stat().st_uid).pw_name
    except KeyError:
        return f"uid {path.stat().st_uid}"


def _inbound(folder: Path) -> dict[tuple[str, str], list[str]]:
    """Hand-ins waiting in the exchange: (learner, module) -> the account owning each one."""
    course_id = cohort.config(folder).CourseDirectory.course_id
    inbound = root(folder) / course_id / "inbound"
    if not inbound.is_dir():
        return {}
    found: dict[tuple[str, str], list[str]] = {}
    for entry in inbound.iterdir():  # <learner>+<module>+<timestamp>[+<random>]
        parts = entry.name.rsplit("+", 3) if entry.is_dir() else []
        if len(parts) == 4:
            found.setdefault((parts[0], parts[1]), []).append(_owner(entry))
    return found


def _stamp(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None


def _private(folder: Path) -> None:
    """Close a collected hand-in to other accounts (nbgrader's submit leaves it world-writable)."""
    for path in (folder, *folder.rglob("*")):
        path.chmod(path.stat().st_mode & 0o7700)


def collect(folder: str | Path) -> Collected:
    """Collect the latest hand-in of every roster learner from the exchange into
    ``COHORT/submitted`` (nbgrader's collect). A hand-in from someone not on the roster is
    reported with their name and left in the exchange; nothing of it is written anywhere."""
    folder = Path(folder).resolve()
    api = _api(folder)
    result = Collected()
    released = cohort.released_notebooks(folder)
    roster = load_roster(folder)
    me = pwd.getpwuid(os.geteuid()).pw_name
    for (learner, module), owners in sorted(_inbound(folder).items()):
        if learner not in roster:
            result.problems.append(f"{learner}: handed in {module} ({len(owners)}x) but is not on "
                                   f"the roster of {folder.name}; not collected (add them to the "
                                   f"roster and collect again)")
            continue
        # a hand-in is its learner's own account's (or, on one machine, everyone's same account)
        others = sorted(set(owners) - {learner, me})
        if others:
            result.problems.append(f"{learner} / {module}: a hand-in in the exchange names "
                                   f"{learner} but belongs to the account {', '.join(others)}; "
                                   f"nothing collected for {learner} until it is removed")
            continue
        if module not in released:
            result.problems.append(f"{learner}: handed in {module}, which this cohort has not "
                                   f"released; not collected")
            continue
        stamp_file = folder / "submitted" / learner / module / "timestamp.txt"
        before = _stamp(stamp_file)
        with temp_attrs(api.coursedir, student_id=learner):
            outcome = api.collect(module, update=True)
        if not outcome.get("success"):
            result.problems.append(f"{learner} / {module}: nbgrader could not collect it: "
                                   f"{(outcome.get('error') or outcome.get('log') or '').strip()}")
        elif _stamp(stamp_file) != before:
            _private(stamp_file.parent)
            result.placed.append((learner, module, stamp_file.parent / released[module].name))
    return result


def release_feedback(folder: str | Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Release every feedback page in ``COHORT/feedback/<learner>/<module>/`` to the exchange,
    where only the learner who handed in can fetch it; return (learner, module) pairs released
    and problems (a hand-in that did not come through the exchange has no secret to fetch by)."""
    folder = Path(folder).resolve()
    api = _api(folder)
    released, problems = [], []
    for pages in sorted(p for p in (folder / "feedback").glob("*/*") if p.is_dir()):
        learner, module = pages.parent.name, pages.name
        if not any(pages.glob("*.html")):
            continue
        for name in ("timestamp.txt", "submission_secret.txt"):  # what nbgrader files by
            kept = folder / "autograded" / learner / module / name
            if not (pages / name).exists() and kept.exists():
                shutil.copyfile(kept, pages / name)
        if not (pages / "submission_secret.txt").exists():
            problems.append(f"{learner} / {module}: handed in outside the exchange, so it cannot "
                            f"be fetched; give them {pages.relative_to(folder)} yourself")
            continue
        outcome = api.release_feedback(module, learner)
        if outcome.get("success"):
            released.append((learner, module))
        else:
            problems.append(f"{learner} / {module}: nbgrader could not release the feedback: "
                            f"{(outcome.get('error') or outcome.get('log') or '').strip()}")
    return released, problems
