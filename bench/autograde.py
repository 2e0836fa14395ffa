"""Benchmark: `course cohort autograde` (parallel, sandboxed) against plain sequential nbgrader.

Builds one synthetic cohort of N learners over every module with a realistic mix of correct,
partial, wrong (blank) and broken submissions, and grades a copy of it three ways in the same run:
plain `nbgrader autograde` one module after the other with an ordinary kernel (what a trainer
would do without the course), the course's parallel autograde with the sandbox switched off, and
the course's autograde as trainers run it (sandboxed, answers also read as data). Prints wall
time, notebooks per minute, peak memory, the sandbox's cost, the speed-up over plain nbgrader and
whether honest submissions got identical grades. Targets: sandbox cost at most 10%, speed-up at
least 1.7x on 2 cores.

    .venv/bin/python bench/autograde.py --learners 100
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from servicecourse import cohort
from servicecourse.cohort.submissions import answer, honest_answers
from servicecourse.course import modules

BIN = Path(sys.executable).parent
MIX = {"correct": 0.4, "partial": 0.3, "wrong": 0.2, "broken": 0.1}


def _tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    rss = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total / 1e6


def _measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak MB of its process tree)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_mb(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    stop.set()
    sampler.join()
    return time.perf_counter() - start, peak


def _submission(kind: str, release: Path, answers: dict[str, str], rng: random.Random) -> str:
    if kind == "partial":
        answers = dict(rng.sample(sorted(answers.items()), k=len(answers) // 2))
    elif kind == "wrong":
        answers = {}
    elif kind == "broken":
        if rng.random() < 0.5:
            return '{"cells": [ truncated upload'
        first = sorted(answers)[0]
        answers = {first: "import os\nos._exit(1)"}
    return nbformat.writes(answer(release, answers))


def build(folder: Path, learners: int, seed: int = 1) -> int:
    """A cohort with every module released and one submission per learner and module."""
    rng = random.Random(seed)
    cohort.create(folder)
    api = cohort.api(folder)
    count = 0
    for module in modules():
        cohort.run(api.generate_assignment(module), module)
        release = folder / "release" / module / f"{module}.ipynb"
        for number in range(learners):
            kind = rng.choices(list(MIX), list(MIX.values()))[0]
            learner = f"learner-{number:03d}"
            target = folder / "submitted" / learner / module / release.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_submission(kind, release, honest_answers(folder, module, learner), rng))
            count += 1
    return count


def grades(folder: Path) -> dict:
    with Gradebook(cohort.db_url(folder)) as gradebook:
        return {(s.student.id, a.name, g.name): g.auto_score for a in gradebook.assignments
                for s in a.submissions for n in s.notebooks for g in n.grades}


def _copy(base: Path, target: Path) -> Path:
    """A copy of the built cohort that grades into its own folder and gradebook."""
    shutil.copytree(base, target)
    cohort.create(target)  # rewrites the config for the copy's own folder
    shutil.copy(base / "gradebook.db", target / "gradebook.db")
    return target


def _course(folder: Path, workers: int, sandbox: bool) -> tuple[float, float]:
    """The course's autograde on ``folder``, as a trainer runs it or with the sandbox off."""
    if sandbox:
        return _measure([str(BIN / "course"), "cohort", "autograde", "--cohort", str(folder),
                         "--workers", str(workers)], folder)
    return _measure([sys.executable, "-c", "import sys; from servicecourse.grading.autograde import "
                     "autograde_cohort; autograde_cohort(sys.argv[1], int(sys.argv[2]), progress=False, "
                     "use_sandbox=False)", str(folder), str(workers)], folder)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--learners", type=int, default=100)
    options.add_argument("--workers", type=int, default=os.cpu_count())
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as scratch:
        base = Path(scratch) / "base"
        notebooks = build(base, args.learners)
        print(f"cohort: {args.learners} learners x {len(modules())} modules = {notebooks} notebooks; "
              f"mix {MIX}; {os.cpu_count()} cores")
        sequential = _copy(base, Path(scratch) / "sequential")
        results: dict[str, list[tuple[float, float]]] = {"sequential": [], "no sandbox": [], "sandboxed": []}
        total, top = 0.0, 0.0
        for module in modules():  # plain nbgrader, one module after the other, as a trainer would
            seconds, peak = _measure([str(BIN / "nbgrader"), "autograde", module,
                                      "--Execute.kernel_name=python3"], sequential)
            total, top = total + seconds, max(top, peak)
        results["sequential"].append((total, top))
        # The two course runs alternate (A B B A) so that a change of the machine's load in
        # between weighs on both alike; each run grades a fresh copy.
        for number, sandboxed in enumerate((False, True, True, False)):
            folder = _copy(base, Path(scratch) / f"course-{number}")
            results["sandboxed" if sandboxed else "no sandbox"].append(_course(folder, args.workers, sandboxed))
            if number == 1:
                graded_sandboxed = grades(folder)
            if number == 0:
                graded_plain_course = grades(folder)
        for name, runs in results.items():
            seconds = sum(r[0] for r in runs) / len(runs)
            print(f"{name:10}: {seconds:7.1f} s  {notebooks / seconds * 60:6.1f} notebooks/min  "
                  f"peak memory {max(r[1] for r in runs):7.0f} MB  (runs: "
                  f"{', '.join(f'{r[0]:.1f} s' for r in runs)})")
        mean = {name: sum(r[0] for r in runs) / len(runs) for name, runs in results.items()}
        cost = mean["sandboxed"] / mean["no sandbox"] - 1
        print(f"sandbox cost (sandboxed / no sandbox - 1, means of 2 runs each): {cost:+.1%} "
              f"(target: at most +10%)")
        print(f"speed-up (plain sequential nbgrader / sandboxed course autograde): "
              f"{mean['sequential'] / mean['sandboxed']:.2f}x with {args.workers} workers (target: at least 1.7x)")
        plain = grades(sequential)
        for name, ours in (("no sandbox", graded_plain_course), ("sandboxed", graded_sandboxed)):
            shared = set(plain) & set(ours)
            same = all(plain[key] == ours[key] for key in shared) and set(ours) <= set(plain)
            print(f"grades of {name} identical to plain nbgrader: {same} (on the {len(shared)} grade "
                  f"cells of the {len({k[:2] for k in shared})} submissions both graded)")
        left = {k[:2] for k in set(plain) - set(graded_sandboxed)}
        print(f"broken submissions plain nbgrader left half-recorded (course reports them as failed "
              f"and records nothing): {len(left)}")


if __name__ == "__main__":
    main()
