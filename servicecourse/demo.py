"""A demo cohort with synthetic learners, really autograded by nbgrader, so newcomers see output.

Learners are made up (no real person's data); some answer everything, some half, some hand in a
blank notebook and some never start. Reflections of a few learners are graded as a trainer would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from tqdm import tqdm

from servicecourse import cohort
from servicecourse.paths import COHORTS, modules
from servicecourse.submissions import answer, solution_answers

# (id, first name, last name, how they did): complete, partial, blank or missing.
LEARNERS = [
    ("amara-okoye", "Amara", "Okoye", "complete"),
    ("ben-carter", "Ben", "Carter", "complete"),
    ("chloe-martin", "Chloé", "Martin", "partial"),
    ("dev-patel", "Dev", "Patel", "complete"),
    ("elena-rossi", "Elena", "Rossi", "blank"),
    ("farid-haddad", "Farid", "Haddad", "missing"),
    ("grace-liu", "Grace", "Liu", "partial"),
    ("hugo-silva", "Hugo", "Silva", "missing"),
]
GRADED_BY_TRAINER = {"amara-okoye", "ben-carter", "chloe-martin"}


def _submit(folder: Path, module: str, learner: str, how: str) -> None:
    release = folder / "release" / module
    for notebook in sorted(release.glob("*.ipynb")):
        answers = solution_answers(folder / "source" / module / notebook.name)
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


def build(folder: str | Path | None = None) -> Path:
    """Create (afresh) the demo cohort and autograde it; return its folder."""
    folder = Path(folder) if folder else COHORTS / "demo"
    if folder.exists():
        shutil.rmtree(folder)
    cohort.create(folder)
    api = cohort.api(folder)
    with Gradebook(cohort.db_url(folder)) as gradebook:
        for learner, first, last, _ in LEARNERS:
            gradebook.update_or_create_student(learner, first_name=first, last_name=last,
                                               email=f"{learner}@example.com")
    jobs = []
    for module in modules():
        cohort.run(api.generate_assignment(module), f"generate_assignment {module}")
        for learner, _, _, how in LEARNERS:
            if how != "missing":
                _submit(folder, module, learner, how)
                jobs.append((module, learner))
    for module, learner in tqdm(jobs, desc="autograding the demo cohort", unit="notebook"):
        cohort.run(api.autograde(module, learner), f"autograde {module} for {learner}")
    _grade_reflections(folder, GRADED_BY_TRAINER)
    return folder
