"""The sandbox every graded kernel runs in: bubblewrap, an unprivileged user, nothing else in view.

nbgrader runs a learner's notebook in an ordinary kernel, which can read and write anything the
trainer can (its FAQ says so and points to containers). Here the kernel is started by a Jupyter
*kernel provisioner* (the documented way to change how a kernel is launched), so ``nbgrader
autograde`` uses it like any kernel: the cohort's ``nbgrader_config.py`` names the kernel spec
``servicecourse-sandbox``, whose provisioner wraps the usual ``ipykernel`` command in
`bubblewrap <https://github.com/containers/bubblewrap>`_:

- its own PID, network, IPC and UTS namespaces: no network at all, no other process in view, and
  every process it starts is killed when the kernel's namespace ends (detached ones too);
- the kernel is reached over ZeroMQ *ipc* sockets in a private folder, not over TCP;
- the only writable places are size-capped in-memory folders (its home, which is its working
  folder, and ``/tmp``), plus the private folder of its sockets, whose size a watchdog checks;
  data files handed in beside the notebook are bound read-only into the working folder; the
  notebook being graded is not (nbgrader's copy holds the restored hidden tests);
- read-only: the system (``/usr``), the Python and the venv the kernel runs on, the course package
  and the role-play scenarios. Nothing else exists in it: no cohort, ``source/``, gradebook, key,
  other learner, repository or home folder of the trainer;
- a cleared environment; limits on memory (address space), processes, file size and open files;
  a time limit for the whole notebook (nbgrader's own limit is per cell);
- an unprivileged user: when grading runs as root (a hub server, CI), the kernel runs under a
  user id of its own, taken from a range no account uses, one per kernel running at the same
  time, so one learner's processes cannot use up another's process limit; otherwise bubblewrap
  puts the kernel in a user namespace of the trainer's own, unprivileged, account.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Integer

KERNEL_NAME = "servicecourse-sandbox"
PROVISIONER_NAME = "servicecourse-sandbox"
# Private socket folders: as root under /tmp; otherwise in the grader's own home, since a folder
# of that name in /tmp could belong to anyone.
RUNTIME = (Path(tempfile.gettempdir()) / "servicecourse-sandbox" if os.geteuid() == 0
           else Path.home() / ".servicecourse-sandbox")
HOME = "/home/learner"  # the kernel's home and working folder, inside the sandbox
UID_BASE = 1_900_000_000  # user ids of sandboxed kernels (as root): far above any account's
SLOTS = 256  # kernels that may run at once, each with a user id of its own
MIB = 1024 * 1024
# This Python's venv and interpreter, as paths the sandbox can bind (a venv's python is a link
# into its base install, so neither is resolved; `..` in how Python was started is collapsed).
PREFIX = Path(os.path.normpath(sys.prefix))
PYTHON = os.path.normpath(os.path.abspath(sys.executable))


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create a sandbox on this machine."""


@dataclass(frozen=True)
class Limits:
    """What one sandboxed kernel may use."""

    memory: int = 2048 * MIB  # address space of each process (Python needs ~1 GiB of it)
    processes: int = 64  # processes and threads of its user (a kernel uses about a dozen)
    file_size: int = 16 * MIB  # largest file it may write
    open_files: int = 256
    work_space: int = 64 * MIB  # size of its home (working folder) and of its /tmp, each
    socket_folder: int = 1 * MIB  # what may pile up in the folder of its sockets
    notebook_seconds: int = 180  # the whole notebook, start to shutdown


def bwrap() -> str:
    """The bubblewrap executable, or SandboxUnavailable saying how to install it."""
    found = shutil.which("bwrap")
    if not found:
        raise SandboxUnavailable("bubblewrap is not installed (Debian: apt-get install bubblewrap); "
                                 "learner notebooks are never graded outside the sandbox")
    return found


def readonly_paths() -> list[Path]:
    """What the kernel may read: Python, the venv, the course package and the role-plays."""
    from servicecourse.course import REPO, SCENARIOS

    package = Path(__file__).resolve().parent.parent
    paths = [Path(sys.base_prefix).resolve(), PREFIX, PREFIX.resolve(), package, SCENARIOS,
             REPO / "course.yml"]
    kept: list[Path] = []
    for path in paths:
        if path.exists() and path not in kept and not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    return kept


def _parents(path: Path) -> list[str]:
    """``--dir`` arguments making every parent of ``path`` traversable (bwrap makes them 0700)."""
    arguments: list[str] = []
    for parent in reversed(path.parents[:-1]):
        if str(parent) not in ("/usr", "/tmp", HOME):
            arguments += ["--perms", "0755", "--dir", str(parent)]
    return arguments


