"""Benchmark: the role-play app in Voila, as visitors see it.

For a server with no preheated kernels, with the pool `course serve` keeps (4) and with a pool as
large as a class (20), and, as a floor, for a stand-in app holding a single button (what Voila's
own front end costs, whatever the app):

- first render: seconds from the request to the first choice on screen, the median of three
  visits, each made once the server has refilled its pool and gone quiet: the page's HTML
  complete (the server's part), the first view's choice painted (the role-play as the page draws
  it before Voila's front end has loaded, playable; see servicecourse/roleplay/first_view.py), the page's
  scripts loaded, and the live widget's choice painted (Voila's front end connected to the
  kernel). Paint times are the browser's own (Element Timing), read in the page. Visits with an
  empty browser cache (a first visit) and with the scripts cached (a return visit);
- 20 visitors at once, each with an empty browser cache: median, 95th percentile and slowest of
  the live choice painted (a visitor still waiting after 5 minutes is counted, not waited for),
  and the median of the first view; memory: the Voila process
  tree idle and at its peak, and each session's kernel; and the CPU time the server (Voila and
  its kernels) and the browser used meanwhile.

    .venv/bin/python bench/voila_browser.py

The browser runs on the same machine as the server, so on 2 cores the figures include the
browser's own work on the page; compare set-ups with each other and with the floor in one run.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).parent))
from autograde import _tree_rss_mb  # noqa: E402  (one memory sampler for every benchmark)

from servicecourse.course import REPO  # noqa: E402
from servicecourse.serving.launch import voila_command  # noqa: E402

BIN = Path(sys.executable).parent
URL = "/voila/render/roleplay.ipynb?scenario=serve-call-centre"
FIRST_CHOICE = "Let her finish"
VISITS = 3
SESSIONS = 20
CROWD_LIMIT = 300.0  # seconds a visitor of the crowd is waited for


def floor_apps(folder: Path) -> Path:
    """A stand-in apps folder whose roleplay.ipynb shows one button named like the first choice."""
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "floor", "metadata": {},
                   "outputs": [], "source": ["import ipywidgets\n",
                                             f"ipywidgets.Button(description={FIRST_CHOICE!r})"]}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roleplay.ipynb").write_text(json.dumps(notebook))
    return folder


def start(preheat: int, port: int, home: Path, apps: Path, kernel_cap: int | None = None) -> subprocess.Popen:
    """Start Voila as `course serve` does and wait until its pool is full and it has gone quiet."""
    server = subprocess.Popen(voila_command(port, preheat=preheat, apps=apps, kernel_cap=kernel_cap), cwd=REPO,
                              env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home),
                                   "JUPYTER_CONFIG_DIR": str(home)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)  # its kernels die with it (see stop)
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except OSError:
            time.sleep(0.25)
    wait_quiet(server.pid)
    return server


def _tree_cpu_seconds(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def wait_quiet(pid: int, limit: float = 180.0) -> None:
    """Wait until the server and its kernels use under 5% of a core for two seconds running."""
    began, quiet_since, last = time.time(), None, _tree_cpu_seconds(pid)
    time.sleep(2)  # the pool starts filling a moment after the server answers
    while time.time() - began < limit:
        time.sleep(0.5)
        now = _tree_cpu_seconds(pid)
        busy, last = now - last > 0.025, now
        quiet_since = None if busy else (quiet_since or time.time())
        if quiet_since and time.time() - quiet_since >= 2:
            return


# Run in every page before its own scripts: give each choice button named FIRST_CHOICE an
# `elementtiming` name as soon as it is in the document ("first-view" for the first view's,
# "live" for a widget's), and keep the time the browser reports it painted.
PAINT_MARKS = """
window.__paints = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (!(entry.identifier in window.__paints)) window.__paints[entry.identifier] = entry.renderTime || entry.loadTime;
}).observe({type: "element", buffered: true});
new MutationObserver(() => {
  for (const button of document.querySelectorAll("button:not([elementtiming])"))
    if (button.textContent.startsWith(%s))
      button.setAttribute("elementtiming", button.classList.contains("course-first-choice") ? "first-view" : "live");
}).observe(document, {childList: true, subtree: true});
""" % json.dumps(FIRST_CHOICE)


async def new_context(browser):
    """A browser profile with nothing cached that records when the first choices are painted."""
    context = await browser.new_context()
    await context.add_init_script(PAINT_MARKS)
    return context


async def visit(context, base: str, limit: float = 180.0) -> dict[str, float]:
    """One visitor: seconds from the request to the HTML complete, the first view's choice
    painted, the scripts loaded and the live choice painted; a mark not reached within ``limit``
    seconds is missing."""
    page = await context.new_page()
    try:
        await page.goto(base + URL, wait_until="commit", timeout=limit * 1000)
        await page.wait_for_function("() => window.__paints && window.__paints.live", timeout=limit * 1000)
    except PlaywrightTimeout:
        pass
    times = await page.evaluate("""() => {
        const navigation = performance.getEntriesByType("navigation")[0] || {};
        return {html: navigation.responseEnd, scripts: navigation.loadEventStart,
                first: window.__paints["first-view"], shown: window.__paints.live};
    }""")
    # Leave as a closed tab does: Voila's page then asks the server to shut its kernel down.
    await page.goto("about:blank")
    await page.close()
    return {key: ms / 1000 for key, ms in times.items() if ms}


async def first_renders(port: int, pid: int) -> dict[str, list[dict[str, float]]]:
    """VISITS visits with an empty cache, then VISITS with cached scripts, each on a quiet server."""
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[dict[str, float]]] = {"first visit": [], "return visit": []}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update"])
        for _ in range(VISITS):
            context = await new_context(browser)
            results["first visit"].append(await visit(context, base))
            await context.close()
            wait_quiet(pid)
        context = await new_context(browser)
        await visit(context, base)  # fills the cache
        for _ in range(VISITS):
            wait_quiet(pid)
            results["return visit"].append(await visit(context, base))
        await browser.close()
    wait_quiet(pid)
    return results


def browser_cpu_seconds() -> float:
    """CPU time used so far by every Chromium process on the machine (the benchmark's browser)."""
    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times"]):
        if process.info["name"] and process.info["name"].startswith("chrom") and process.info["cpu_times"]:
            total += process.info["cpu_times"].user + process.info["cpu_times"].system
    return total


async def concurrent_sessions(port: int, pid: int) -> dict:
    """SESSIONS visitors at once, each with its own empty browser profile: their times to the
    first choice (None: not within the limit), the tree's peak memory, each kernel's memory once
    all have left, and the CPU time used meanwhile."""
    base = f"http://127.0.0.1:{port}"
    peak = 0.0
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update"])
        contexts = [await new_context(browser) for _ in range(SESSIONS)]
        server_cpu, browser_cpu = _tree_cpu_seconds(pid), browser_cpu_seconds()
        task = asyncio.gather(*(visit(context, base, limit=CROWD_LIMIT) for context in contexts))
        while not task.done():
            peak = max(peak, _tree_rss_mb(pid))
            await asyncio.sleep(0.2)
        marks = await task
        peak = max(peak, _tree_rss_mb(pid))
        result = {"times": [m.get("shown") for m in marks], "first views": [m.get("first") for m in marks],
                  "peak": peak, "kernels": kernels_mb(pid),
                  "server cpu": _tree_cpu_seconds(pid) - server_cpu,
                  "browser cpu": browser_cpu_seconds() - browser_cpu}
        await browser.close()
    return result


def kernels_mb(pid: int) -> list[float]:
    """Resident memory of each kernel the server has started, in MB."""
    sizes = []
    for process in psutil.Process(pid).children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(process.cmdline()):
                sizes.append(process.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            pass
    return sizes


def stop(server: subprocess.Popen) -> None:
    """Stop Voila and every kernel it started."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def _median(marks: list[dict[str, float]], key: str) -> str:
    values = [m[key] for m in marks if key in m]
    if len(values) < len(marks):
        return "   --" if not values else f"{statistics.median(values):5.2f} s ({len(marks) - len(values)} missing)"
    return f"{statistics.median(values):5.2f} s"


def report_first_renders(label: str, results: dict[str, list[dict[str, float]]]) -> float:
    """Print the medians of each kind of visit; return the return visit's median to the live
    choice (a visit that never showed it counts as slowest of all, as in a crowd)."""
    for kind, marks in results.items():
        print(f"  {label:34} {kind:12}: HTML complete {_median(marks, 'html')}, first view shown "
              f"{_median(marks, 'first')}, scripts loaded {_median(marks, 'scripts')}, live choice "
              f"shown {_median(marks, 'shown')}", flush=True)
    return statistics.median(m.get("shown", math.inf) for m in results["return visit"])


def report_crowd(label: str, idle: float, crowd: dict) -> float:
    """Print the times, memory and CPU of one crowd of visitors; return their median time."""
    times = [math.inf if t is None else t for t in crowd["times"]]  # not rendered: slowest of all

    def seconds(value: float) -> str:
        return f">{CROWD_LIMIT:.0f} s" if value == math.inf else f"{value:5.1f} s"

    spread = (f"median {seconds(statistics.median(times))}, 95th percentile {seconds(p95(times))}, "
              f"slowest {seconds(max(times))}")
    missing = times.count(math.inf)
    if missing:
        spread += f" ({missing} not rendered within {CROWD_LIMIT:.0f} s)"
    first_views = [t for t in crowd["first views"] if t is not None]
    if first_views:
        spread = f"first view median {statistics.median(first_views):5.1f} s; live: " + spread
    kernels = crowd["kernels"]
    print(f"  {label:34} {SESSIONS} at once  : {spread}; memory: server idle {idle:.0f} MB, "
          f"peak {crowd['peak']:.0f} MB, {len(kernels)} kernels of "
          f"{statistics.mean(kernels) if kernels else 0:.0f} MB each; CPU: server "
          f"{crowd['server cpu']:.0f} s, browser {crowd['browser cpu']:.0f} s", flush=True)
    return statistics.median(times)


def main() -> None:
    setups = [("role-play app, no preheating", 0, REPO / "apps", False),
              ("role-play app, pool of 4 (default)", 4, REPO / "apps", True),
              ("role-play app, pool of 20", 20, REPO / "apps", True),
              ("floor: one button, pool of 20", 20, None, True)]
    shown, crowds = {}, {}
    print(f"First render (median of {VISITS} visits; target: under 1 s preheated) and "
          f"{SESSIONS} visitors at once:", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for port, (label, preheat, apps, crowd) in enumerate(setups, start=8930):
            apps = apps or floor_apps(scratch / "floor")
            server = start(preheat, port, scratch / f"home-{port}", apps)
            try:
                idle = _tree_rss_mb(server.pid)
                shown[label] = report_first_renders(label, asyncio.run(first_renders(port, server.pid)))
                if crowd:
                    crowds[label] = report_crowd(label, idle, asyncio.run(concurrent_sessions(port, server.pid)))
            finally:
                stop(server)
    app, floor = "role-play app, pool of 20", "floor: one button, pool of 20"
    print(f"role-play app / one-button floor, both with a pool of 20: return visit "
          f"{shown[app] / shown[floor]:.2f}, median of {SESSIONS} at once {crowds[app] / crowds[floor]:.2f}")


if __name__ == "__main__":
    main()
