"""Benchmark: building the site cold (every chapter executed) and again after editing one chapter.

    .venv/bin/python bench/book.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from servicecourse.course import REPO

BIN = Path(sys.executable).parent


def build(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(BIN / "jupyter-book"), "build", str(REPO), "--path-output", str(out), "-W",
                    "-n", "--keep-going"], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    chapter = REPO / "book" / "serve.md"
    original = chapter.read_text()
    with tempfile.TemporaryDirectory(prefix="bench-book-") as scratch:
        cold = build(Path(scratch))
        cached = build(Path(scratch))
        try:  # an author fixes a sentence in one chapter: only that chapter runs again
            chapter.write_text(original.replace("Service that lasts", "Service that truly lasts", 1))
            edited = build(Path(scratch))
        finally:
            chapter.write_text(original)
    print(f"cold build, every chapter executed:  {cold:6.1f} s  (target 60 s)")
    print(f"rebuild, nothing changed:            {cached:6.1f} s")
    print(f"rebuild after editing one chapter:   {edited:6.1f} s  (target 10 s)")
    print(f"incremental / cold ratio:            {edited / cold:6.2f}")


if __name__ == "__main__":
    main()
