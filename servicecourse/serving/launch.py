"""Start the course on this machine: the static site, the Voila apps and JupyterLab for exercises.

Every server listens on localhost only. JupyterLab runs code, so it keeps a token, which the
printed URL carries; the Voila apps run no code sent by the browser.

JupyterLab is a learner's, as on the hub (deploy/learner/: nbgrader's Assignments tab, no
formgrader, no Create Assignment), with the demo cohort's exchange: the machine's user, a
learner on the demo roster, fetches the modules there, validates and submits them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from servicecourse.course import COHORTS, EXERCISES, REPO
from servicecourse.serving.voila_server import CONFIG as VOILA_CONFIG
from servicecourse.serving.voila_server import settings as voila_settings

WORKSPACE = REPO / "workspace"  # the learner's own copies of the exercises: ignored by git
LEARNER_CONFIG = REPO / "deploy" / "learner"  # a learner's JupyterLab, here and on the hub
# seconds a Voila kernel with no page connected is kept (the server's config file says)
KERNEL_GONE_AFTER = voila_settings().MappingKernelManager.cull_idle_timeout


def prepare_workspace(workspace: Path = WORKSPACE) -> list[Path]:
    """Copy each released module into the workspace, never overwriting a learner's work."""
    copied = []
    for module in sorted(p for p in EXERCISES.iterdir() if p.is_dir()):
        target = workspace / module.name
        if not target.exists():
            shutil.copytree(module, target)
            copied.append(target)
    return copied


def voila_command(port: int, preheat: int | None = None, apps: Path = REPO / "apps",
                  kernel_cap: int | None = None, config: Path = VOILA_CONFIG,
                  base_url: str | None = None) -> list[str]:
    """The Voila server of the apps in ``apps``, as `course serve`, the tests, the benchmarks and
    the hub start it: its settings are the traitlets config file ``config``
    (``servicecourse/serving/voila_config.py``: the course template, the widgets' front end
    only, the kernels kept ready, the cull of kernels whose page is gone), and the command line
    gives only what differs between servers.

    ``preheat`` kernels wait with the role-play app already drawn (0: none; None: the file's
    4), the other apps keep one each. At most ``kernel_cap`` visitors' kernels run at once
    (None: ``COURSE_KERNEL_CAP``, else sized from memory; `servicecourse.serving.kernel_cap`).
    ``base_url`` is where the server's pages are (the hub's ``/services/NAME/``; None: ``/``).
    """
    return [sys.executable, "-m", "servicecourse.serving.voila_server", f"--config={config}",
            str(apps), f"--port={port}",
            *([f"--roleplay-pool={preheat}"] if preheat is not None else []),
            *([f"--kernel-cap={kernel_cap}"] if kernel_cap else []),
            *([f"--Voila.base_url={base_url}"] if base_url else [])]


def learner_lab_env(cohort_folder: Path = COHORTS / "demo") -> dict[str, str]:
    """The environment of a learner's JupyterLab on this machine: the learner configuration
    and, when the cohort has one, its exchange (so the Assignments tab works)."""
    from servicecourse.cohort import exchange

    env = {**os.environ, "JUPYTER_CONFIG_PATH": os.pathsep.join(
        p for p in (str(LEARNER_CONFIG), os.environ.get("JUPYTER_CONFIG_PATH")) if p)}
    root = exchange.root(cohort_folder) if (cohort_folder / "nbgrader_config.py").exists() else None
    if root is not None:
        env["COURSE_EXCHANGE_ROOT"] = str(root)
    return env


def serve(site_port: int = 8000, apps_port: int = 8866, lab_port: int = 8888,
          roleplay_pool: int = 4) -> int:
    """Run the three servers until Ctrl-C; print where each one is."""
    site = REPO / "_build" / "html"
    if not (site / "index.html").exists():
        print("the site is not built: run `make site` first", file=sys.stderr)
        return 1
    lab_env = learner_lab_env()
    if "COURSE_EXCHANGE_ROOT" not in lab_env:  # no demo exchange: copies to work on instead
        prepare_workspace()
    WORKSPACE.mkdir(exist_ok=True)
    token = secrets.token_hex(16)
    bin_dir = Path(sys.executable).parent
    servers = {
        "site": [sys.executable, "-m", "http.server", str(site_port), "--bind", "127.0.0.1",
                 "--directory", str(site)],
        "apps": voila_command(apps_port, preheat=roleplay_pool),
        "lab": [str(bin_dir / "jupyter-lab"), "--no-browser", f"--port={lab_port}",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={WORKSPACE}",
                f"--IdentityProvider.token={token}",
                # Containers and CI machines often run as root; Jupyter refuses that unless told.
                *(["--allow-root"] if os.geteuid() == 0 else [])],
    }
    logs = REPO / ".run"
    logs.mkdir(exist_ok=True)
    processes = [subprocess.Popen(command, cwd=REPO, stdout=(logs / f"{name}.log").open("w"),
                                  stderr=subprocess.STDOUT, env=lab_env if name == "lab" else None)
                 for name, command in servers.items()]
    print(f"""
The service-culture course is running (logs in {logs}):
  course site (read the chapters):   http://127.0.0.1:{site_port}/
  role-play app (Voila):             http://127.0.0.1:{apps_port}/voila/render/roleplay.ipynb
  HR dashboard (Voila):              http://127.0.0.1:{apps_port}/voila/render/dashboard.ipynb
  trainer debrief (Voila):           http://127.0.0.1:{apps_port}/voila/render/debrief.ipynb
  exercises (JupyterLab):            http://127.0.0.1:{lab_port}/lab?token={token}
                                     (menu Nbgrader > Assignment List: fetch, validate, submit)
  demo cohort report:                {REPO / 'cohorts' / 'demo' / 'reports' / 'completion.csv'}
Press Ctrl-C to stop.""", flush=True)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(1)
        print("a server stopped; see the logs above", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)
