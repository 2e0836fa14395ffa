"""Certificates of completion: a printable HTML page per learner who passed every module.

Each certificate carries a verification code, an HMAC of who passed and when, keyed by a secret
kept in the cohort folder. ``verify`` recomputes it, so a code that was typed wrong, made up or
copied onto another name is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook

from servicecourse import cohort
from servicecourse.paths import modules
from servicecourse.report import PASS_MARK, completion

KEY_NAME = ".certificate-key"
COURSE = "The service-culture course"


@dataclass(frozen=True)
class Certificate:
    """A learner's certificate: who, when (the date of the last graded module) and its code."""

    learner: str
    name: str
    date: str
    code: str


def _key(folder: Path) -> bytes:
    path = folder / KEY_NAME
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def _code(key: bytes, learner: str, name: str, day: str) -> str:
    digest = hmac.new(key, f"{learner}|{name}|{day}".encode(), hashlib.sha256).hexdigest().upper()
    return f"SC-{digest[:4]}-{digest[4:8]}-{digest[8:12]}"


def earned(folder: str | Path, pass_mark: float = PASS_MARK) -> list[Certificate]:
    """Certificates for every learner whose status is 'passed' on every module of the course."""
    folder = Path(folder)
    rows = completion(folder, pass_mark)
    course_modules = set(modules())
    passed: dict[str, set[str]] = {}
    names = {}
    for row in rows:
        names[row.learner] = row.name or row.learner
        if row.status == "passed":
            passed.setdefault(row.learner, set()).add(row.module)
    key = _key(folder)
    certificates = []
    with Gradebook(cohort.db_url(folder)) as gradebook:
        for learner, done in sorted(passed.items()):
            if not course_modules <= done:
                continue
            last = max(gradebook.find_submission(m, learner).timestamp or datetime.min for m in done)
            day = last.date().isoformat()
            certificates.append(Certificate(learner, names[learner], day,
                                            _code(key, learner, names[learner], day)))
    return certificates


def write(folder: str | Path, certificates: list[Certificate]) -> list[Path]:
    """Write one printable HTML certificate per learner into ``certificates/``."""
    out = Path(folder) / "certificates"
    out.mkdir(exist_ok=True)
    paths = []
    for c in certificates:
        path = out / f"{c.learner}.html"
        path.write_text(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Certificate: {html.escape(c.name)}</title>
<style>
@page {{ size: A4 landscape; margin: 1.5cm; }}
body {{ font-family: Georgia, serif; text-align: center; color: #1a1a1a; }}
.frame {{ border: 6px double #1565c0; padding: 3em 2em; margin: 1em auto; max-width: 52em; }}
h1 {{ font-size: 2.4em; margin: 0.2em 0; }} .name {{ font-size: 2em; font-weight: bold; }}
.code {{ font-family: monospace; font-size: 1.1em; }}
</style></head>
<body><main class="frame">
<p>{COURSE}</p>
<h1>Certificate of completion</h1>
<p>This certifies that</p>
<p class="name">{html.escape(c.name)}</p>
<p>completed every module of the course, including its role-plays and graded exercises,
on <time datetime="{c.date}">{c.date}</time>.</p>
<p>Verification code: <span class="code">{c.code}</span><br>
<small>Check it with <code>course certificate verify {c.code} --cohort COHORT</code>.</small></p>
</main></body></html>
""")
        paths.append(path)
    return paths


def verify(folder: str | Path, code: str) -> Certificate | None:
    """The certificate a code belongs to, if the code is genuine for this cohort; else None."""
    code = code.strip().upper()
    for certificate in earned(folder):
        if hmac.compare_digest(certificate.code, code):
            return certificate
    return None
