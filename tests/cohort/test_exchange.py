"""Does a cohort speak nbgrader's exchange: publish modules, collect roster learners' hand-ins
only, release feedback a learner can fetch? (Real nbgrader, one machine, the learner being this
machine's user, as on `make start`; tests/test_hub_cohort.py does it with real accounts.)"""

from __future__ import annotations

import getpass
import os
import pwd
import shutil
from pathlib import Path

import nbformat
import pytest

from servicecourse import cohort
from servicecourse.cohort import exchange
from servicecourse.cohort.submissions import answer, solution_answers
from servicecourse.course import REPO

from conftest import BIN, run

pytestmark = pytest.mark.slow  # every test here makes a real cohort (nbgrader's gradebook)

ME = getpass.getuser()  # nbgrader hands in under the Unix user name


def _roster(folder: Path, *ids: str) -> None:
    from servicecourse.cohort.roster import import_csv

    path = folder.parent / "roster.csv"
    path.write_text("id,first_name,last_name,email\n" + "".join(
        f"{learner},First,Last,{learner.replace('_', '-')}@example.com\n" for learner in ids))
    assert not import_csv(folder, path).problems


@pytest.fixture
def released(tmp_path) -> Path:
    """A cohort whose serve module is generated and published to an exchange of its own."""
    folder = cohort.create(tmp_path / "cohort")
    exchange.configure(folder, tmp_path / "exchange")
    cohort.run(cohort.api(folder).generate_assignment("serve"), "generate serve")
    exchange.release(folder, ["serve"])
    return folder


def _learner(tmp_path: Path, folder: Path, *args: str):
    """An nbgrader command as a learner runs it in their own JupyterLab's settings."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return run(str(BIN / "nbgrader"), *args, "--course", "service-culture", cwd=home, env={
        "PATH": os.environ["PATH"], "HOME": str(home),
        "JUPYTER_CONFIG_PATH": str(REPO / "deploy" / "learner"),
        "COURSE_EXCHANGE_ROOT": str(exchange.root(folder))})


def test_configure_records_one_exchange_in_the_cohorts_nbgrader_config(tmp_path):
    """Is the exchange written once into the cohort's nbgrader_config.py (replaced, not added
    again), made world-writable with the sticky bit, and read back by nbgrader's config?"""
    folder = cohort.create(tmp_path / "cohort")
    assert exchange.root(folder) is None
    exchange.configure(folder, tmp_path / "first")
    exchange.configure(folder, tmp_path / "second")
    text = (folder / "nbgrader_config.py").read_text()
    assert text.count("c.Exchange.root") == 1 and "first" not in text
    assert exchange.root(folder) == tmp_path / "second"
    assert cohort.config(folder).Exchange.path_includes_course is True
    assert (tmp_path / "second").stat().st_mode & 0o7777 == 0o1777


def test_configure_replaces_the_exchange_block_of_a_cohort_made_by_an_earlier_version(tmp_path):
    """A cohort configured when the module was ``servicecourse.exchange`` gets its block
    replaced too, not a second ``Exchange.root`` beside it."""
    folder = cohort.create(tmp_path / "cohort")
    config_file = folder / "nbgrader_config.py"
    config_file.write_text(config_file.read_text() + "\n# exchange (servicecourse.exchange.configure)\n"
                           f"c.Exchange.root = {str(tmp_path / 'old')!r}\n"
                           "c.Exchange.path_includes_course = True\n# end of exchange\n")
    exchange.configure(folder, tmp_path / "new")
    text = config_file.read_text()
    assert text.count("c.Exchange.root") == 1 and exchange.root(folder) == tmp_path / "new"


def test_a_cohort_without_an_exchange_is_refused_with_how_to_give_one(tmp_path):
    """Does collecting from the exchange of a cohort that has none fail with a sentence naming
    the option, not a traceback?"""
    folder = cohort.create(tmp_path / "cohort")
    result = run(str(BIN / "course"), "cohort", "collect", "--cohort", str(folder), check=False)
    assert result.returncode == 1
    assert "no exchange configured" in result.stderr and "--exchange" in result.stderr
    assert "Traceback" not in result.stderr


def test_release_publishes_the_module_again_without_its_explanations(released, tmp_path):
    """Is the module in the exchange's outbound folder, without the answers' explanations, and
    does releasing again replace it instead of failing?"""
    outbound = exchange.root(released) / "service-culture" / "outbound" / "serve"
    assert sorted(p.name for p in outbound.iterdir()) == ["serve.ipynb"]
    (released / "release" / "serve" / "explanations.yml").write_text("why: secret\n")
    exchange.release(released, ["serve"])
    assert not (outbound / "explanations.yml").exists()
    fetched = _learner(tmp_path, released, "fetch_assignment", "serve")
    assert "Fetched as: service-culture serve" in fetched.stdout + fetched.stderr
    assert (tmp_path / "home" / "service-culture" / "serve" / "serve.ipynb").exists()


