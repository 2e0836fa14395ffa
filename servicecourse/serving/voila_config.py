"""The settings of the course's Voila server (a traitlets config file), wherever it runs.

`course serve`, the tests, the benchmarks and the hub's services (``deploy/voila_config.py``,
which loads this file and adds the hub's login) all start ``python -m
servicecourse.serving.voila_server`` with it: what the apps' server does is said here once.
What differs from one server to the next stays on its command line, and wins over this file:
the apps folder (its one argument), ``--port``, ``--Voila.base_url``, ``--roleplay-pool`` and
``--kernel-cap`` (`servicecourse.serving.voila_app.CourseVoila`).
"""

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (provided by traitlets when it loads this file)

# Localhost only: a visitor reaches the apps through `course serve`'s machine or the hub's proxy.
c.Voila.ip = "127.0.0.1"
c.Voila.open_browser = False

# Voila's lab template without the style sheets it would fetch from a CDN, with the role-play
# app's first view (share/jupyter/voila/templates/course). Only the widget manager's front-end
# extensions are loaded: the page fetches nothing from another host.
c.VoilaConfiguration.template = "course"
c.VoilaConfiguration.extension_allowlist = ["@jupyter-widgets/jupyterlab-manager",
                                            "@voila-dashboards/widgets-manager8"]

# Kernels kept ready with the role-play app already drawn, so a visitor's page renders without
# starting a kernel; the HR dashboard and the trainer debrief, opened by a few people, keep one
# each (0: no kernel kept ready). The server turns this into Voila's preheat settings.
c.CourseVoila.roleplay_pool = 4

# Pool kernels run the notebook all at once at start; on a busy machine their output can come
# more than nbclient's default 4 s after the cell's reply, and Voila would then serve a page with
# the cell empty (seen with a pool of 20 on 2 cores).
c.VoilaExecutor.iopub_timeout = 60

# A tab closed without a word (a crash, a lost network, a client that never sends Voila's
# shutdown) leaves no connection: its kernel goes after a minute without activity. One with its
# page open never does.
c.MappingKernelManager.cull_idle_timeout = 60
c.MappingKernelManager.cull_interval = 10
c.MappingKernelManager.cull_connected = False
