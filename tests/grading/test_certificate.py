"""Does a certificate's code change whenever anything it certifies changes?

(Issuing into a real cohort's ledger, verifying after regrades and refusing an edited entry:
tests/grading/test_autograde.py.)"""

from __future__ import annotations

import dataclasses
import re

import pytest

from servicecourse.grading.certificate import Certificate, _code, _key, ledger

ISSUED = Certificate("ann", "Ann Lee", "2026-11-20", {"serve": [17.0, 17.0]}, 0.7, ["serve"],
                     "2026-11-30T10:00:00+00:00")


def test_a_code_is_the_same_for_the_same_entry_and_key_and_looks_like_one():
    key = b"k" * 32
    assert _code(key, ISSUED) == _code(key, ISSUED)
    assert re.fullmatch(r"SC-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", _code(key, ISSUED))


@pytest.mark.parametrize("change", [
    {"learner": "bob"}, {"name": "Mallory"}, {"date": "2026-11-21"}, {"scores": {"serve": [16.0, 17.0]}},
    {"pass_mark": 0.5}, {"modules": ["serve", "culture"]}, {"issued_at": "2026-12-01T10:00:00+00:00"},
])
def test_changing_any_field_or_the_key_changes_the_code(change):
    key = b"k" * 32
    assert _code(key, dataclasses.replace(ISSUED, **change)) != _code(key, ISSUED)
    assert _code(b"x" * 32, ISSUED) != _code(key, ISSUED)


def test_the_cohort_key_is_made_once_readable_by_its_owner_only(tmp_path):
    first = _key(tmp_path)
    assert _key(tmp_path) == first and len(first) == 64
    assert (tmp_path / ".certificate-key").stat().st_mode & 0o077 == 0


def test_a_cohort_without_a_ledger_has_issued_nothing(tmp_path):
    assert ledger(tmp_path) == []
