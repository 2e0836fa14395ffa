"""Benchmark: the role-play app in Voila, as a visitor sees it.

Time from request to the first rendered role-play (its first choice button visible), with and
without preheated kernels; then 20 concurrent sessions on the preheated server: median and 95th
percentile, and memory per session and in total (the Voila process tree).

    .venv/bin/python bench/voila.py
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).parent))
from autograde import _tree_rss_mb  # noqa: E402  (one memory sampler for every benchmark)

from servicecourse.launch import voila_command  # noqa: E402

BIN = Path(sys.executable).parent
URL = "/voila/render/roleplay.ipynb?scenario=serve-call-centre"
SESSIONS = 20


def start(preheat: int, port: int, home: Path) -> subprocess.Popen:
    command = voila_command(port, preheat=preheat)
    if not preheat:
        command = [c for c in command if "preheat_kernel" not in c and "pool_size" not in c]
    server = subprocess.Popen(command, env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home),
                                            "JUPYTER_CONFIG_DIR": str(home)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)  # its kernels die with it (see stop)
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except OSError:
            time.sleep(0.25)
    time.sleep(3 if not preheat else 3 + 1.5 * preheat)  # let the pool warm up
    return server


async def first_render(browser, base: str) -> float:
    page = await browser.new_page()
    began = time.perf_counter()
    await page.goto(base + URL, wait_until="commit")
    await page.get_by_role("button", name="Let her finish").wait_for(timeout=120_000)
    elapsed = time.perf_counter() - began
    await page.close()
    return elapsed


async def measure(port: int, sessions: int) -> list[float]:
    """Seconds from request to the first choice button, for ``sessions`` visitors at once."""
    base = f"http://127.0.0.1:{port}"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update"])
        if sessions == 1:
            times = [await first_render(browser, base)]
        else:
            pages = [await browser.new_page() for _ in range(sessions)]

            async def one(page):
                began = time.perf_counter()
                await page.goto(base + URL, wait_until="commit")
                await page.get_by_role("button", name="Let her finish").wait_for(timeout=180_000)
                return time.perf_counter() - began

            times = await asyncio.gather(*(one(page) for page in pages))
        await browser.close()
    return list(times)


def stop(server: subprocess.Popen) -> None:
    """Stop Voila and every kernel it started."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        home = Path(home)
        for preheat in (0, 2):
            port = 8900 + preheat
            server = start(preheat, port, home)
            try:
                run_one(server, preheat, port)
            finally:
                stop(server)


def run_one(server: subprocess.Popen, preheat: int, port: int) -> None:
    """Measure one server: first render, and with preheating 20 concurrent sessions."""
    idle = _tree_rss_mb(server.pid)
    [first] = asyncio.run(measure(port, 1))
    label = "preheated (pool of 2)" if preheat else "no preheating"
    print(f"first rendered role-play, {label:22}: {first:5.2f} s  (target under 1 s preheated)")
    if preheat:
        loaded = {}

        async def concurrent():
            task = asyncio.create_task(measure(port, SESSIONS))
            while not task.done():
                loaded["peak"] = max(loaded.get("peak", 0.0), _tree_rss_mb(server.pid))
                await asyncio.sleep(0.2)
            return await task

        times = asyncio.run(concurrent())
        times.sort()
        p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
        total = loaded["peak"]
        print(f"{SESSIONS} concurrent sessions: median {statistics.median(times):.2f} s, "
              f"95th percentile {p95:.2f} s, slowest {times[-1]:.2f} s")
        print(f"memory: server idle {idle:.0f} MB, peak with {SESSIONS} sessions {total:.0f} MB, "
              f"about {(total - idle) / SESSIONS:.0f} MB per session")


if __name__ == "__main__":
    main()
