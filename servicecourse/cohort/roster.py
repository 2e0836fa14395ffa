"""A cohort's roster: read a CSV of learners as HR exports it, name every bad row, keep the good.

HR tools and Excel write rosters in several ways, and all of them are read:

- separated by commas, semicolons (Excel in France, Germany...) or tabs (`csv.Sniffer` on the
  start of the file, then commas, semicolons and tabs in turn until the header makes sense);
- UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode text"), or
  Windows-1252 (older Excel), which is read with a warning naming the file;
- headers in any case and spacing, with common synonyms: ``First name``, ``FirstName``,
  ``first_name`` and ``Prénom`` are one column; ``E-mail`` is ``email``.

Only ``id``, first name, last name and email are required; ``team`` and ``start_date``
(YYYY-MM-DD) are optional; any other column (manager, employee id...) is kept as it is and
shown in the report and the dashboard. A bad row (an empty required value, a bad id, email or
date, a duplicate id, a control character such as NUL) is left out with a message naming its
line; the other rows are kept.

The cohort keeps its roster in ``roster.csv`` (private, in the cohort folder, written as every
course CSV: `servicecourse.reporting.spreadsheet`) and mirrors the learners into nbgrader's gradebook, so
formgrader shows their names, and their ids alone into the role-play app's folder
(`servicecourse.cohort.evidence`). Re-importing a file updates learners by id and never duplicates
them.
"""

from __future__ import annotations

import csv
import io
import re
import typing
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from servicecourse.reporting.spreadsheet import read_cell, write_csv

if typing.TYPE_CHECKING:
    import _csv

ROSTER_NAME = "roster.csv"
REQUIRED = ("id", "first_name", "last_name", "email")
OPTIONAL = ("team", "start_date")
COLUMNS = REQUIRED + OPTIONAL
# Header names (as `header_key` folds them) that mean each column.
SYNONYMS = {
    "id": ("id", "learner_id", "learner", "user_id", "userid", "username", "user_name", "login",
           "identifiant"),
    "first_name": ("first_name", "firstname", "first", "given_name", "givenname", "forename",
                   "prenom", "vorname"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name", "familyname",
                  "nom", "nom_de_famille", "nachname"),
    "email": ("email", "e_mail", "mail", "email_address", "e_mail_address", "courriel",
              "work_email"),
    "team": ("team", "department", "dept", "equipe", "service", "abteilung"),
    "start_date": ("start_date", "start", "startdate", "start_day", "hire_date", "date_of_hire",
                   "joining_date", "date_of_joining", "date_d_entree"),
}
LABELS = {"id": "id", "first_name": "first name", "last_name": "last name", "email": "email",
          "team": "team", "start_date": "start date"}
_HEADER_HINTS = {"id": "'id'", "first_name": "'first_name' or 'First name'",
                 "last_name": "'last_name' or 'Last name'", "email": "'email' or 'E-mail'"}
DELIMITERS = (",", ";", "\t")
MAX_BYTES = 10 * 2**20  # far above any roster; a bigger file is not one
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Text that reorders what a reader sees (bidirectional overrides) is refused like controls.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class RosterError(ValueError):
    """The roster file cannot be used at all (unreadable, or a required column is missing)."""


@dataclass(frozen=True)
class Learner:
    """One row of the roster; ``extra`` holds the file's other columns, by their header."""

    id: str
    first_name: str
    last_name: str
    email: str
    team: str
    start_date: date | None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Roster:
    """What a roster file gave: the good learners, the extra columns in file order, the known
    columns it has, a message per rejected row (``problems``) and what was accepted with a
    doubt (``warnings``)."""

    path: Path
    learners: list[Learner] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=lambda: list(COLUMNS))  # the known columns present
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, Learner]:
        """The learners by id."""
        return {learner.id: learner for learner in self.learners}


# --- reading the file ---------------------------------------------------------------------------

