"""Certificates of completion, recorded in a ledger when they are issued.

A learner earns a certificate when every module the cohort's policy requires is passed (the
completion report's status, with the cohort's pass mark). Issuing writes an entry into the
cohort's ledger, ``COHORT/certificates/ledger.jsonl``: the learner, their name, each module's
score, the completion date, the policy in force (pass mark and modules) and when it was issued.
The verification code printed on the certificate is an HMAC of that entry, keyed by a secret kept
in the cohort folder (out of reach of learners' code and accounts), so:

- `verify` finds the entry by its code and checks the entry was not edited; an issued certificate
  keeps verifying whatever happens later (a corrected name, a resubmission, a new policy), and
  verify says what changed since it was issued;
- a made-up, mistyped or hand-edited code or entry is refused;
- issuing again never issues a second certificate to the same learner, and never changes one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.api import Gradebook

from servicecourse import cohort
from servicecourse.reporting.report import cohort_report
from servicecourse.templating import render

KEY_NAME = ".certificate-key"
LEDGER = Path("certificates") / "ledger.jsonl"
COURSE = "The service-culture course"


@dataclass(frozen=True)
class Certificate:
    """An issued certificate, as its ledger entry records it."""

    learner: str
    name: str
    date: str  # the day the last required module was handed in
    scores: dict[str, list[float]]  # module -> [score, max score]
    pass_mark: float
    modules: list[str]
    issued_at: str
    code: str = ""


@dataclass
class Verified:
    """The outcome of checking a code: the certificate, and what changed since it was issued."""

    certificate: Certificate
    changes: list[str] = field(default_factory=list)


def _key(folder: Path) -> bytes:
    path = folder / KEY_NAME
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _canonical(certificate: Certificate) -> bytes:
    entry = asdict(certificate)
    entry.pop("code")
    return json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()


def _code(key: bytes, certificate: Certificate) -> str:
    digest = hmac.new(key, _canonical(certificate), hashlib.sha256).hexdigest().upper()
    return f"SC-{digest[:4]}-{digest[4:8]}-{digest[8:12]}"


def ledger(folder: str | Path) -> list[Certificate]:
    """Every certificate issued in a cohort, oldest first."""
    path = Path(folder) / LEDGER
    if not path.exists():
        return []
    return [Certificate(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def earned(folder: str | Path) -> list[Certificate]:
    """Certificates the cohort's results earn now (not yet recorded), one per learner."""
    folder = Path(folder)
    report = cohort_report(folder)
    required = report.policy.modules
    by_learner: dict[str, dict] = {}
    for row in report.rows:
        by_learner.setdefault(row.learner, {"name": row.name or row.learner, "rows": {}})["rows"][row.module] = row
    certificates = []
    issued_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with Gradebook(cohort.db_url(folder)) as gradebook:
        for learner, found in sorted(by_learner.items()):
            rows = found["rows"]
            if not required or not all(m in rows and rows[m].status == "passed" for m in required):
                continue
            last = max(gradebook.find_submission(m, learner).timestamp or datetime.min for m in required)
            certificates.append(Certificate(
                learner, found["name"], last.date().isoformat(),
                {m: [rows[m].score, rows[m].max_score] for m in required},
                report.pass_mark, list(required), issued_at))
    return certificates


def issue(folder: str | Path) -> tuple[list[Certificate], list[Certificate]]:
    """Record a certificate for every learner who earned one and has none; (new, already issued)."""
    folder = Path(folder)
    key = _key(folder)
    existing = {c.learner: c for c in ledger(folder)}
    new = []
    for certificate in earned(folder):
        if certificate.learner in existing:
            continue
        signed = Certificate(**{**asdict(certificate), "code": _code(key, certificate)})
        path = folder / LEDGER
        path.parent.mkdir(exist_ok=True)
        with path.open("a") as handle:
            handle.write(json.dumps(asdict(signed), ensure_ascii=False) + "\n")
        new.append(signed)
    return new, list(existing.values())


def write(folder: str | Path, certificates: list[Certificate]) -> list[Path]:
    """Write one printable HTML certificate per learner into ``certificates/``."""
    out = Path(folder) / "certificates"
    out.mkdir(exist_ok=True)
    paths = []
    for certificate in certificates:
        path = out / f"{certificate.learner}.html"
        path.write_text(render("certificate/page.html.j2", certificate=certificate, course=COURSE))
        paths.append(path)
    return paths


def _changes(folder: Path, certificate: Certificate) -> list[str]:
    """What differs now from when ``certificate`` was issued (name, scores, policy)."""
    report = cohort_report(folder)
    rows = {row.module: row for row in report.rows if row.learner == certificate.learner}
    changes = []
    names = {row.name for row in rows.values() if row.name}
    if names and certificate.name not in names:
        changes.append(f"the learner's name is now {sorted(names)[0]!r} (was {certificate.name!r})")
    for module, (score, max_score) in certificate.scores.items():
        row = rows.get(module)
        if row is None:
            changes.append(f"{module}: no longer in the gradebook")
        elif (row.score, row.max_score) != (score, max_score) or row.status != "passed":
            changes.append(f"{module}: now {row.score:g}/{row.max_score:g} ({row.status}), "
                           f"was {score:g}/{max_score:g}")
    if report.pass_mark != certificate.pass_mark or report.policy.modules != certificate.modules:
        changes.append(f"the cohort's policy changed (pass mark {report.pass_mark:g}, "
                       f"{len(report.policy.modules)} modules; was {certificate.pass_mark:g}, "
                       f"{len(certificate.modules)})")
    return changes


def verify(folder: str | Path, code: str) -> Verified | None:
    """The issued certificate a code belongs to, and what changed since; None if not genuine."""
    folder = Path(folder)
    code = str(code).strip().upper()
    key = _key(folder)
    for certificate in ledger(folder):
        if hmac.compare_digest(certificate.code, code):
            if not hmac.compare_digest(_code(key, certificate), code):
                return None  # the entry was edited after it was issued
            return Verified(certificate, _changes(folder, certificate))
    return None