def test_collect_takes_hand_ins_of_roster_learners_only(released, tmp_path):
    """Is a hand-in by someone not on the roster reported by name and left out of submitted/ and
    the gradebook, and the same learner's hand-in collected once they are on the roster?"""
    _learner(tmp_path, released, "fetch_assignment", "serve")
    _learner(tmp_path, released, "submit", "serve")
    stranger = exchange.root(released) / "service-culture" / "inbound" / (
        "Thi Ha Nguyen+serve+2026-11-20 09:00:00.000000 UTC+abcdef")
    shutil.copytree(tmp_path / "home" / "service-culture" / "serve", stranger)
    _roster(released, "someone-else")

    refused = exchange.collect(released)
    assert refused.placed == []
    assert any(p.startswith(f"{ME}: handed in serve") and "not on the roster" in p
               for p in refused.problems), refused.problems
    assert any(p.startswith("Thi Ha Nguyen: handed in serve") for p in refused.problems)
    assert not (released / "submitted").exists() or not any((released / "submitted").iterdir())
    from nbgrader.api import Gradebook

    with Gradebook(cohort.db_url(released)) as gradebook:
        assert {s.id for s in gradebook.students} <= {"someone-else"}

    _roster(released, "someone-else", ME)
    collected = exchange.collect(released)
    assert [(learner, module) for learner, module, _ in collected.placed] == [(ME, "serve")]
    assert (released / "submitted" / ME / "serve" / "serve.ipynb").exists()
    assert exchange.collect(released).placed == []  # nothing newer the second time


def test_feedback_is_released_for_exchange_hand_ins_and_fetched_by_the_learner(released, tmp_path):
    """After grading, can the learner fetch their feedback page from the exchange, and is a
    hand-in collected from a folder (no exchange secret) reported instead of released?"""
    from servicecourse.grading.autograde import autograde_cohort
    from servicecourse.grading.feedback import generate_feedback

    home_notebook = tmp_path / "home" / "service-culture" / "serve" / "serve.ipynb"
    _learner(tmp_path, released, "fetch_assignment", "serve")
    answers = solution_answers(released / "source" / "serve" / "serve.ipynb")
    nbformat.write(answer(home_notebook, answers), home_notebook)
    _learner(tmp_path, released, "submit", "serve")
    by_hand = tmp_path / "hand-ins" / "other" / "serve"
    by_hand.mkdir(parents=True)
    shutil.copy(released / "release" / "serve" / "serve.ipynb", by_hand)
    _roster(released, "other", ME)
    assert len(exchange.collect(released).placed) == 1
    from servicecourse.cohort.collect import collect

    assert collect(released, tmp_path / "hand-ins").placed
    autograde_cohort(released)
    pages, _ = generate_feedback(released)
    assert pages

    done, problems = exchange.release_feedback(released)
    assert done == [(ME, "serve")]
    assert problems and problems[0].startswith("other / serve: handed in outside the exchange")
    _learner(tmp_path, released, "fetch_feedback", "serve")
    fetched = list((tmp_path / "home" / "service-culture" / "serve" / "feedback").rglob("*.html"))
    assert len(fetched) == 1
    mine = next((released / "feedback" / ME / "serve").glob("*.html"))
    assert fetched[0].read_text() == mine.read_text()


def test_a_hand_in_under_another_learners_name_is_refused(released, tmp_path):
    """Is a hand-in named after a roster learner but owned by another account reported and not
    collected, since anyone may write to the exchange's inbound folder?"""
    _learner(tmp_path, released, "fetch_assignment", "serve")
    forged = exchange.root(released) / "service-culture" / "inbound" / (
        "victim+serve+2026-11-20 09:00:00.000000 UTC+abcdef")
    shutil.copytree(tmp_path / "home" / "service-culture" / "serve", forged)
    os.chown(forged, 65534, 65534)  # nobody's, as a learner's own account would own it
    _roster(released, "victim")
    result = exchange.collect(released)
    assert result.placed == []
    assert result.problems == [f"victim / serve: a hand-in in the exchange names victim but belongs "
                               f"to the account {pwd.getpwuid(65534).pw_name}; nothing collected "
                               f"for victim until it is removed"]
    assert not (released / "submitted" / "victim").exists()
