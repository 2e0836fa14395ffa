"""CSV for spreadsheets: how every CSV file the course writes is written (and its cells read back).

Files are UTF-8 with a byte-order mark, so that Excel shows accented names (Chloé) instead of
guessing a legacy code page. A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return would be run as a formula by a spreadsheet (CSV injection), so it is written
with a single quote in front, as OWASP advises; spreadsheets then show it as text. Numbers are
written as they are. `read_cell` removes that quote again, so a file the course wrote reads
back to what was written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str | int | float:
    """A value as a CSV cell that no spreadsheet runs: numbers as they are, other values as
    text, with a quote before text that would start a formula."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def read_cell(text: str) -> str:
    """A cell as `safe_cell` wrote it, back to the text it holds (the added quote removed)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """The table as CSV text (byte-order mark first, CRLF line ends), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return BOM + buffer.getvalue()


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence]) -> Path:
    """Write the table to ``path`` as `csv_text` gives it (folders made as needed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_text(header, rows).encode("utf-8"))
    return path
