"""Feedback pages a learner receives: their own answers and scores, and no answer key.

nbgrader's own feedback renders the autograded notebook, which holds every hidden test and the
tracebacks they raised, runs the learner's HTML and scripts, and copies every file the notebook
wrote beside itself into the feedback folder. Here a page is written from parts that are safe to
hand back:

- the module's text, from the released notebook (what the learner already had);
- the learner's own answers and the text their answer cells printed, escaped (never run as
  HTML) and capped in size; the reflection as plain text;
- per test: its one-line description, the points earned and possible, a plain sentence (right,
  partly right, not yet, or why the answer could not be read), and after grading the course's
  explanation (``source/<module>/explanations.yml``);
- the trainer's comments.

No test's source, no test output and no traceback appear. The folder gets the page and the two
small files nbgrader's ``release_feedback`` needs (timestamp and submission secret), nothing else.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup
from nbgrader.api import Gradebook, MissingEntry
from tqdm import tqdm

from servicecourse import cohort
from servicecourse.grading import status
from servicecourse.grading.answers import read_answers
from servicecourse.grading.cells import grade_id, is_answer, is_test
from servicecourse.templating import render

OUTPUT_CHARS = 2000  # of one answer cell's printed text shown back
_MARKDOWN = MarkdownIt("commonmark", {"html": False})  # course text; raw HTML is shown as text


@dataclass
class Block:
    """One part of a feedback page, in the notebook's order."""

    kind: str  # text, answer, reflection, test
    html: Markup | None = None  # text: the module's own words, rendered
    source: str = ""  # answer or reflection: what the learner wrote
    printed: str = ""  # answer: what its cell printed
    title: str = ""  # test: its description
    points: float | None = None
    max_points: float = 0.0
    verdict: str = ""
    explanation: str = ""
    comment: str = ""
    needs_grading: bool = False


@dataclass
class Page:
    """A whole feedback page."""

    module: str
    learner: str
    name: str
    score: float
    max_score: float
    graded_on: str
    blocks: list[Block] = field(default_factory=list)
    failed: str = ""  # why the hand-in could not be graded, if it could not


def _description(source: str) -> str:
    """A test cell's docstring (its first line), the only part of a test a learner is shown."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "A check of your answer"
    doc = ast.get_docstring(tree) if tree.body else None
    return (doc or "A check of your answer").strip().splitlines()[0]


def _printed(cell) -> str:
    """The plain text an answer cell printed (streams and text results), capped."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(str(output.get("text", "")))
        elif output.get("output_type") in ("execute_result", "display_data"):
            parts.append(str(output.get("data", {}).get("text/plain", "")))
        elif output.get("output_type") == "error":
            parts.append("This cell stopped with an error.")
    text = "".join(parts)
    return text if len(text) <= OUTPUT_CHARS else text[:OUTPUT_CHARS] + "\n[... more output not shown]"


def _verdict(points: float | None, max_points: float, unreadable: list[str]) -> str:
    if unreadable:
        return "Your answer could not be read: " + "; ".join(unreadable) + "."
    if points is None:
        return "Not graded yet."
    if points >= max_points:
        return "Right."
    if points > 0:
        return f"Partly right: {points:g} of {max_points:g} points."
    return "Not right yet."


def explanations(folder: Path, module: str) -> dict[str, str]:
    """The course's explanation of each test's keyed answer, by test grade id (may be empty)."""
    path = folder / "source" / module / "explanations.yml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    return {str(k): str(v).strip() for k, v in data.items()} if isinstance(data, dict) else {}


