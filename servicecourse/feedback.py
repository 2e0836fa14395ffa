"""Feedback pages: nbgrader's HTML feedback for every graded submission of a cohort."""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import Gradebook
from tqdm import tqdm

from servicecourse import cohort


def generate_feedback(folder: str | Path) -> tuple[list[Path], list[str]]:
    """Run nbgrader's generate_feedback for each graded submission; return pages and problems."""
    folder = Path(folder)
    api = cohort.api(folder)
    with Gradebook(cohort.db_url(folder)) as gradebook:
        graded = [(s.student.id, a.name) for a in gradebook.assignments for s in a.submissions]
    pages, problems = [], []
    for learner, module in tqdm(sorted(graded), desc="feedback", unit="notebook"):
        result = api.generate_feedback(module, learner)
        if not result.get("success"):
            problems.append(f"{learner} / {module}: nbgrader could not write feedback")
            continue
        pages += sorted((folder / "feedback" / learner / module).glob("*.html"))
    return pages, problems
