"""Make a graded notebook safe to show a trainer: no learner markup runs in formgrader.

Formgrader shows the autograded notebook as HTML, outputs and markdown included. A learner's
code can output HTML or JavaScript, and a learner's markdown cell can hold raw ``<script>``;
both would run in the trainer's browser, logged in to the hub. After grading (the scores are
already recorded) the autograded copy keeps only plain text and PNG/JPEG images in its outputs,
capped in size, and the learner's markdown and raw cells have their HTML shown as text.
"""

from __future__ import annotations

import html
from pathlib import Path

import nbformat

from servicecourse.grading.cells import is_locked

SAFE_TYPES = ("text/plain", "image/png", "image/jpeg")
TEXT_LIMIT = 20_000  # characters of one output kept
IMAGE_LIMIT = 500_000  # characters of one base64 image kept


def _cap(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters not kept]"


def _safe_output(output) -> dict:
    kind = output.get("output_type")
    if kind == "stream":
        return {**output, "text": _cap(str(output.get("text", "")))}
    if kind == "error":
        return {**output, "evalue": _cap(str(output.get("evalue", "")), 2000),
                "traceback": [_cap(str(line), 2000) for line in list(output.get("traceback", []))[:60]]}
    if kind in ("display_data", "execute_result"):
        data = output.get("data", {}) if isinstance(output.get("data"), dict) else {}
        kept = {mime: _cap(str(value), IMAGE_LIMIT if mime.startswith("image/") else TEXT_LIMIT)
                for mime, value in data.items() if mime in SAFE_TYPES}
        dropped = sorted(set(data) - set(kept))
        if dropped and "text/plain" not in kept:
            kept["text/plain"] = f"[output of type {', '.join(dropped)} not shown]"
        return {**output, "data": kept, "metadata": {}}
    return {"output_type": "stream", "name": "stdout", "text": "[an output of an unknown type was removed]"}


def sanitize(path: Path) -> None:
    """Rewrite the notebook at ``path`` with only safe outputs and escaped learner markup."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(_safe_output(o)) for o in cell.get("outputs", [])]
        elif not is_locked(cell):  # the learner's markdown and raw cells
            cell.source = html.escape(cell.source, quote=False)
            cell.pop("attachments", None)
            if cell.cell_type == "raw":
                cell.metadata.pop("format", None)
                cell.metadata.pop("raw_mimetype", None)
    notebook.metadata.pop("widgets", None)
    path.chmod(path.stat().st_mode | 0o200)  # nbgrader leaves it read-only (0444): the grader account may write it
    nbformat.write(notebook, path)