def command(kernel: list[str], sockets: Path, data_files: list[Path], limits: Limits,
            uid: int | None) -> list[str]:
    """The bubblewrap command line that runs ``kernel`` in the sandbox.

    ``sockets`` is the private folder of the kernel's connection file and ipc sockets;
    ``data_files`` are bound read-only into its working folder; ``uid`` is the user id to run as
    (grading as root) or None (bubblewrap's unprivileged user namespace).
    """
    view = ["--ro-bind", "/usr", "/usr"]
    for link in ("bin", "sbin", "lib", "lib64", "lib32"):
        target = Path("/") / link
        if target.is_symlink():
            view += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            view += ["--ro-bind", str(target), str(target)]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "mime.types"):
        if (Path("/etc") / name).exists():
            view += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    # The in-memory folders first: a bind made before `--tmpfs /tmp` would be hidden by it (a
    # checkout, hence its venv, may well live under /tmp).
    view += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.work_space), "--perms", "1777", "--tmpfs", "/tmp",
             "--size", str(limits.work_space), "--perms", "0777", "--tmpfs", HOME]
    for path in readonly_paths():
        view += _parents(path) + ["--ro-bind", str(path), str(path)]
    for path in data_files:
        view += ["--ro-bind", str(path), f"{HOME}/{path.name}"]
    fonts = font_cache()
    if fonts:  # matplotlib would otherwise list the system's fonts again in every kernel
        view += ["--perms", "0777", "--dir", "/tmp/matplotlib",
                 "--ro-bind", str(fonts), f"/tmp/matplotlib/{fonts.name}"]
    view += _parents(sockets) + ["--bind", str(sockets), str(sockets), "--chdir", HOME]
    environment = {"HOME": HOME, "PATH": f"{Path(PYTHON).parent}:/usr/bin:/bin",
                   "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib",
                   "IPYTHONDIR": f"{HOME}/.ipython", "PYTHONDONTWRITEBYTECODE": "1",
                   "MALLOC_ARENA_MAX": "2", "JUPYTER_RUNTIME_DIR": "/tmp/jupyter"}
    settings = ["--clearenv"] + [arg for name, value in environment.items()
                                 for arg in ("--setenv", name, value)]
    isolation = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                 "--unshare-cgroup-try", "--hostname", "sandbox", "--new-session",
                 "--die-with-parent"]
    if uid is None:
        isolation.append("--unshare-user")
        become: list[str] = []
    else:  # bubblewrap runs as root: it keeps only what switching to `uid` needs
        isolation += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        become = ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                  "--inh-caps=-all", "--no-new-privs", "--"]
    limit = ["/usr/bin/prlimit", f"--as={limits.memory}", f"--nproc={limits.processes}",
             f"--fsize={limits.file_size}", f"--nofile={limits.open_files}", "--core=0", "--"]
    return [bwrap(), *isolation, *view, *settings, "--", *limit, *become, *kernel]


def font_cache() -> Path | None:
    """matplotlib's list of the system's fonts made by the grader's own account, if there is one
    (`install_kernel_spec` makes it), to be read by every sandboxed kernel instead of rebuilt."""
    folder = Path(os.environ.get("MPLCONFIGDIR") or Path.home() / ".cache" / "matplotlib")
    found = sorted(folder.glob("fontlist-v*.json"))
    return found[-1] if found else None


def _folder_size(folder: Path) -> int:
    total = 0
    for entry in os.scandir(folder):
        try:
            total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            pass
    return total


