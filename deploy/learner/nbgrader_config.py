"""nbgrader settings of learners' (and trainers') own JupyterLab: where the exchange is.

The exchange folder comes from $COURSE_EXCHANGE_ROOT (the hub and `course serve` set it).
Paths include the course id, as nbgrader's docs set it up for several courses: a module is
fetched into ~/<course_id>/<module>/. On the hub, nbgrader asks the hub which courses the user
is in (their hub groups nbgrader-<course_id> and formgrade-<course_id>).
"""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.Exchange.root = os.environ.get("COURSE_EXCHANGE_ROOT") or "/srv/nbgrader/exchange"
c.Exchange.path_includes_course = True
if os.environ.get("JUPYTERHUB_API_TOKEN"):
    c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
