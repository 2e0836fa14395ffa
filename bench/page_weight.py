"""Benchmark: what a browser downloads for each chapter page of the built site.

Serves the built site (`make site` first) on localhost and sums the bytes of every response.

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import functools
import http.server
import threading

import yaml
from playwright.sync_api import sync_playwright

from servicecourse.course import REPO

SITE = REPO / "_build" / "html"


def pages() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def main() -> None:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update"])
        print(f"{'page':28} {'requests':>8} {'KB':>8}")
        heaviest = 0
        for name in pages():
            page = browser.new_page()
            sizes: dict[str, int] = {}
            page.on("response", lambda r, sizes=sizes: sizes.__setitem__(r.url, len(r.body()) if r.ok else 0))
            page.goto(f"{base}/{name}.html", wait_until="networkidle")
            page.close()
            heaviest = max(heaviest, sum(sizes.values()))
            print(f"{name:28} {len(sizes):8d} {sum(sizes.values()) / 1024:8.0f}")
            if name == pages()[1]:
                for url, size in sorted(sizes.items(), key=lambda item: -item[1])[:6]:
                    print(f"    {size / 1024:8.0f} KB  {url.removeprefix(base)}")
        browser.close()
    server.shutdown()
    print(f"heaviest page: {heaviest / 1024 / 1024:.2f} MB (target under 1.5 MB)")


if __name__ == "__main__":
    main()
