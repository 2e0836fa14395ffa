"""JupyterHub for the service-culture course: each learner's own JupyterLab with nbgrader's
Assignments tab, the Voila apps and the trainers' formgrader, behind one login, each open only
to the roles that need it. Run as root (learners' servers run as their own Unix accounts), from
a working folder of its own (the hub keeps its database and cookie secret there), after
``deploy/setup-hub.sh`` has laid out groups, accounts, the exchange and file permissions:

    jupyterhub -f /path/to/repo/deploy/jupyterhub_config.py

Who may do what (hub groups follow the Unix groups at each login, deploy/hub_accounts.py):

=====================  ==============================================  ====================
what                   where                                           who
=====================  ==============================================  ====================
own JupyterLab         /user/<name>/lab (LocalProcessSpawner)          learners, trainers
role-play app (Voila)  /services/roleplay/voila/render/roleplay.ipynb  every user
HR dashboard (Voila)   /services/dashboard/voila/render/dashboard...   HR, trainers
trainer debrief        /services/debrief/voila/render/debrief.ipynb    trainers
formgrader             /services/<course_id>/formgrader                trainers
=====================  ==============================================  ====================

Anyone else asking is refused (403) by the hub's own check of ``access:services!service=...``
or ``access:servers!user=...``. The services run as unprivileged Unix accounts: the role-play as
``COURSE_APPS_USER``, which reads of the cohorts only their role-play folders (learner ids, key,
record of plays: deploy/hub_share.py), the rest as ``COURSE_GRADER_USER``, the account that
owns the cohorts (as nbgrader's docs set up a shared grader).

Settings, all from the environment (see deploy/README.md):
  COURSE_HUB_IP / COURSE_HUB_PORT   where the hub listens (127.0.0.1:8000; TLS is a reverse proxy's job)
  COURSE_HUB_API_PORT, COURSE_PROXY_API_PORT, COURSE_ROLEPLAY_PORT, COURSE_DASHBOARD_PORT,
  COURSE_DEBRIEF_PORT, COURSE_GRADER_PORT
                                    localhost ports of the hub's API (8081), the proxy's API (8001),
                                    the three Voila services (10101-10103) and the formgrader (10104)
  COURSE_APPS_PREHEAT               kernels kept ready with the role-play app drawn (4; the
                                    dashboard and debrief keep one each)
  COURSE_COHORTS                    the folder of cohorts the dashboard and debrief show (repo's cohorts/);
                                    the role-play app reads its .shared/ (deploy/hub_share.py)
  COURSE_COHORT_DIR                 the cohort the formgrader works on (COURSE_COHORTS/demo; "" = none)
  COURSE_EXCHANGE_ROOT              nbgrader's exchange (/srv/nbgrader/exchange)
  COURSE_LEARNERS_GROUP, COURSE_TRAINERS_GROUP, COURSE_HR_GROUP
                                    the Unix groups of learners, trainers and HR
                                    (course-learners, course-trainers, course-hr)
  COURSE_GRADER_USER                Unix account of the formgrader, dashboard and debrief
                                    (grader-<course_id>); it owns the cohorts
  COURSE_APPS_USER                  Unix account of the role-play app (course-apps)
  COURSE_ROLEPLAY_GROUP             Unix group of the role-play app's account and the grader,
                                    which the cohorts' role-play folders are shared with
                                    (course-roleplay; deploy/setup-hub.sh makes it)
  COURSE_ACTIVE_SERVER_LIMIT        learners' and trainers' JupyterLab servers running at once (30)
  COURSE_IDLE_TIMEOUT               seconds after which an idle JupyterLab server is stopped (3600)
  COURSE_HUB_DB_URL                 the hub's own database (default sqlite in the working folder)
  COURSE_SERVICE_START_TIMEOUT      seconds a service may take to answer at start (120)
"""

from __future__ import annotations

import os
import pwd
import sys
import time
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

DEPLOY = Path(__file__).resolve().parent
REPO = DEPLOY.parent
BIN = Path(sys.executable).parent  # the course's venv: JupyterHub runs from it
for folder in (REPO, DEPLOY):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from hub_share import group as roleplay_group  # noqa: E402
from hub_share import is_member, shared_root  # noqa: E402

from servicecourse import cohort  # noqa: E402
from servicecourse.serving.launch import voila_command  # noqa: E402

env = os.environ.get


def _int(name: str, default: int) -> int:
    return int(env(name) or default)


