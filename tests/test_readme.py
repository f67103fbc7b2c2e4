"""The README is part of the product: every setting is documented and the quick start names real scripts."""

from __future__ import annotations

import os
from pathlib import Path

import settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme():
    missing = [key for key in settings.DEFAULTS if f"`{key}`" not in README and key not in README]
    assert missing == []


def test_quick_start_commands_exist_and_ci_runs_the_test_command():
    for script in ("scripts/dev", "scripts/test"):
        assert f"{script} " in README
        assert os.access(ROOT / script, os.X_OK)
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_vendor_cabinet_scopes_are_the_declared_setting_and_cover_what_the_app_binds():
    from b24.scopes import needed

    row = next(line for line in README.splitlines() if line.startswith("| Permissions (scope) |"))
    listed = [cell.strip(" `") for cell in row.split("|")[2].split(",")]
    declared = settings.csv(settings.DEFAULTS["B24_SCOPES"])
    assert listed == declared
    # derived, not typed: exactly what the default placements and the methods the app calls need
    assert sorted(declared) == needed(settings.csv(settings.DEFAULTS["B24_PLACEMENTS"]))
    assert "user_basic" in declared  # the form's contact email comes from user.current
