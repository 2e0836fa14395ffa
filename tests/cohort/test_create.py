"""Is a new cohort's gradebook the one nbgrader itself would make: stamped with the head of
nbgrader's migrations, which `cohort.create` reads in its own process rather than through
nbgrader's `alembic heads` subprocess?"""

from __future__ import annotations

import sqlite3

import nbgrader.api
import pytest
from alembic.script import ScriptDirectory
from nbgrader.dbutil import ALEMBIC_DIR

from servicecourse import cohort


def test_a_new_gradebook_is_stamped_with_the_head_of_nbgrader_s_migrations(tmp_path):
    """Does a new cohort's gradebook record the newest migration (so `nbgrader db upgrade` finds
    nothing to do), and is nbgrader's own way of asking for it back in place afterwards?"""
    asked_of_a_subprocess = nbgrader.api.get_alembic_version
    folder = cohort.create(tmp_path / "c")
    with sqlite3.connect(folder / "gradebook.db") as db:
        stamped = db.execute("SELECT version_num FROM alembic_version").fetchall()
    assert stamped == [(ScriptDirectory(ALEMBIC_DIR).get_current_head(),)]
    assert nbgrader.api.get_alembic_version is asked_of_a_subprocess


@pytest.mark.slow
def test_the_head_read_in_process_is_the_one_alembic_heads_gives(tmp_path):
    """Is the stamp the very revision nbgrader's own subprocess (`alembic heads`) answers?"""
    cohort.venv_tools_on_path()
    folder = cohort.create(tmp_path / "c")
    with sqlite3.connect(folder / "gradebook.db") as db:
        stamped = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert stamped == nbgrader.api.get_alembic_version()
