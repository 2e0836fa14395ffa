"""A cohort folder: an nbgrader course directory outside git, with its own gradebook.

The folder holds an ``nbgrader_config.py``, so trainers can also run ``nbgrader`` and formgrader
in it directly. Python code reads the same file, so the CLI and this module never disagree.

The package holds the cohort's workflow: its roster, the exchange, collecting hand-ins, the
role-play evidence, the demo cohort. nbgrader is imported only by the functions that need it:
the role-play app's kernels import the evidence module, hence this package, and nbgrader would
cost every one of them a second of CPU.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from traitlets.config.loader import PyFileConfigLoader

from servicecourse.course import REPO, SOLUTIONS

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI

CONFIG_NAME = "nbgrader_config.py"

_CONFIG_TEMPLATE = '''"""nbgrader configuration of the cohort in this folder (written by `course`)."""

c = get_config()  # noqa: F821
# The course's own settings (stubs, timeouts), then this cohort's folders and gradebook.
load_subconfig({course_config!r})  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.db_url = {db_url!r}
# Learner notebooks run in the course's sandbox (servicecourse/grading/sandbox.py), also when a
# trainer runs `nbgrader autograde` here directly.
c.Execute.kernel_name = "servicecourse-sandbox"
'''


class CohortError(RuntimeError):
    """A cohort folder is missing, incomplete or an nbgrader step failed."""


def sqlite_url(folder: Path) -> str:
    """The default gradebook of a cohort: ``gradebook.db`` inside its folder."""
    return f"sqlite:///{folder.resolve() / 'gradebook.db'}"


def create(folder: str | Path, db_url: str | None = None) -> Path:
    """Make a cohort folder with its config and a snapshot of the course's modules."""
    from nbgrader.api import Gradebook

    from servicecourse.cohort import evidence
    from servicecourse.grading.sandbox import install_kernel_spec

    folder = Path(folder).resolve()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: rosters, gradebook, hand-ins
    source = folder / "source"
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(SOLUTIONS, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copyfile(REPO / "course.yml", folder / "course.yml")  # its policy: servicecourse.policy
    db_url = db_url or sqlite_url(folder)
    (folder / CONFIG_NAME).write_text(_CONFIG_TEMPLATE.format(
        course_config=str(REPO / CONFIG_NAME), root=str(folder), db_url=db_url))
    evidence.prepare(folder)  # the role-play app's folder: key, record (learners at import)
    venv_tools_on_path()
    install_kernel_spec()
    with _migrations_head_read_here(), Gradebook(db_url):
        pass  # creates the gradebook's tables now, so a bad database URL fails here
    return folder


@contextlib.contextmanager
def _migrations_head_read_here() -> Iterator[None]:
    """nbgrader stamps a new gradebook with the head of its migrations (so `nbgrader db upgrade`
    knows it is current), which it asks of a subprocess, `alembic heads`: a second Python that
    imports alembic, SQLAlchemy and nbgrader again, 1 to 8 s here. Read the same head from the
    same migration scripts in this process instead (0.3 s)."""
    import nbgrader.api
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    asked_of_a_subprocess = nbgrader.api.get_alembic_version
    nbgrader.api.get_alembic_version = lambda: ScriptDirectory(ALEMBIC_DIR).get_current_head()
    try:
        yield
    finally:
        nbgrader.api.get_alembic_version = asked_of_a_subprocess


def config(folder: str | Path):
    """The traitlets config of a cohort, read from its ``nbgrader_config.py``."""
    folder = Path(folder).resolve()
    if not (folder / CONFIG_NAME).is_file():
        raise CohortError(f"{folder}: not a cohort folder (no {CONFIG_NAME}); "
                          f"create one with `course cohort new`")
    return PyFileConfigLoader(CONFIG_NAME, path=str(folder)).load_config()


def api(folder: str | Path) -> NbGraderAPI:
    """nbgrader's Python API bound to a cohort folder."""
    venv_tools_on_path()
    from nbgrader.apps import NbGraderAPI

    return NbGraderAPI(config=config(folder))


def venv_tools_on_path() -> None:
    """nbgrader runs ``alembic`` (and kernels) found on PATH: make it this Python's own."""
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")


def released_notebooks(folder: str | Path) -> dict[str, Path]:
    """The released notebook of each module of a cohort (``release/<module>/``), by module."""
    root = Path(folder) / "release"
    return {module.name: notebook for module in sorted(root.iterdir()) if module.is_dir()
            for notebook in sorted(module.glob("*.ipynb"))[:1]} if root.is_dir() else {}


def db_url(folder: str | Path) -> str:
    """The gradebook URL of a cohort."""
    return config(folder).CourseDirectory.db_url


def run(result: dict, what: str) -> dict:
    """Raise CohortError with nbgrader's log when an NbGraderAPI call did not succeed."""
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "no details").strip()
        raise CohortError(f"{what} failed:\n{detail}")
    return result
