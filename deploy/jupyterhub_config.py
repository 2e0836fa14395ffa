"""JupyterHub for the service-culture course: the Voila apps and nbgrader's formgrader behind
the hub's login. Run from a working folder of its own (the hub keeps its database and cookie
secret there):

    jupyterhub -f /path/to/repo/deploy/jupyterhub_config.py

Two hub-managed services, each a localhost process the hub starts, routes and stops:

* ``apps`` at /services/apps/: standalone Voila on apps/ with preheated kernels (the same command
  as ``course serve``), logging users in through the hub (hub_voila_auth.py). Every hub user may
  open the apps.
* ``<course_id>`` (service-culture) at /services/service-culture/formgrader: a Jupyter Server
  (``jupyterhub-singleuser``, with nbgrader's extensions) in one cohort folder, the "shared
  grader" setup of nbgrader's docs. Only the group ``formgrade-<course_id>`` may open it.

Learners get no personal Jupyter server: their role has no ``servers`` scope.

Settings, all from the environment (see deploy/README.md):
  COURSE_HUB_IP / COURSE_HUB_PORT   where the hub listens (127.0.0.1:8000; TLS is a reverse proxy's job)
  COURSE_HUB_API_PORT, COURSE_PROXY_API_PORT, COURSE_APPS_PORT, COURSE_GRADER_PORT
                                    localhost ports of the hub's API (8081), the proxy's API (8001),
                                    Voila (10101) and the formgrader (10102)
  COURSE_APPS_PREHEAT               kernels kept ready with the role-play app drawn (4; the
                                    dashboard and debrief keep one each)
  COURSE_COHORT_DIR                 the cohort the formgrader works on (cohorts/demo; "" = no formgrader)
  COURSE_TRAINERS                   comma-separated user names put in formgrade-<course_id>
  COURSE_GRADER_USER                the Unix account the formgrader runs as (when the hub runs as root)
  COURSE_HUB_GROUP                  Unix group whose members may log in with PAM (service-course)
  COURSE_HUB_DB_URL                 the hub's own database (default sqlite in the working folder)
  COURSE_SERVICE_START_TIMEOUT      seconds a service may take to answer at start (120)
  COURSE_HUB_TEST_PASSWORD          SMOKE TEST ONLY: a shared password instead of PAM
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

DEPLOY = Path(__file__).resolve().parent
REPO = DEPLOY.parent
BIN = Path(sys.executable).parent  # the course's venv: JupyterHub runs from it
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from servicecourse.launch import voila_command  # noqa: E402

env = os.environ.get


def _int(name: str, default: int) -> int:
    return int(env(name) or default)


# --- the hub and its proxy ---------------------------------------------------------------------
c.JupyterHub.ip = env("COURSE_HUB_IP") or "127.0.0.1"
c.JupyterHub.port = _int("COURSE_HUB_PORT", 8000)
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = _int("COURSE_HUB_API_PORT", 8081)
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_int('COURSE_PROXY_API_PORT', 8001)}"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
if not PROXY.exists():
    raise SystemExit(f"{PROXY} is missing: install it with `npm ci --prefix {DEPLOY}` (make setup)")
c.ConfigurableHTTPProxy.command = [str(PROXY)]
if env("COURSE_HUB_DB_URL"):
    c.JupyterHub.db_url = env("COURSE_HUB_DB_URL")
c.JupyterHub.default_url = "/services/apps/"  # after login: the list of apps

# --- who may log in ----------------------------------------------------------------------------
TRAINERS = sorted({name.strip() for name in (env("COURSE_TRAINERS") or "").split(",") if name.strip()})
if env("COURSE_HUB_TEST_PASSWORD"):
    # SMOKE TEST ONLY (tests/test_deploy.py): anyone who knows this password logs in as any name.
    if c.JupyterHub.ip not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("COURSE_HUB_TEST_PASSWORD is for the localhost smoke test only")
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = env("COURSE_HUB_TEST_PASSWORD")
    c.Authenticator.allow_all = True
else:
    # Production: the server's Unix accounts (PAM); members of one group, plus the trainers.
    # For logins with the organisation's accounts use an OAuthenticator (deploy/README.md).
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.allowed_groups = {env("COURSE_HUB_GROUP") or "service-course"}
    c.Authenticator.allowed_users = set(TRAINERS)

# --- the trainers' formgrader (nbgrader docs: "one class, multiple graders") -------------------
# Started first: the hub gives each managed service about ten seconds to answer.
services = []
roles = [
    # Every hub user may open the apps and see who they are; no personal Jupyter server.
    {"name": "user", "scopes": ["read:users!user", "read:users:name!user",
                                "read:users:groups!user", "access:services!service=apps"]},
]
passed_on = {name: os.environ[name] for name in
             ("HOME", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR")
             if name in os.environ}
cohort_dir = env("COURSE_COHORT_DIR", str(REPO / "cohorts" / "demo"))
if cohort_dir:
    from servicecourse import cohort

    COHORT = Path(cohort_dir).resolve()
    COURSE_ID = cohort.config(COHORT).CourseDirectory.course_id  # fails clearly if not a cohort
    GRADER_PORT = _int("COURSE_GRADER_PORT", 10102)
    grader_user = env("COURSE_GRADER_USER")
    services.append({
        "name": COURSE_ID,  # nbgrader finds a course's formgrader by this name
        "url": f"http://127.0.0.1:{GRADER_PORT}",
        "command": [str(BIN / "jupyterhub-singleuser"), f"--ServerApp.root_dir={COHORT}",
                    f"--config={DEPLOY / 'formgrader_server_config.py'}"]
                   # a hub run as root (CI) with no grader account: Jupyter refuses root otherwise
                   + (["--ServerApp.allow_root=True"] if os.geteuid() == 0 and not grader_user else []),
        "cwd": str(COHORT),  # nbgrader reads the cohort's nbgrader_config.py from here
        "environment": {**passed_on, "JUPYTERHUB_DEFAULT_URL": "/formgrader"},
        "oauth_no_confirm": True,
        # its own Unix account when the hub runs as root (deploy/README.md)
        **({"user": grader_user} if grader_user else {}),
    })
    group = f"formgrade-{COURSE_ID}"  # the name nbgrader's course list looks for
    c.JupyterHub.load_groups = {group: {"users": TRAINERS}}
    roles.append({"name": group, "groups": [group], "scopes": [
        f"access:services!service={COURSE_ID}", "list:services", f"read:services!service={COURSE_ID}"]})

# --- the Voila apps ----------------------------------------------------------------------------
APPS_PORT = _int("COURSE_APPS_PORT", 10101)
services.append({
    "name": "apps",
    "url": f"http://127.0.0.1:{APPS_PORT}",
    "command": voila_command(APPS_PORT, preheat=_int("COURSE_APPS_PREHEAT", 4)) + [
        "--Voila.base_url=/services/apps/",
        "--Voila.port_retries=0",  # another port would not be the one the proxy routes to
        "--Voila.identity_provider_class=hub_voila_auth.HubIdentityProvider",
        "--Voila.authorizer_class=hub_voila_auth.HubAuthorizer",
    ],
    "cwd": str(REPO),
    "environment": {**passed_on, "PYTHONPATH": os.pathsep.join(
        p for p in (str(DEPLOY), env("PYTHONPATH")) if p)},
    "oauth_no_confirm": True,  # the course's own service: no "authorize access?" page
})

c.JupyterHub.services = services
c.JupyterHub.load_roles = roles

# --- waiting for the services at start ---------------------------------------------------------
# JupyterHub 5 gives a managed service ten one-second tries to answer, then exits and leaves the
# proxy and the other services running (jupyterhub/jupyterhub#5138, open, no setting for it).
# A Jupyter Server with nbgrader takes longer than that on a busy or freshly booted machine, so
# each start of a service waits here until it answers, its process ends or the timeout passes;
# the hub's own check then passes at once, or reports the failure as before.
from jupyterhub.objects import Server  # noqa: E402
from jupyterhub.services.service import Service  # noqa: E402
from jupyterhub.utils import AnyTimeoutError  # noqa: E402

START_TIMEOUT = _int("COURSE_SERVICE_START_TIMEOUT", 120)
if not getattr(Service.start, "waits_until_up", False):
    _start_service = Service.start

    async def _start_and_wait_until_up(self):
        await _start_service(self)
        deadline = time.monotonic() + START_TIMEOUT
        while self.url and self.proc.poll() is None and time.monotonic() < deadline:
            try:
                await Server.from_orm(self.orm.server).wait_up(http=True, timeout=1)
                return
            except AnyTimeoutError:
                pass

    _start_and_wait_until_up.waits_until_up = True
    Service.start = _start_and_wait_until_up
