"""A small real cohort for the reporting core's and the dashboard's tests: three learners, two
modules, scored as autograde and a trainer would record them; built once per session, copied
with `conftest.copy_cohort`."""

from __future__ import annotations

from pathlib import Path

# ann (Sales, manager Hélène) started on 1 January; bob (Billing) has no start date; cat is in
# the gradebook but on no roster line.
ROSTER = ("id,first_name,last_name,email,team,start_date,Manager,Employee ID\n"
          "ann,Ann,Archer,ann@example.com,Sales,2026-01-01,Hélène Roux,=HYPERLINK(\"x\")\n"
          "bob,Bob,Baker,bob@example.com,Billing,,Marc Dubois,E2\n")


def build_cohort(folder: Path) -> Path:
    """A real cohort (nbgrader gradebook, course.yml, roster) of three learners and two modules
    of 10 points, scored as autograde and a trainer would record them:
    culture: ann 3 (failed), bob 6 + a reflection to grade, cat 9 (passed);
    serve: ann 9 (passed), bob nothing, cat handed in but not graded yet."""
    from nbgrader.api import Gradebook

    from servicecourse import cohort
    from servicecourse.cohort import roster

    folder = cohort.create(folder)
    (folder / "course.yml").write_text("pass_mark: 0.7\ndebrief_min_group: 5\n"
                                       "modules:\n  culture: 7\n  serve: 10\n")
    scores = {("culture", "ann"): (3, 0), ("culture", "bob"): (6, None),
              ("culture", "cat"): (7, 2), ("serve", "ann"): (8, 1)}
    with Gradebook(cohort.db_url(folder)) as gradebook:
        for module in ("serve", "culture"):
            gradebook.add_assignment(module)
            gradebook.add_notebook(module, module)
            gradebook.add_grade_cell("answers", module, module, max_score=8, cell_type="code")
            gradebook.add_grade_cell("reflection", module, module, max_score=2, cell_type="markdown")
        gradebook.add_student("cat", first_name="Cat", last_name="Cole")
        for (module, learner), (auto, manual) in scores.items():
            gradebook.update_or_create_student(learner)
            gradebook.add_submission(module, learner)
            answers = gradebook.find_grade("answers", module, module, learner)
            answers.auto_score, answers.needs_manual_grade = auto, False
            reflection = gradebook.find_grade("reflection", module, module, learner)
            reflection.manual_score, reflection.needs_manual_grade = manual, manual is None
        gradebook.db.commit()
    (folder / "hr.csv").write_text(ROSTER, encoding="utf-8")
    roster.import_csv(folder, folder / "hr.csv")
    (folder / "submitted" / "cat" / "serve").mkdir(parents=True)
    return folder


_BUILT: dict[str, Path] = {}


def shared_template(tmp_path_factory) -> Path:
    """`build_cohort` once per test session (it takes seconds: nbgrader creates its gradebook
    with alembic); tests work on copies of it."""
    if "template" not in _BUILT:
        _BUILT["template"] = build_cohort(tmp_path_factory.mktemp("report") / "template")
    return _BUILT["template"]