def build_page(folder: Path, gradebook: Gradebook, learner: str, module: str, release: Path) -> Page:
    """The feedback page of one graded hand-in, from the release, the hand-in and the gradebook."""
    submission = gradebook.find_submission(module, learner)
    student = submission.student
    grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
    comments = {c.name: c for nb in submission.notebooks for c in nb.comments}
    released = nbformat.read(release, as_version=4)
    source = nbformat.read(folder / "source" / module / release.name, as_version=4)
    graded_path = folder / "autograded" / learner / module / release.name
    handed_in = folder / "submitted" / learner / module / release.name
    graded = nbformat.read(graded_path if graded_path.exists() else handed_in, as_version=4)
    original = nbformat.read(handed_in, as_version=4)
    answers = read_answers(source, original)
    written = {grade_id(cell): cell for cell in original.cells if grade_id(cell)}
    ran = {grade_id(cell): cell for cell in graded.cells if grade_id(cell)}
    why = explanations(folder, module)
    page = Page(module, learner, " ".join(filter(None, (student.first_name, student.last_name))) or learner,
                float(submission.score), float(submission.max_score),
                (submission.timestamp or datetime.now()).date().isoformat())
    unreadable: list[str] = []
    for cell in released.cells:
        cell_id = grade_id(cell) or ""
        if cell.cell_type == "markdown" and not is_answer(cell):
            page.blocks.append(Block("text", html=Markup(_MARKDOWN.render(cell.source))))
        elif is_answer(cell):
            answer = answers.get(cell_id)
            if answer and answer.malformed:
                unreadable.append(answer.malformed)
            grade, comment = grades.get(cell_id), comments.get(cell_id)
            block = Block("reflection" if cell.cell_type == "markdown" else "answer",
                          source=str(written.get(cell_id, {}).get("source", "")),
                          printed=_printed(ran.get(cell_id, {})),
                          comment=(comment.manual_comment or "") if comment else "")
            if cell.cell_type == "markdown" and grade is not None:
                block.title, block.max_points = "Your reflection", float(grade.max_score)
                block.points = None if grade.needs_manual_grade else float(grade.score)
                block.needs_grading = bool(grade.needs_manual_grade)
            page.blocks.append(block)
        elif is_test(cell) and cell_id in grades:
            grade = grades[cell_id]
            points = None if grade.needs_manual_grade and grade.manual_score is None else float(grade.score)
            page.blocks.append(Block("test", title=_description(cell.source), points=points,
                                     max_points=float(grade.max_score),
                                     verdict=_verdict(points, float(grade.max_score), unreadable),
                                     explanation=why.get(cell_id, "")))
            unreadable = []
    return page


def failed_page(folder: Path, learner: str, module: str, reasons: list[str]) -> Page:
    """The page of a hand-in that could not be graded: why, in the grader's words."""
    return Page(module, learner, learner, 0.0, 0.0, datetime.now().date().isoformat(),
                failed="; ".join(reasons) or "it could not be graded")


def write_page(folder: Path, page: Page, notebook_name: str) -> Path:
    """Write the page alone into ``feedback/<learner>/<module>/`` with release_feedback's two files."""
    target = folder / "feedback" / page.learner / page.module
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    path = target / f"{Path(notebook_name).stem}.html"
    path.write_text(render("feedback/page.html.j2", page=page))
    handed_in = folder / "submitted" / page.learner / page.module
    for name in ("timestamp.txt", "submission_secret.txt"):
        if (handed_in / name).is_file() and (handed_in / name).stat().st_size < 1024:
            shutil.copyfile(handed_in / name, target / name)
    return path


def generate_feedback(folder: str | Path) -> tuple[list[Path], list[str]]:
    """Write a feedback page for every graded (or failed) hand-in; return pages and problems."""
    folder = Path(folder)
    releases = cohort.released_notebooks(folder)
    outcomes = status.load(folder)
    pages, problems = [], []
    with Gradebook(cohort.db_url(folder)) as gradebook:
        graded = sorted((s.student.id, a.name) for a in gradebook.assignments for s in a.submissions)
        failed = sorted(tuple(key.split("/", 1)) for key, record in outcomes.items()
                        if record.status == "failed")
        for learner, module in tqdm(sorted(set(graded) | set(failed)), desc="feedback", unit="page"):
            if module not in releases:
                problems.append(f"{learner} / {module}: not a released module; no feedback written")
                continue
            record = outcomes.get(f"{learner}/{module}")
            try:
                if record and record.status == "failed":
                    page = failed_page(folder, learner, module, record.reasons)
                else:
                    page = build_page(folder, gradebook, learner, module, releases[module])
            except (MissingEntry, OSError, ValueError) as error:
                problems.append(f"{learner} / {module}: no feedback written ({error})")
                continue
            pages.append(write_page(folder, page, releases[module].name))
    return pages, problems
