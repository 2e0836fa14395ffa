"""Jupyter Server settings of the trainers' formgrader service (see jupyterhub_config.py).

Only what grading needs: fewer extensions start faster and leave less to secure. Trainers can
still run code here (notebook kernels): see "Trainers" in deploy/README.md.
"""

c = get_config()  # noqa: F821  (provided by Jupyter Server when it loads this file)

c.ServerApp.jpserver_extensions = {
    "voila.server_extension": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,  # grading needs no shell
    # the learners' side of nbgrader: trainers only grade here
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
}
# nbgrader's JupyterLab panel shows the formgrader in a frame of this same server
c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
# kernels a trainer left running are shut down after an idle hour
c.MappingKernelManager.cull_idle_timeout = 3600
c.MappingKernelManager.cull_interval = 300