class _UidSlot:
    """A user id held for one running kernel (a lock file per slot, released at cleanup)."""

    def __init__(self) -> None:
        RUNTIME.mkdir(mode=0o711, exist_ok=True)
        for slot in range(SLOTS):
            handle = open(RUNTIME / f"slot-{slot}.lock", "a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self._handle, self.uid = handle, UID_BASE + slot
            return
        raise SandboxUnavailable(f"more than {SLOTS} sandboxed kernels at once")

    def release(self) -> None:
        self._handle.close()


class SandboxProvisioner(LocalProvisioner):
    """Launches the kernel of the ``servicecourse-sandbox`` kernel spec inside the sandbox."""

    memory_limit = Integer(Limits.memory, help="Address space of each process, in bytes.").tag(config=True)
    process_limit = Integer(Limits.processes, help="Processes and threads of the kernel's user.").tag(config=True)
    file_size_limit = Integer(Limits.file_size, help="Largest file the kernel may write, in bytes.").tag(config=True)
    work_space = Integer(Limits.work_space, help="Size of the kernel's home and /tmp, in bytes.").tag(config=True)
    notebook_timeout = Integer(Limits.notebook_seconds,
                               help="Seconds the whole notebook may take before its kernel is killed.").tag(config=True)

    _sockets: Path | None = None
    _slot: _UidSlot | None = None
    _watchdog: threading.Thread | None = None
    _stopped: threading.Event | None = None
    stopped_for: str | None = None  # why the sandbox killed the kernel, if it did

    @property
    def limits(self) -> Limits:
        """The limits of this kernel, from the provisioner's settings."""
        return Limits(memory=self.memory_limit, processes=self.process_limit,
                      file_size=self.file_size_limit, work_space=self.work_space,
                      notebook_seconds=self.notebook_timeout)

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Give the kernel ipc sockets in a private folder, then wrap its command in bubblewrap."""
        km = self.parent
        if km is None:
            raise SandboxUnavailable("the sandbox starts kernels for a kernel manager only")
        RUNTIME.mkdir(mode=0o711, exist_ok=True)
        self._sockets = Path(tempfile.mkdtemp(prefix="k", dir=RUNTIME))
        if self._slot is None and os.geteuid() == 0:
            self._slot = _UidSlot()
        uid = self._slot.uid if self._slot else None
        if uid is not None:
            os.chown(self._sockets, uid, uid)
        km.transport = "ipc"
        km.ip = str(self._sockets / "kernel")
        km.connection_file = str(self._sockets / "connection.json")
        km.cache_ports = False
        folder = Path(kwargs.get("cwd") or os.getcwd())
        data_files = sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink()
                            and p.suffix != ".ipynb" and not p.name.startswith(".")
                            and p.name != "timestamp.txt") if folder.is_dir() else []
        kwargs = await super().pre_launch(**kwargs)
        if uid is not None:
            os.chown(km.connection_file, uid, uid)
        kwargs["cmd"] = command(kwargs["cmd"], self._sockets, data_files, self.limits, uid)
        kwargs["cwd"] = str(self._sockets)
        kwargs["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        return kwargs

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Start the sandbox and a watchdog for the notebook's time and the socket folder."""
        info = await super().launch_kernel(cmd, **kwargs)
        self._stopped = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="sandbox-watchdog", daemon=True)
        self._watchdog.start()
        return info

    def _watch(self) -> None:
        deadline = time.monotonic() + self.notebook_timeout
        stopped = self._stopped
        assert stopped is not None  # set by launch_kernel before the watchdog starts
        while not stopped.wait(0.25):
            if self.process is None or self.process.poll() is not None:
                return
            if time.monotonic() > deadline:
                reason = f"the notebook ran past the sandbox's limit of {self.notebook_timeout} s"
            elif self._sockets and _folder_size(self._sockets) > Limits.socket_folder:
                reason = "the notebook wrote files where only the kernel's sockets belong"
            else:
                continue
            self.stopped_for = reason
            self.log.warning("sandbox: %s; kernel killed", reason)
            try:
                self.process.kill()
            except OSError:
                pass
            return

    async def cleanup(self, restart: bool = False) -> None:
        """Stop the watchdog, remove the socket folder and give the user id back."""
        if self._stopped:
            self._stopped.set()
        await super().cleanup(restart=restart)
        if self._sockets:
            shutil.rmtree(self._sockets, ignore_errors=True)
            self._sockets = None
        if self._slot and not restart:
            self._slot.release()
            self._slot = None


def kernel_spec() -> dict:
    """The ``servicecourse-sandbox`` kernel spec: ipykernel of this Python, our provisioner."""
    return {"argv": [PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (graded, sandboxed)", "language": "python",
            "metadata": {"kernel_provisioner": {"provisioner_name": PROVISIONER_NAME}}}


def install_kernel_spec(prefix: str | Path = PREFIX) -> Path:
    """Write the kernel spec into ``prefix``'s Jupyter data folder (idempotent); return its folder."""
    folder = Path(prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    spec = json.dumps(kernel_spec(), indent=1)
    path = folder / "kernel.json"
    if not path.exists() or path.read_text() != spec:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(spec)
    if font_cache() is None:
        import matplotlib.font_manager  # noqa: F401  (builds the font list the kernels share)
    return folder


def check() -> None:
    """Raise SandboxUnavailable unless a sandbox can really be started on this machine."""
    probe = command(["/bin/true"], Path(tempfile.gettempdir()), [], Limits(),
                    None if os.geteuid() else UID_BASE)
    result = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap cannot start a sandbox here: {result.stderr.strip()}")
