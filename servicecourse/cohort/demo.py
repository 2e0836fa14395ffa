"""A demo cohort with synthetic learners, really autograded by nbgrader, so newcomers see output.

Learners are made up (no real person's data); some answer everything, some half, some hand in a
blank notebook and some never start. Reflections of a few learners are graded as a trainer would.
The machine's own user is on the roster too, as a learner who has not started: every module is
published to the cohort's exchange (``COHORT/exchange``, no root needed), so the Assignments tab
of `course serve`'s JupyterLab fetches, validates and submits as on the hub.
"""

from __future__ import annotations

import getpass
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from tqdm import tqdm

from servicecourse import cohort
from servicecourse.cohort import exchange, roster
from servicecourse.cohort.submissions import answer, roleplay_items, solution_answers
from servicecourse.course import COHORTS, modules
from servicecourse.grading.autograde import autograde_cohort

# (id, first name, last name, team, days since start, how they did): complete, partial, blank
# or missing. Start dates count back from today, so some modules are overdue and some are not.
LEARNERS = [
    ("amara-okoye", "Amara", "Okoye", "Front desk", 35, "complete"),
    ("ben-carter", "Ben", "Carter", "Billing", 35, "complete"),
    ("chloe-martin", "Chloé", "Martin", "Billing", 20, "partial"),
    ("dev-patel", "Dev", "Patel", "IT support", 12, "complete"),
    ("elena-rossi", "Elena", "Rossi", "Front desk", 20, "blank"),
    ("farid-haddad", "Farid", "Haddad", "IT support", 30, "missing"),
    ("grace-liu", "Grace", "Liu", "Front desk", 8, "partial"),
    ("hugo-silva", "Hugo", "Silva", "Billing", 2, "missing"),
]
GRADED_BY_TRAINER = {"amara-okoye", "ben-carter", "chloe-martin"}


def _submit(folder: Path, module: str, learner: str, how: str, codes: dict[tuple[str, str], str]) -> None:
    release = folder / "release" / module
    for notebook in sorted(release.glob("*.ipynb")):
        source = folder / "source" / module / notebook.name
        answers = solution_answers(source)
        for cell_id, scenario_id in roleplay_items(source).items():  # the code the app gave them
            name = answers[cell_id].split("=", 1)[0].strip()
            answers[cell_id] = f'{name} = "{codes[(learner, scenario_id)]}"'
        if how == "partial":
            answers = dict(list(answers.items())[: len(answers) // 2])
        elif how == "blank":
            answers = {}
        target = folder / "submitted" / learner / module / notebook.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(answer(notebook, answers), target)
    (folder / "submitted" / learner / module / "timestamp.txt").write_text("2026-11-20 09:00:00.000000 UTC")


def _grade_reflections(folder: Path, learners: set[str]) -> None:
    """Give the manually graded cells of some learners full marks, as a trainer would."""
    with Gradebook(cohort.db_url(folder)) as gradebook:
        for assignment in gradebook.assignments:
            for learner in sorted(learners):
                submission = gradebook.find_submission(assignment.name, learner)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.auto_score is None:
                            # What formgrader does when a trainer types a score.
                            grade.manual_score = grade.max_score
                            grade.needs_manual_grade = False
        gradebook.db.commit()


def _import_roster(folder: Path) -> None:
    """Import the synthetic learners the way a trainer imports a real roster."""
    today = date.today()
    lines = ["id,first_name,last_name,email,team,start_date"] + [
        f"{learner},{first},{last},{learner}@example.com,{team},{today - timedelta(days=days)}"
        for learner, first, last, team, days, _ in LEARNERS] + [
        # you, on this machine: the Assignments tab hands in under your user name
        f"{you()},{you()},(this machine),{you()}@localhost.localdomain,,{today}"]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "roster.csv"
        path.write_text("\n".join(lines) + "\n")
        problems = roster.import_csv(folder, path).problems
    if problems:  # the demo roster is ours: any problem is a bug
        raise RuntimeError("demo roster rejected: " + "; ".join(problems))


def _play_roleplays(folder: Path) -> dict[tuple[str, str], str]:
    """Record the learners' complete plays of the modules' role-plays, as the course app does
    (`servicecourse.cohort.evidence`), and return the graded code each was given for their first play.

    Those who finish everything played well from the start; the others' first plays go one way
    or another (some wrong) and are followed by a good replay, which is practice: so the trainer
    debrief has first plays to show and the modules get the codes learners would paste."""
    from servicecourse.cohort import evidence
    from servicecourse.roleplay import pathcodes
    from servicecourse.roleplay.scenario import load_by_id
    from servicecourse.roleplay.vectors import path_to, paths

    scenario_ids = sorted({scenario_id for module in modules()
                           for notebook in (folder / "source" / module).glob("*.ipynb")
                           for scenario_id in roleplay_items(notebook).values()})
    players = [(learner, how) for learner, *_, how in LEARNERS if how != "missing"]
    key = evidence.roleplay_key(folder)
    codes = {}
    for scenario_id in scenario_ids:
        scenario = load_by_id(scenario_id)
        every, good = paths(scenario), path_to(scenario)
        for number, (learner, how) in enumerate(players):
            first = good if how == "complete" else every[(number * 7) % len(every)]
            _, recorded = evidence.record(folder, learner, scenario_id, pathcodes.letters_of(first))
            codes[(learner, scenario_id)] = pathcodes.sign(key, learner, scenario_id, recorded.letters,
                                                          recorded.attempt)
            if how != "complete":
                evidence.record(folder, learner, scenario_id, pathcodes.letters_of(good))
    return codes


def you() -> str:
    """The machine's user name: the learner id nbgrader hands in under on this machine."""
    return getpass.getuser()


def build(folder: str | Path | None = None) -> Path:
    """Create (afresh) the demo cohort, autograde it and publish its modules to its exchange;
    return its folder."""
    folder = Path(folder) if folder else COHORTS / "demo"
    if folder.exists():
        shutil.rmtree(folder)
    cohort.create(folder)
    exchange.configure(folder, folder / "exchange")
    api = cohort.api(folder)
    _import_roster(folder)
    for module in tqdm(modules(), desc="releasing the demo modules", unit="module"):
        cohort.run(api.generate_assignment(module), f"generate_assignment {module}")
    codes = _play_roleplays(folder)
    for module in modules():
        for learner, *_, how in LEARNERS:
            if how != "missing":
                _submit(folder, module, learner, how, codes)
    failed = [o for o in autograde_cohort(folder) if o.status == "failed"]
    if failed:
        raise RuntimeError(f"demo submissions failed to grade: {failed}")
    _grade_reflections(folder, GRADED_BY_TRAINER)
    exchange.release(folder, modules())
    return folder
