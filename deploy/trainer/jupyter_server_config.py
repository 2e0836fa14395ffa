"""Jupyter Server settings of a trainer's own JupyterLab on the hub.

As nbgrader's docs set it up for a course with several graders: the Assignments tab and the
course list (which links to the course's formgrader service, where grading happens), but no
formgrader of their own and no Create Assignment (modules are written in solutions/). The hub
puts this folder, then deploy/learner/ (the exchange settings), on JUPYTER_CONFIG_PATH.
"""

c = get_config()  # noqa: F821  (provided by Jupyter Server when it loads this file)

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.course_list": True,
    "nbgrader.server_extensions.formgrader": False,
}
