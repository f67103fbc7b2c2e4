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