if os.geteuid() != 0:
    raise SystemExit("run JupyterHub as root: each learner's server runs as their own Unix "
                     "account, which only root can start (deploy/README.md)")

COHORTS = Path(env("COURSE_COHORTS") or REPO / "cohorts")
cohort_dir = env("COURSE_COHORT_DIR", str(COHORTS / "demo"))
COHORT = Path(cohort_dir).resolve() if cohort_dir else None
COURSE_ID = cohort.config(COHORT if COHORT else REPO).CourseDirectory.course_id
EXCHANGE = env("COURSE_EXCHANGE_ROOT") or "/srv/nbgrader/exchange"
GRADER_USER = env("COURSE_GRADER_USER") or f"grader-{COURSE_ID}"
APPS_USER = env("COURSE_APPS_USER") or "course-apps"
ROLEPLAY_GROUP = roleplay_group()
PATH = f"{BIN}:/usr/local/bin:/usr/bin:/bin"

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
c.JupyterHub.template_paths = [str(DEPLOY / "hub_templates")]  # the page beyond the server cap

# --- who may log in, in which hub groups -------------------------------------------------------
LEARNERS, TRAINERS, HR = f"nbgrader-{COURSE_ID}", f"formgrade-{COURSE_ID}", f"hr-{COURSE_ID}"
c.JupyterHub.authenticator_class = "hub_accounts.CoursePAMAuthenticator"
c.CoursePAMAuthenticator.unix_to_hub = {
    env("COURSE_LEARNERS_GROUP") or "course-learners": LEARNERS,
    env("COURSE_TRAINERS_GROUP") or "course-trainers": TRAINERS,
    env("COURSE_HR_GROUP") or "course-hr": HR,
}
c.PAMAuthenticator.allowed_groups = set(c.CoursePAMAuthenticator.unix_to_hub)
c.Authenticator.manage_groups = True  # hub groups = the Unix groups, at each login
# For logins with the organisation's accounts use an OAuthenticator (deploy/README.md).


def _groups(user) -> set[str]:
    return {group.name for group in user.groups}


def _landing(handler) -> str:
    """After login: HR to the dashboard, trainers to the hub's home (their lab, the formgrader
    and the apps), learners ("": the hub's default) to their own JupyterLab, started if needed."""
    user = handler.current_user
    groups = _groups(user) if user else set()
    if TRAINERS in groups:
        return "/hub/home"
    return "/services/dashboard/voila/render/dashboard.ipynb" if HR in groups else ""


c.JupyterHub.default_url = _landing

# --- each learner's own JupyterLab -------------------------------------------------------------
# LocalProcessSpawner: a server is a process of the learner's own Unix account in their home.
# SystemdSpawner would add memory and CPU limits per learner, but needs systemd as PID 1, which
# containers and this project's CI machines do not have (deploy/README.md).
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = c.Spawner.http_timeout = 120  # a busy 2-core machine is slow to start
c.Spawner.environment = {"PATH": PATH, "COURSE_EXCHANGE_ROOT": EXCHANGE}
# nbgrader asks the hub for the user's groups (JupyterHubAuthPlugin) with the server's token
c.Spawner.server_token_scopes = ["users:activity!user", "read:users:name!user",
                                 "read:users:groups!user"]


def _learner_or_trainer_config(spawner) -> None:
    """A trainer's server gets the course list; a learner's only the Assignments tab."""
    folders = [DEPLOY / "learner"]
    if TRAINERS in _groups(spawner.user):
        folders.insert(0, DEPLOY / "trainer")
    spawner.environment = {**spawner.environment,  # a copy: the configured dict is shared
                           "JUPYTER_CONFIG_PATH": os.pathsep.join(map(str, folders))}


c.Spawner.pre_spawn_hook = _learner_or_trainer_config
# Beyond this many servers at once the hub refuses to start another (HTTP 429) and shows
# hub_templates/error.html; size it from memory (deploy/README.md, "Capacity").
SERVER_LIMIT = _int("COURSE_ACTIVE_SERVER_LIMIT", 30)
c.JupyterHub.active_server_limit = SERVER_LIMIT
c.JupyterHub.template_vars = {"course_server_limit": SERVER_LIMIT}

