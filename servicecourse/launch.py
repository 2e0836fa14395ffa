"""Start the course on this machine: the static site, the Voila apps and JupyterLab for exercises.

Every server listens on localhost only. JupyterLab runs code, so it keeps a token, which the
printed URL carries; the Voila apps run no code sent by the browser.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from servicecourse.paths import EXERCISES, REPO

WORKSPACE = REPO / "workspace"  # the learner's own copies of the exercises: ignored by git


def prepare_workspace(workspace: Path = WORKSPACE) -> list[Path]:
    """Copy each released module into the workspace, never overwriting a learner's work."""
    copied = []
    for module in sorted(p for p in EXERCISES.iterdir() if p.is_dir()):
        target = workspace / module.name
        if not target.exists():
            shutil.copytree(module, target)
            copied.append(target)
    return copied


def voila_command(port: int, preheat: int = 4, apps: Path = REPO / "apps") -> list[str]:
    """The Voila server of the apps in ``apps``, as `course serve`, the tests and the hub start it.

    ``preheat`` kernels wait with the role-play app already drawn (0: none), so a visitor's page
    renders without starting a kernel; the HR dashboard and the trainer debrief, opened by a few
    people, keep one each. Only the widget manager's front-end extensions are loaded, and the
    course template fetches nothing from another host.
    """
    pools = {"roleplay.ipynb": {"pool_size": preheat},
             "default": {"pool_size": min(preheat, 1)}}
    return [sys.executable, "-m", "servicecourse.voila_server", str(apps),
            f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1",
            "--template=course",
            "--VoilaConfiguration.extension_allowlist=@jupyter-widgets/jupyterlab-manager",
            "--VoilaConfiguration.extension_allowlist=@voila-dashboards/widgets-manager8",
            *(["--VoilaConfiguration.preheat_kernel=True",
               f"--VoilaKernelManager.kernel_pools_config={pools!r}"] if preheat else []),
            # Pool kernels run the notebook all at once at start; on a busy machine their output
            # can come more than nbclient's default 4 s after the cell's reply, and Voila would
            # then serve a page with the cell empty (seen with a pool of 20 on 2 cores).
            "--VoilaExecutor.iopub_timeout=60",
            "--MappingKernelManager.cull_idle_timeout=1800",
            "--MappingKernelManager.cull_interval=300"]


def serve(site_port: int = 8000, apps_port: int = 8866, lab_port: int = 8888,
          roleplay_pool: int = 4) -> int:
    """Run the three servers until Ctrl-C; print where each one is."""
    site = REPO / "_build" / "html"
    if not (site / "index.html").exists():
        print("the site is not built: run `make site` first", file=sys.stderr)
        return 1
    prepare_workspace()
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
                                  stderr=subprocess.STDOUT) for name, command in servers.items()]
    print(f"""
The service-culture course is running (logs in {logs}):
  course site (read the chapters):   http://127.0.0.1:{site_port}/
  role-play app (Voila):             http://127.0.0.1:{apps_port}/voila/render/roleplay.ipynb
  HR dashboard (Voila):              http://127.0.0.1:{apps_port}/voila/render/dashboard.ipynb
  trainer debrief (Voila):           http://127.0.0.1:{apps_port}/voila/render/debrief.ipynb
  exercises (JupyterLab):            http://127.0.0.1:{lab_port}/lab?token={token}
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
