"""What the role-play app's account may use of the cohorts on the hub: each cohort's role-play
folder, and nothing else of it.

On the hub the role-play app runs as an unprivileged account (``COURSE_APPS_USER``): every
learner uses it. Of each cohort it needs the learner ids, the role-play key (to read) and the
record of plays (to append), all in the cohort's role-play folder (`servicecourse.cohort.evidence`).
The rest (roster, gradebook, hand-ins, grades, feedback) stays closed to it.

A folder inside the cohort cannot be opened to that account without letting it into the cohort
folder, where nbgrader writes graded notebooks and feedback readable by any account that gets
that far. So on the hub the role-play folder lives beside the cohorts, and the cohort's
``roleplay`` is a link to it, where the grader's code keeps finding it:

    COHORTS/                    grader:GROUP 0710   the app's account passes through, lists nothing
    COHORTS/<cohort>/           grader       0700   closed
    COHORTS/<cohort>/roleplay   -> ../.shared/<cohort>/roleplay
    COHORTS/.shared/            grader:GROUP 0750   the cohorts as the role-play app sees them
    COHORTS/.shared/<cohort>/   grader:GROUP 0750
        roleplay/               grader:GROUP 2750   setgid: files written later stay in GROUP
            key, learners.txt   0640
            attempts.jsonl      0660

GROUP (``COURSE_ROLEPLAY_GROUP``, default ``course-roleplay``) holds the apps account and the
grader. deploy/setup-hub.sh makes it and then runs, as the grader:

    python deploy/hub_share.py COHORTS              # share every cohort of COHORTS
    python deploy/hub_share.py --settings COHORTS   # print the group, then the shared folder
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import sys
from pathlib import Path

from servicecourse.cohort import evidence

GROUP_ENV = "COURSE_ROLEPLAY_GROUP"
DEFAULT_GROUP = "course-roleplay"
SHARED = ".shared"
CONFIG_NAME = "nbgrader_config.py"  # a cohort folder has one (servicecourse.cohort)
FILE_MODES = {evidence.KEY_NAME: evidence.KEY_MODE, evidence.LEARNERS_NAME: evidence.LEARNERS_MODE,
              evidence.RECORD_NAME: evidence.RECORD_MODE}


class ShareError(RuntimeError):
    """A cohort's role-play folder cannot be shared (the message says which and why)."""


def group() -> str:
    """The Unix group of the role-play app's account: ``$COURSE_ROLEPLAY_GROUP`` or the default."""
    return os.environ.get(GROUP_ENV) or DEFAULT_GROUP


def shared_root(cohorts: str | Path) -> Path:
    """The folder the role-play app reads as its folder of cohorts."""
    return Path(cohorts) / SHARED


def is_member(account: str, group_name: str) -> bool:
    """Whether a Unix account is in a group (primary or not); False if either does not exist."""
    try:
        return grp.getgrnam(group_name).gr_gid in os.getgrouplist(account, pwd.getpwnam(account).pw_gid)
    except KeyError:
        return False


def _give(path: Path, gid: int, mode: int) -> None:
    """Give a folder or file of the share to the group with ``mode`` (never through a link)."""
    if path.is_symlink():
        raise ShareError(f"{path} is a link: the role-play folder holds plain files only")
    os.chown(path, -1, gid)
    os.chmod(path, mode)


def share(cohort: str | Path, gid: int) -> Path:
    """Share one cohort's role-play folder with the group ``gid``: made complete, moved beside
    the cohorts (the first time) with a link in its place, and given the modes above."""
    cohort = Path(cohort)
    evidence.prepare(cohort)  # also moves the key of a cohort made before into the folder
    link = evidence.roleplay_folder(cohort)
    target = shared_root(cohort.parent) / cohort.name / evidence.FOLDER
    relative = Path("..") / SHARED / cohort.name / evidence.FOLDER
    if link.is_symlink():
        if Path(os.readlink(link)) != relative:
            raise ShareError(f"{link} links to {os.readlink(link)}, not to {relative}: "
                             "put the cohort's role-play folder back in its place")
    elif target.exists() or target.is_symlink():
        raise ShareError(f"{target} exists already (a cohort of that name shared before?): "
                         f"move it or {link} away, then run deploy/setup-hub.sh again")
    else:
        target.parent.mkdir(mode=0o750, exist_ok=True)
        os.rename(link, target)
        link.symlink_to(relative)
    mode = stat.S_IMODE(cohort.stat().st_mode)
    if mode & 0o077:
        cohort.chmod(mode & 0o700)  # the app's account passes through COHORTS: not into a cohort
    _give(target.parent, gid, 0o750)
    _give(target, gid, 0o2750)
    for entry in target.iterdir():
        _give(entry, gid, FILE_MODES.get(entry.name, 0o600))  # anything else: the grader's only
    return target


def share_all(cohorts: str | Path, group_name: str) -> tuple[list[Path], list[str], list[Path]]:
    """Share every cohort of a folder of cohorts with the group. Returns the shared folders, a
    line for each cohort that could not be shared, and the shares whose cohort is gone."""
    cohorts = Path(cohorts)
    try:
        gid = grp.getgrnam(group_name).gr_gid
    except KeyError:
        raise ShareError(f"the group {group_name} does not exist: deploy/setup-hub.sh makes it") from None
    shared = shared_root(cohorts)
    shared.mkdir(mode=0o750, exist_ok=True)
    _give(cohorts, gid, 0o710)
    _give(shared, gid, 0o750)
    done, problems = [], []
    folders = sorted(p for p in cohorts.iterdir() if not p.name.startswith(".") and (p / CONFIG_NAME).is_file())
    for folder in folders:
        try:
            done.append(share(folder, gid))
        except (OSError, ShareError) as error:
            problems.append(f"{folder}: {error}")
    left = sorted(p for p in shared.iterdir() if p.name not in {f.name for f in folders})
    return done, problems, left


def main(argv: list[str]) -> int:
    """The command line (see the module's docstring)."""
    if len(argv) == 2 and argv[0] == "--settings":
        print(group())
        print(shared_root(argv[1]))
        return 0
    if len(argv) != 1:
        print(__doc__.split("\n\n")[-1], file=sys.stderr)
        return 2
    try:
        done, problems, left = share_all(argv[0], group())
    except (OSError, ShareError) as error:
        print(f"hub_share.py: {error}", file=sys.stderr)
        return 1
    for path in done:
        print(f"hub_share.py: {path} shared with the group {group()}")
    for path in left:
        print(f"hub_share.py: warning: {path} has no cohort any more, yet the role-play app still "
              "grades its learners: remove it once its record of plays is kept elsewhere", file=sys.stderr)
    for problem in problems:
        print(f"hub_share.py: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