# --- services ----------------------------------------------------------------------------------
services = []
if COHORT:  # the trainers' formgrader (nbgrader docs: "one class, multiple graders")
    GRADER_PORT = _int("COURSE_GRADER_PORT", 10104)
    services.append({
        "name": COURSE_ID,  # nbgrader finds a course's formgrader by this name
        "url": f"http://127.0.0.1:{GRADER_PORT}",
        "command": [str(BIN / "jupyterhub-singleuser"), f"--ServerApp.root_dir={COHORT}",
                    f"--config={DEPLOY / 'formgrader_server_config.py'}"],
        "cwd": str(COHORT),  # nbgrader reads the cohort's nbgrader_config.py from here
        "environment": {"PATH": PATH, "JUPYTERHUB_DEFAULT_URL": "/formgrader"},
        "user": GRADER_USER,
        "oauth_no_confirm": True,
    })

# The role-play app reads the cohorts' role-play folders only, shared with its account's group
# beside the cohorts (deploy/hub_share.py); without the group every play would be practice.
try:
    pwd.getpwnam(APPS_USER)
except KeyError:
    pass  # no such account: JupyterHub says so when it starts the service
else:
    if not is_member(APPS_USER, ROLEPLAY_GROUP):
        raise SystemExit(f"{APPS_USER} is not in the group {ROLEPLAY_GROUP}, so the role-play app "
                         "could not record any play: run deploy/setup-hub.sh (deploy/README.md)")
# The cap on each app's visitors' kernels (servicecourse/serving/kernel_cap.py). The three
# services would each size theirs from the same free memory, beside the learners' servers: HR
# and trainers are few, so their apps get a small fixed cap; the role-play app's is sized from
# memory unless COURSE_ROLEPLAY_KERNEL_CAP says otherwise.
STAFF_KERNEL_CAP = _int("COURSE_STAFF_KERNEL_CAP", 8)
VOILA = {  # name: (port, preheated kernels, kernel cap (None: from memory), account, cohorts)
    "roleplay": (_int("COURSE_ROLEPLAY_PORT", 10101), _int("COURSE_APPS_PREHEAT", 4),
                 _int("COURSE_ROLEPLAY_KERNEL_CAP", 0) or None, APPS_USER, shared_root(COHORTS)),
    "dashboard": (_int("COURSE_DASHBOARD_PORT", 10102), 1, STAFF_KERNEL_CAP, GRADER_USER, COHORTS),
    "debrief": (_int("COURSE_DEBRIEF_PORT", 10103), 1, STAFF_KERNEL_CAP, GRADER_USER, COHORTS),
}
for name, (port, preheat, kernel_cap, user, cohorts) in VOILA.items():
    services.append({
        "name": name,
        "url": f"http://127.0.0.1:{port}",
        # a folder holding this one app only (a link to apps/<name>.ipynb): the service
        # serves nothing else, so its access scope is the app's
        # the course server's settings behind the hub's login: deploy/voila_config.py
        "command": voila_command(port, preheat=preheat, apps=DEPLOY / "apps" / name, kernel_cap=kernel_cap,
                                 config=DEPLOY / "voila_config.py", base_url=f"/services/{name}/"),
        "cwd": str(REPO),
        "environment": {"PATH": PATH, "COURSE_COHORTS": str(cohorts),
                        "PYTHONPATH": os.pathsep.join(p for p in (str(DEPLOY), env("PYTHONPATH")) if p)},
        "user": user,
        "oauth_no_confirm": True,  # the course's own service: no "authorize access?" page
    })

IDLE_TIMEOUT = _int("COURSE_IDLE_TIMEOUT", 3600)
services.append({  # stops JupyterLab servers nobody used for IDLE_TIMEOUT seconds
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}",
                f"--cull-every={max(60, IDLE_TIMEOUT // 6)}"],
})
c.JupyterHub.services = services


def _access(*names: str) -> list[str]:
    return [f"access:services!service={name}" for name in names]


OWN_SERVER = ["servers!user", "read:servers!user", "access:servers!user", "users:activity!user"]
c.JupyterHub.load_roles = [
    # everyone who can log in: who they are, and the role-play app
    {"name": "user", "scopes": ["read:users:name!user", "read:users:groups!user",
                                *_access("roleplay")]},
    {"name": "course-learner", "groups": [LEARNERS], "scopes": OWN_SERVER},
    {"name": "course-trainer", "groups": [TRAINERS], "scopes": [
        *OWN_SERVER, *_access("dashboard", "debrief", *([COURSE_ID] if COHORT else [])),
        "list:services", *([f"read:services!service={COURSE_ID}"] if COHORT else [])]},
    {"name": "course-hr", "groups": [HR], "scopes": _access("dashboard")},
    {"name": "idle-culler", "services": ["idle-culler"], "scopes": [
        "list:users", "read:users:activity", "read:servers", "delete:servers"]},
]

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
