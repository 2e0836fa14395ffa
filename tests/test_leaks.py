"""Can a learner find a solution or a hidden test in exercises/ or on the built site?"""

from __future__ import annotations

from pathlib import Path

import pytest

from servicecourse.cohort.submissions import solution_lines
from servicecourse.course import EXERCISES, SOLUTIONS, modules

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def _secrets() -> set[str]:
    return {line for notebook in SOLUTIONS.glob("*/*.ipynb") for line in solution_lines(notebook)}


def _leaks(files: list[Path]) -> list[str]:
    secrets = _secrets()
    found = []
    for path in files:
        text = path.read_text(errors="replace")
        found += [f"{path}: marker {m!r}" for m in MARKERS if m in text]
        found += [f"{path}: {line!r}" for line in secrets if line in text]
    return found


def test_there_are_secrets_to_look_for_in_every_module():
    for module in modules():
        assert solution_lines(next((SOLUTIONS / module).glob("*.ipynb"))), module


def test_exercises_hold_no_solution_or_hidden_test():
    files = [p for p in EXERCISES.rglob("*") if p.is_file()]
    assert files
    assert _leaks(files) == []


def test_the_leak_search_finds_a_planted_solution_line(tmp_path):
    secret = sorted(_secrets())[0]
    planted = tmp_path / "page.html"
    planted.write_text(f"<p>{secret}</p>")
    assert _leaks([planted]) == [f"{planted}: {secret!r}"]


@pytest.mark.slow
def test_the_built_site_holds_no_solution_or_hidden_test(built_site):
    kinds = {".html", ".js", ".txt", ".ipynb", ".json", ".md"}
    files = [p for p in built_site.rglob("*") if p.is_file() and p.suffix in kinds]
    assert any(p.name == "serve.html" for p in files)
    assert _leaks(files) == []


@pytest.mark.slow
def test_feedback_pages_of_a_graded_cohort_hold_no_solution_or_hidden_test(demo_cohort):
    """Every page a learner receives, scanned for every solution and hidden-test line of the
    cohort's modules, except the lines the learner wrote themselves (their own right answers)."""
    from servicecourse.grading.feedback import generate_feedback

    pages, problems = generate_feedback(demo_cohort)
    assert pages and problems == []
    secrets = {line for notebook in (demo_cohort / "source").glob("*/*.ipynb")
               for line in solution_lines(notebook)}
    found = []
    for page in pages:
        learner, module = page.parent.parent.name, page.parent.name
        own = {line.strip() for path in (demo_cohort / "submitted" / learner / module).glob("*.ipynb")
               for line in path.read_text().replace("\\n", "\n").splitlines()}
        text = page.read_text()
        found += [f"{page}: marker {m!r}" for m in MARKERS if m in text]
        found += [f"{page}: {line!r}" for line in secrets if line in text
                  and not any(line in mine for mine in own)]
    assert found == []
