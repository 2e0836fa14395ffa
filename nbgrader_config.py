"""nbgrader configuration of the course repository: solutions/ is the source, exercises/ the release.

Cohorts (``course cohort new``) have their own nbgrader_config.py in their own folder, outside git.
"""

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "service-culture"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
# Learners who are not programmers edit the answer line above the solution region; a blank
# release must still run, so the stub is a comment instead of nbgrader's NotImplementedError.
c.ClearSolutions.code_stub = {"python": "# Write your answer on the line above, then run this cell."}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Autograding: a cell may run this long (seconds) before it is interrupted and marked wrong;
# test cells a learner deleted are put back, so deleting a test never earns its points.
c.Execute.timeout = 30
c.OverwriteCells.add_missing_cells = True
# Each module's explanations.yml (why each keyed answer is right, shown after grading) stays with
# the instructor: nbgrader's default ignore list plus that file, so no release ever holds it.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "explanations.yml"]
