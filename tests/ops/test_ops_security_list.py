"""docs/security-tests.md stays true: every test it names exists, so each listed case is really run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIST = ROOT / "docs" / "security-tests.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?(?:::(\w+))?[^`]*`")
CASES = ("Forged events", "Forged frame requests", "CSRF", "Framing of the console", "Path traversal",
         "Oversized bodies", "Header injection", "SQL injection", "Template injection", "Another portal",
         "leakage in logs and pages", "Installing without being an admin", "A portal's status", "Malformed input",
         "Property-based fuzzing")


def references() -> list[tuple[str, str]]:
    """(file, test) pairs; ``::test`` alone refers to the last file named before it."""
    found, current = [], None
    for file, test in REFERENCE.findall(LIST.read_text()):
        current = file or current
        if test and current:
            found.append((current, test))
    return found


def test_the_list_covers_every_case_the_issue_names():
    text = LIST.read_text()
    for case in CASES:
        assert case in text, case
    assert len(references()) >= 40


def test_every_named_test_exists():
    missing_files = sorted({file for file, _ in references() if not (ROOT / file).exists()})
    assert not missing_files, missing_files
    for file, test in references():
        assert re.search(rf"^def {test}\(", (ROOT / file).read_text(), re.M), f"{file}::{test} is not there"