def _decode(path: Path, data: bytes) -> tuple[str, str | None]:
    """The file's text and, when it is not UTF-8, a warning naming the encoding used."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as error:
            raise RosterError(f"{path}: starts like UTF-16 but is not ({error})") from None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise RosterError(f"{path}: neither UTF-8 nor Windows-1252 text ({error}); "
                          "save it from the spreadsheet as 'CSV UTF-8'") from None
    return text, (f"{path}: not UTF-8; read as Windows-1252 (cp1252), as older Excel writes. "
                  "Check that accented names look right, or save the file as 'CSV UTF-8'.")


def header_key(name: str) -> str:
    """A header folded for matching: accents off, camelCase split, lower case, runs of anything
    but letters and digits as one ``_`` (``First name``, ``FirstName`` -> ``first_name``)."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _match_header(header: list[str]) -> dict[str, int]:
    """Which column index holds each known column: an exact name before a synonym."""
    keys = [header_key(name) for name in header]
    found: dict[str, int] = {}
    for column, names in SYNONYMS.items():
        for name in names:  # the canonical name first, then the synonyms in order
            if name in keys:
                found[column] = keys.index(name)
                break
    return found


def _rows(text: str, delimiter: str) -> _csv.Reader:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)


def _pick_delimiter(text: str) -> str:
    """The delimiter under which the header names the most required columns: the sniffed one
    first, then commas, semicolons and tabs."""
    sample = "\n".join(text.splitlines()[:20])
    candidates = list(DELIMITERS)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        candidates.insert(0, sniffed)
    except csv.Error:
        pass  # too little or too regular to tell: the fallback order decides

    def score(delimiter: str) -> int:
        header: list[str] = next(_rows(text, delimiter), [])
        return sum(column in _match_header(header) for column in REQUIRED)

    return max(candidates, key=score)  # max keeps the first of equal scores


def _bad_character(text: str, allowed: str = "") -> str | None:
    """The first control, line-separator or bidirectional-override character of ``text`` that
    is not in ``allowed``, as ``U+XXXX``."""
    for char in text:
        if char not in allowed and (unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI):
            return f"U+{ord(char):04X}"
    return None


def _missing_message(path: Path, header: list[str], found: dict[str, int]) -> str:
    missing = [c for c in REQUIRED if c not in found]
    shown = ", ".join(repr(name) for name in header) or "nothing"
    hints = ", ".join(f"{LABELS[c]} (a header like {_HEADER_HINTS[c]})" for c in missing)
    return (f"{path}: no column for {hints}. The header line has {shown}. Required: id, first "
            "name, last name, email; optional: team, start date (YYYY-MM-DD); any other column "
            "is kept.")


# --- one row ------------------------------------------------------------------------------------

def _parse_row(values: dict[str, str], extra: dict[str, str], line: int,
               seen: dict[str, int]) -> tuple[Learner | None, list[str]]:
    problems = []
    for column in REQUIRED:
        if not values[column]:
            problems.append(f"line {line}: '{LABELS[column]}' is empty")
    if values["id"] and not _ID.match(values["id"]):
        problems.append(f"line {line}: id {values['id']!r} may hold only letters, digits, '.', "
                        "'_' and '-', and starts with a letter or digit")
    if values["id"] in seen:
        problems.append(f"line {line}: id {values['id']!r} is already on line {seen[values['id']]}")
    if values["email"] and not _EMAIL.match(values["email"]):
        problems.append(f"line {line}: email {values['email']!r} is not an email address")
    start = None
    if values["start_date"]:
        try:
            start = date.fromisoformat(values["start_date"])
        except ValueError:
            problems.append(f"line {line}: start date {values['start_date']!r} is not a date "
                            "like 2026-11-23 (year-month-day)")
    if problems:
        return None, problems
    seen[values["id"]] = line
    return Learner(values["id"], values["first_name"], values["last_name"], values["email"],
                   values["team"], start, extra), []


