"""docs/bitrix24-platform-cases.md stays complete: every §7 case of the protocol doc has a section, and every
test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "docs" / "bitrix24-platform-cases.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
# The §7 cases of ../shared/bitrix24-protocol.md, by the words each bullet starts with.
CASES = ("Scopes gate placements and fields", "user.current reveals by scope", "Marketplace moderation",
         "Installing is an admin's act", "Payment", "Limits", "Tokens", "DOMAIN may carry a port",
         "The frame's JavaScript protocol", "b24pysdk private modules")


def _sections() -> dict[str, str]:
    parts = re.split(r"^## ", LIST.read_text(), flags=re.M)[1:]
    return {part.splitlines()[0].strip(): part for part in parts}


def _protocol_doc() -> Path | None:
    for base in (ROOT.parent, ROOT.parent.parent):
        candidate = base / "shared" / "bitrix24-protocol.md"
        if candidate.exists():
            return candidate
    return None


def test_every_case_has_a_section_with_a_test_or_an_owner():
    sections = _sections()
    for case in CASES:
        assert case in sections, case
        body = sections[case]
        assert REFERENCE.search(body) or "Owned by" in body or "Not yet covered" in body, case


def test_the_cases_are_the_protocol_docs_section_7():
    doc = _protocol_doc()
    if doc is None:
        pytest.skip("../shared/bitrix24-protocol.md is not beside this checkout")
    section = doc.read_text().split("## 7.", 1)[1].split("\n## ", 1)[0]
    bullets = [line[2:] for line in section.splitlines() if line.startswith("- ")]
    assert len(bullets) == len(CASES)
    for bullet, case in zip(bullets, CASES, strict=True):
        assert bullet.replace("**", "").replace("`", "").startswith(case), (bullet[:60], case)


def test_every_named_test_exists():
    for file, test in REFERENCE.findall(LIST.read_text()):
        assert (ROOT / file).exists(), file
        assert re.search(rf"^def {test}\(", (ROOT / file).read_text(), re.M), f"{file}::{test} is not there"
