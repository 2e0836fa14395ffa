"""Does every graded kernel run in the sandbox, and does each of the sandbox's limits hold?

Each test starts a real kernel of the ``servicecourse-sandbox`` kernel spec (bubblewrap), runs a
learner's code in it and looks from outside at what that code could reach or leave behind.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import psutil
import pytest
from jupyter_client import KernelManager
from traitlets.config import Config

from servicecourse.course import REPO
from servicecourse.grading import sandbox

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def kernel_spec():
    sandbox.check()
    sandbox.install_kernel_spec()


def run(code: str, cwd: Path | None = None, timeout: float = 60, **limits) -> dict:
    """Run ``code`` in a sandboxed kernel; its printed text, error, and what the kernel was."""
    config = Config({"SandboxProvisioner": limits})
    manager = KernelManager(kernel_name=sandbox.KERNEL_NAME, config=config)
    manager.start_kernel(cwd=str(cwd or REPO))
    client = manager.client()
    client.start_channels()
    printed, error = [], None
    try:
        client.wait_for_ready(timeout=60)
        pid = manager.provisioner.process.pid

        message_id = client.execute(code)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not manager.is_alive():
                error = error or "the kernel died"
                break
            try:
                message = client.get_iopub_msg(timeout=0.5)
            except Exception:  # noqa: BLE001 - queue.Empty: nothing yet
                continue
            if message["parent_header"].get("msg_id") != message_id:
                continue
            content = message["content"]
            if message["msg_type"] == "stream":
                printed.append(content["text"])
            elif message["msg_type"] == "error":
                error = f"{content['ename']}: {content['evalue']}"
            elif message["msg_type"] == "status" and content["execution_state"] == "idle":
                break
        else:
            error = error or "no reply before the test's timeout"
        return {"out": "".join(printed), "error": error, "pid": pid,
                "connection": dict(manager.get_connection_info()),
                "stopped_for": manager.provisioner.stopped_for if manager.provisioner else None}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_the_kernel_is_reached_over_ipc_sockets_not_tcp():
    result = run("print('hello')")
    assert result["out"] == "hello\n"
    assert result["connection"]["transport"] == "ipc"


def test_the_kernel_runs_as_an_unprivileged_user_with_a_cleared_environment():
    os.environ["COURSE_SECRET_FOR_TEST"] = "do-not-show"
    result = run("import os; print(os.getuid(), os.getgid(), sorted(os.environ))")
    uid, gid, names = result["out"].split(" ", 2)
    assert int(uid) != 0 and int(gid) != 0
    assert "COURSE_SECRET_FOR_TEST" not in names and "do-not-show" not in result["out"]


def test_nothing_of_the_machine_is_visible_but_python_the_venv_and_the_course_package(tmp_path):
    canary = tmp_path / "trainer-secret.txt"
    canary.write_text("secret")
    probe = [str(canary), str(REPO / "solutions"), str(REPO / "cohorts"), str(REPO / ".git"),
             str(REPO / "nbgrader_config.py"), "/etc/passwd", "/etc/shadow",
             str(sandbox.RUNTIME / "slot-0.lock")]
    result = run(f"import os; print([p for p in {probe!r} if os.path.exists(p) and "
                 f"(os.path.isfile(p) or os.listdir(p))])")
    assert result["out"].strip() == "[]", result
    # The trainer's home holds nothing but the way to the Python install, when Python is in it.
    home = run(f"import os; print(sorted(os.path.join(d, n) for d, ds, fs in os.walk({str(Path.home())!r}) "
               f"for n in ds + fs if not os.path.join(d, n).startswith({os.sys.base_prefix!r})))")
    allowed = {str(p) for p in Path(os.sys.base_prefix).parents}
    assert set(eval(home["out"])) <= allowed, home  # noqa: S307 (our own printed list)


def test_the_system_the_venv_and_the_package_are_read_only():
    targets = ["/usr/x", f"{os.sys.prefix}/x", str(REPO / "servicecourse" / "x"), str(REPO / "scenarios" / "x")]
    result = run("bad = []\nfor p in %r:\n    try:\n        open(p, 'w')\n        bad.append(p)\n"
                 "    except OSError:\n        pass\nprint(bad)" % targets)
    assert result["out"].strip() == "[]"
    assert not any(Path(t).exists() for t in targets)


def test_there_is_no_network_not_even_to_local_services():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        accepted = []
        server.settimeout(3)
        def accept():
            try:
                accepted.append(server.accept())
            except OSError:  # timed out: nobody connected
                pass

        waiter = threading.Thread(target=accept, daemon=True)
        waiter.start()
        result = run(f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                     f"    print('connected')\nexcept OSError as e:\n    print('refused', e)")
        waiter.join(4)
    assert result["out"].startswith("refused") and not accepted


def test_data_files_are_in_the_working_folder_read_only_but_notebooks_are_not(tmp_path):
    (tmp_path / "survey.csv").write_text("a,b\n1,2\n")
    (tmp_path / "serve.ipynb").write_text('{"hidden": "tests"}')
    result = run("import os\nprint(sorted(os.listdir('.')), open('survey.csv').read().splitlines()[0])\n"
                 "try:\n    open('survey.csv', 'a').write('x')\nexcept OSError:\n    print('read-only')",
                 cwd=tmp_path)
    assert "survey.csv" in result["out"] and "serve.ipynb" not in result["out"]
    assert "a,b" in result["out"] and "read-only" in result["out"]


def test_files_written_stay_inside_the_sandbox(tmp_path):
    result = run("open('answer-key.txt', 'w').write('x'); open('/tmp/y', 'w').write('y'); print('ok')",
                 cwd=tmp_path)
    assert result["out"] == "ok\n"
    assert list(tmp_path.iterdir()) == []


def test_memory_is_limited():
    result = run("try:\n    block = bytearray(3 * 1024 ** 3)\n    print('allocated')\n"
                 "except MemoryError:\n    print('refused')", memory_limit=1536 * 1024 * 1024)
    assert result["out"].strip() == "refused"


def test_file_size_is_limited():
    result = run("try:\n    open('big', 'wb').write(b'x' * (64 * 1024 * 1024))\n    print('written')\n"
                 "except OSError as e:\n    print(e.errno)", file_size_limit=8 * 1024 * 1024)
    assert result["out"].strip() == "27"  # EFBIG


def test_the_working_space_is_limited():
    result = run("n = 0\ntry:\n    for i in range(100):\n        open(f'f{i}', 'wb').write(b'x' * 4_000_000)\n"
                 "        n += 1\nexcept OSError as e:\n    print('full after', n, e.errno)",
                 work_space=16 * 1024 * 1024)
    assert result["out"].startswith("full after") and int(result["out"].split()[2]) < 5


def test_processes_are_limited_and_none_outlives_the_kernel():
    code = ("import subprocess\nmade = 0\ntry:\n    for _ in range(200):\n"
            "        subprocess.Popen(['sleep', '600'], start_new_session=True)\n        made += 1\n"
            "except OSError:\n    pass\nprint(made)")
    result = run(code, process_limit=48)
    made = int(result["out"].split()[-1])
    assert 0 < made < 48
    time.sleep(1)
    sleepers = [p for p in psutil.process_iter(["cmdline", "uids"])
                if p.info["cmdline"] == ["sleep", "600"]]
    assert sleepers == [], "processes of the sandbox outlived its kernel"


def test_the_whole_notebook_has_a_time_limit():
    started = time.monotonic()
    result = run("import time\nfor _ in range(10):\n    time.sleep(2)", timeout=60, notebook_timeout=6)
    assert time.monotonic() - started < 30
    assert result["error"] and "limit of 6 s" in (result["stopped_for"] or "")


def test_other_processes_cannot_be_seen_or_signalled():
    result = run("import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n"
                 f"try:\n    os.kill({os.getpid()}, 9)\n    print('killed')\n"
                 "except OSError as e:\n    print('no', e.errno)")
    pids = eval(result["out"].splitlines()[0])  # noqa: S307 (our own printed list)
    assert max(pids) < 100 and "no 3" in result["out"]  # ESRCH: our process is not there
    assert psutil.pid_exists(os.getpid())


def test_a_second_kernel_runs_under_another_user_id_when_grading_as_root():
    if os.geteuid() != 0:
        pytest.skip("user ids per kernel are given only when grading runs as root")
    first = sandbox._UidSlot()
    try:
        result = run("import os; print(os.getuid())")
        assert int(result["out"]) != first.uid
    finally:
        first.release()


def test_what_is_bound_is_bound_after_the_in_memory_folders_so_a_checkout_under_tmp_is_seen():
    argv = sandbox.command(["python"], Path("/tmp/servicecourse-sandbox/k1"), [], sandbox.Limits(), None)
    tmpfs = max(i for i, arg in enumerate(argv) if arg == "--tmpfs")
    binds = [i for i, arg in enumerate(argv) if arg == "--ro-bind" and argv[i + 1] in
             {str(p) for p in sandbox.readonly_paths()}]
    assert binds and min(binds) > tmpfs