def read(path: str | Path) -> Roster:
    """Read a roster file: its learners, extra columns, rejected rows and warnings.

    Raises RosterError (naming the file and the problem) when the file cannot be used at all:
    unreadable, not text, or a required column missing from its header.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise RosterError(f"{path}: cannot read the roster ({error.strerror or error})") from None
    if len(data) > MAX_BYTES:
        raise RosterError(f"{path}: more than {MAX_BYTES // 2**20} MB; not a roster")
    text, warning = _decode(path, data)
    roster = Roster(path, warnings=[warning] if warning else [])
    rows = _rows(text, _pick_delimiter(text))
    try:
        header: list[str] = next(rows, [])
        if bad := _bad_character("".join(header)):
            raise RosterError(f"{path}: line 1 (the header) holds a control character ({bad})")
        header = [read_cell(name).strip() for name in header]
        found = _match_header(header)
        if any(c not in found for c in REQUIRED):
            raise RosterError(_missing_message(path, header, found))
        extras = _extra_columns(path, header, found)
        roster.columns, roster.known = list(extras), [c for c in COLUMNS if c in found]
        seen: dict[str, int] = {}
        end = rows.line_num
        for cells in rows:
            line, end = end + 1, rows.line_num  # a quoted value may span lines: the first counts
            problem = _row_shape(cells, header, found, extras)
            if problem == "blank":
                continue  # blank lines and rows of bare separators, as spreadsheets leave them
            if problem:
                roster.problems.append(f"{path}: line {line}: {problem}; the row is left out")
                continue
            cells = [read_cell(cell).strip() for cell in cells] + [""] * len(header)
            values = {c: "" for c in COLUMNS} | {c: cells[i] for c, i in found.items()}
            learner, problems = _parse_row(values, {n: cells[i] for n, i in extras.items()},
                                           line, seen)
            roster.problems += [f"{path}: {p}" for p in problems]
            if learner:
                roster.learners.append(learner)
    except csv.Error as error:
        raise RosterError(f"{path}: line {rows.line_num}: not readable as CSV ({error})") from None
    return roster


def _row_shape(cells: list[str], header: list[str], found: dict[str, int],
               extras: dict[str, int]) -> str | None:
    """What makes a row unusable before its values are checked, ``"blank"``, or None."""
    if not any(cell.strip() for cell in cells):
        return "blank"
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
        return (f"{len(cells)} values but the header has {len(header)} columns (a value holding "
                "the separator needs quotes)")
    for column, index in found.items():
        if index < len(cells) and (bad := _bad_character(cells[index])):
            return f"the {LABELS[column]} holds a control character ({bad})"
    for name, index in extras.items():  # free text: line breaks and tabs may be real there
        if index < len(cells) and (bad := _bad_character(cells[index], "\t\r\n")):
            return f"the {name!r} value holds a control character ({bad})"
    return None


def _extra_columns(path: Path, header: list[str], found: dict[str, int]) -> dict[str, int]:
    """The columns kept as they are (all but the known ones), by header; refuses a header
    named twice."""
    first: dict[str, int] = {}
    for index, name in enumerate(header):
        if name and name.casefold() in first:
            raise RosterError(f"{path}: columns {first[name.casefold()] + 1} and {index + 1} "
                              f"are both named {name!r}; keep one")
        first.setdefault(name.casefold(), index)
    taken = set(found.values())
    # A column without a header is left out (spreadsheets add empty ones at the right).
    return {name: index for index, name in enumerate(header) if name and index not in taken}


def load(folder: str | Path) -> dict[str, Learner]:
    """The roster stored in a cohort folder, by learner id (empty if none was imported)."""
    path = Path(folder) / ROSTER_NAME
    return read(path).by_id() if path.exists() else {}


# --- importing into a cohort --------------------------------------------------------------------

def write(path: str | Path, learners: list[Learner], columns: list[str]) -> Path:
    """Write learners as a roster file (the known columns, then ``columns``) the course reads back."""
    rows = [[learner.id, learner.first_name, learner.last_name, learner.email, learner.team,
             learner.start_date.isoformat() if learner.start_date else "",
             *(learner.extra.get(column, "") for column in columns)] for learner in learners]
    return write_csv(path, [*COLUMNS, *columns], rows)


def import_csv(folder: str | Path, path: str | Path) -> Roster:
    """Merge a roster file into a cohort and its gradebook; return what was read.

    Learners are updated by id; a column the file does not have (team, start date, an extra
    one) keeps the values stored before.
    """
    from nbgrader.api import Gradebook

    from servicecourse import cohort
    from servicecourse.cohort import evidence

    folder = Path(folder)
    given = read(path)
    stored_path = folder / ROSTER_NAME
    stored = read(stored_path) if stored_path.exists() else Roster(stored_path)
    merged = stored.by_id()
    for learner in given.learners:  # what the file has no column for stays as it was
        before = merged.get(learner.id)
        merged[learner.id] = learner if before is None else replace(
            learner, extra=before.extra | learner.extra,
            **{c: getattr(before, c) for c in OPTIONAL if c not in given.known})
    columns = stored.columns + [c for c in given.columns if c not in stored.columns]
    write(stored_path, list(merged.values()), columns)
    evidence.prepare(folder, learners=merged)  # the role-play app reads these ids, nothing else
    with Gradebook(cohort.db_url(folder)) as gradebook:
        for learner in given.learners:
            gradebook.update_or_create_student(learner.id, first_name=learner.first_name,
                                               last_name=learner.last_name, email=learner.email)
    return given
