"""Benchmark: what the course's Voila server carries, measured from the server's side.

Simulated visitors (bench/voila_load.py: Voila's own protocol, no browser, so the machine's two
cores are the server's) arrive evenly within a minute, 20, 50 and 100 of them, each asking for a
role-play (all the role-plays in turn): the page, the kernel's websocket, the widget state, a
click on the first choice, its feedback. Every visitor stays until the whole crowd has played
(so the memory measured holds them all), then leaves as a closed tab does. For the role-play app
with pools of 4 (`course serve`'s default), 20 and 50 kernels, and for the one-button floor
(bench/voila_browser.py's stand-in app: what Voila itself costs, with the default pool), one server each,
in one run, with the cap on kernels `course serve` sets (sized from memory), and once more with
the default pool and a cap of 30 visitors' kernels, to see who is beyond it. Printed per crowd:

- seconds to the first choice playable (the page's first view, or the page with no kernel beyond
  the cap), to the first live widget message (the kernel's widget state) and to the first
  click's feedback (the kernel has handled it): median, 95th percentile and slowest;
- visitors not served (no playable first choice within 90 s), served on the page engine (beyond
  the cap) and first shown another role-play than the one asked for;
- memory: the server's tree idle and at its peak, per visitor, and each kernel's; CPU: the
  server's tree (Voila and its kernels, also those shut down since) and Voila alone.

Then a one-line summary per set-up and the ratio app / floor. Bounded: 5 servers, 15 crowds of
at most 100 visitors, each visitor given up after 90 s; the whole run takes about 20 minutes here
(2 cores), mostly the crowds' minutes and the pools refilling between them.

    .venv/bin/python bench/capacity.py
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

BENCH = Path(__file__).parent
sys.path.insert(0, str(BENCH))
import voila_browser as browser_bench  # noqa: E402  (its server handling and floor app)
import voila_load  # noqa: E402

from servicecourse.course import REPO  # noqa: E402
from servicecourse.roleplay.scenario import load_all  # noqa: E402
from servicecourse.serving.kernel_cap import kernel_cap  # noqa: E402

APP = "/voila/render/roleplay.ipynb"
CROWDS = (20, 50, 100)
WITHIN = 60.0  # seconds over which a crowd arrives
LIMIT = 90.0  # seconds a visitor is waited for
GOAL_FIRST, GOAL_LIVE = 1.0, 3.0  # seconds, 95th percentile: first choice playable, live app
SMALL_CAP = 30  # a cap below the crowds, to see visitors beyond it


def tree_cpu(pid: int) -> tuple[float, float]:
    """CPU seconds used so far by a server's tree (its kernels, also those it has reaped) and
    by the server process alone."""
    root = psutil.Process(pid)
    times = root.cpu_times()
    alone = times.user + times.system
    total = alone + times.children_user + times.children_system
    for child in root.children(recursive=True):
        try:
            child_times = child.cpu_times()
            total += child_times.user + child_times.system
        except psutil.NoSuchProcess:
            pass
    return total, alone


def show(value: float) -> str:
    """Seconds, two decimals; never reached (infinite) as more than the limit."""
    return f">{LIMIT:.0f}" if value == math.inf else f"{value:.2f}"


def spread(values: list[float | None]) -> str:
    """"median / 95th percentile / slowest" in seconds; a visitor who never got there counts as
    slowest of all."""
    if not values:
        return "--"
    times = sorted(math.inf if v is None else v for v in values)
    return f"{show(statistics.median(times))} / {show(browser_bench.p95(times))} / {show(times[-1])} s"


def run_crowd(base: str, pid: int, size: int, asked: list[str | None]) -> dict:
    """One crowd of ``size`` visitors; the visits and the server's memory and CPU meanwhile."""
    idle = browser_bench._tree_rss_mb(pid)
    cpu_before = tree_cpu(pid)
    peak, kernels, sampling = [idle], [], threading.Event()

    def sample():
        while not sampling.is_set():
            peak.append(browser_bench._tree_rss_mb(pid))
            time.sleep(0.25)

    def while_present():  # everyone has played and is still there
        kernels.extend(browser_bench.kernels_mb(pid))
        peak.append(browser_bench._tree_rss_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    visits = voila_load.crowd(base, APP, [asked[i % len(asked)] for i in range(size)], within=WITHIN,
                              limit=LIMIT, while_present=while_present)
    sampling.set()
    sampler.join()
    cpu_after = tree_cpu(pid)
    return {"visits": visits, "idle": idle, "peak": max(peak), "kernels": kernels,
            "cpu": cpu_after[0] - cpu_before[0], "voila cpu": cpu_after[1] - cpu_before[1]}


def kernel_after_a_play(base: str, pid: int, scenario: str) -> float | None:
    """The memory (MB) of the kernel of one visitor who has played a whole role-play (each
    beat's first choice) to its debrief, with its chart: more than at the first choice, since
    the chart loads matplotlib."""
    with voila_load.present(base, APP, scenario, limit=LIMIT, through=True) as record:
        for process in psutil.Process(pid).children(recursive=True):
            if record.ended and record.kernel_id and record.kernel_id in " ".join(process.cmdline()):
                return process.memory_info().rss / 2**20
    return None


def playable(visit: voila_load.Visit) -> float | None:
    """When the visitor could make the first choice: the first view, the page engine, or (an app
    with no first view) the live widget."""
    return visit.first_view if visit.first_view is not None else visit.playable


def report_crowd(size: int, crowd: dict) -> dict:
    """Print one crowd's line; return its figures for the summaries."""
    visits = crowd["visits"]
    live = [v for v in visits if not v.page_engine]
    unserved = [v for v in visits if not v.served]
    wrong = sum(1 for v in visits if v.asked and v.first_shown not in (None, v.asked))
    on_page = sum(v.page_engine for v in visits)
    kernels = crowd["kernels"]
    per_visitor = (crowd["peak"] - crowd["idle"]) / max(1, len(live))
    figures = {
        "first p95": browser_bench.p95([math.inf if playable(v) is None else playable(v) for v in visits]),
        "live p95": browser_bench.p95([math.inf if v.feedback is None else v.feedback for v in live])
        if live else math.inf,
        "live median": statistics.median([math.inf if v.feedback is None else v.feedback for v in live])
        if live else math.inf,
        "unserved": len(unserved), "page engine": on_page, "mb per visitor": per_visitor,
        "cpu per visitor": crowd["cpu"] / size, "kernel mb": statistics.median(kernels) if kernels else 0.0,
    }
    problems = sorted({v.error for v in unserved if v.error})
    print(f"  {size:3} visitors: first choice playable {spread([playable(v) for v in visits])}; "
          f"live widgets {spread([v.widgets for v in live])}; first click's feedback "
          f"{spread([v.feedback for v in live])}", flush=True)
    print(f"               not served {len(unserved)}, on the page engine {on_page}, first shown "
          f"another role-play {wrong}; memory: idle {crowd['idle']:.0f} MB, peak {crowd['peak']:.0f} MB "
          f"({per_visitor:.0f} MB per live visitor), {len(kernels)} kernels of "
          f"{figures['kernel mb']:.0f} MB (median); CPU: {crowd['cpu']:.1f} s "
          f"(Voila alone {crowd['voila cpu']:.1f} s), {figures['cpu per visitor']:.2f} s per visitor",
          flush=True)
    for problem in problems[:3]:
        print(f"               unserved: {problem}", flush=True)
    return figures


def summary(label: str, results: dict[int, dict], played: float | None) -> str:
    """One line: which crowds met the goal (and why not), and what a visitor costs (``played``:
    the MB of a kernel after a complete play, if measured)."""
    verdicts = []
    for size, f in results.items():
        misses = [f"{f['unserved']} unserved"] if f["unserved"] else []
        misses += [f"first choice p95 {show(f['first p95'])} s"] if f["first p95"] > GOAL_FIRST else []
        misses += [f"live p95 {show(f['live p95'])} s"] if f["live p95"] > GOAL_LIVE else []
        verdicts.append(f"{size} met it" if not misses else f"{size} not ({', '.join(misses)})")
    mb = statistics.median(f["mb per visitor"] for f in results.values())
    cpu = statistics.median(f["cpu per visitor"] for f in results.values())
    engine = results[max(results)]["page engine"]
    return (f"{label}: goal (first choice p95 <= {GOAL_FIRST:.0f} s, live app p95 <= {GOAL_LIVE:.0f} s, "
            f"nobody unserved): {'; '.join(verdicts)}" + (f", {engine} of {max(results)} on the page "
                                                         f"engine" if engine else "")
            + f"; a visitor costs {mb:.0f} MB and {cpu:.2f} s of CPU ({1024 / mb:.0f} visitors per GB, "
            f"{60 / cpu:.0f} per core-minute)" + (f", {played:.0f} MB after a complete play "
                                                  f"({1024 / played:.0f} per GB)" if played else ""))


def main() -> None:
    cap = kernel_cap()
    scenarios: list[str | None] = sorted(load_all())
    setups = [("role-play app, pool of 4 (default)", 4, None, None),
              ("role-play app, pool of 20", 20, None, None),
              ("role-play app, pool of 50", 50, None, None),
              (f"role-play app, pool of 4, kernel cap {SMALL_CAP}", 4, SMALL_CAP, None),
              ("floor: one button, pool of 4", 4, None, "floor")]
    print(f"The course's Voila server, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.1f} GiB, kernel cap {cap} (from memory): "
          f"visitors arriving evenly within {WITHIN:.0f} s (Voila's protocol, no browser); "
          f"times median / 95th percentile / slowest", flush=True)
    results: dict[str, dict[int, dict]] = {}
    played: dict[str, float | None] = {}
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        for port, (label, pool, cap_given, floor) in enumerate(setups, start=8950):
            apps = browser_bench.floor_apps(scratch_path / "floor") if floor else REPO / "apps"
            server = browser_bench.start(pool, port, scratch_path / f"home-{port}", apps, kernel_cap=cap_given)
            print(f"{label}:", flush=True)
            try:
                results[label] = {}
                for size in CROWDS:
                    crowd = run_crowd(f"http://127.0.0.1:{port}", server.pid, size,
                                      [None] if floor else scenarios)
                    results[label][size] = report_crowd(size, crowd)
                    browser_bench.wait_quiet(server.pid)  # the crowd gone, the pool full again
                if not floor:
                    played[label] = kernel_after_a_play(f"http://127.0.0.1:{port}", server.pid,
                                                        "serve-call-centre")
                    print(f"  a kernel after a complete play (debrief and chart drawn): "
                          f"{played[label] or 0:.0f} MB", flush=True)
            finally:
                browser_bench.stop(server)
    print("Summary:")
    for label, figures in results.items():
        print(f"  {summary(label, figures, played.get(label))}")
    app, floor = results[setups[0][0]], results[setups[-1][0]]
    ratios = ", ".join(
        f"{size}: CPU {app[size]['cpu per visitor'] / floor[size]['cpu per visitor']:.2f}, memory "
        f"{app[size]['mb per visitor'] / floor[size]['mb per visitor']:.2f}, live median "
        f"{app[size]['live median'] / floor[size]['live median']:.2f}" for size in CROWDS)
    print(f"role-play app / one-button floor, both with a pool of 4, per visitor: {ratios}")
    print(f"(the whole run: {(time.monotonic() - began) / 60:.0f} minutes)")


if __name__ == "__main__":
    main()
