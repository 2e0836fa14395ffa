"""Jupyter Server settings of a learner's own JupyterLab: on the hub, and `course serve`'s.

Only nbgrader's learner side: the Assignments tab (fetch, validate, submit, fetch feedback).
No formgrader (a learner has no gradebook; opening it would create one) and no course list
(a trainer's view). JupyterLab's plugins of the same tools are switched off in
labconfig/page_config.json beside this file. The hub puts this folder on JUPYTER_CONFIG_PATH.
"""

c = get_config()  # noqa: F821  (provided by Jupyter Server when it loads this file)

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
