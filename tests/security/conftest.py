"""Fixtures for the hostile tests: ``unchanged()`` compares the database and the attachment folder around an attack."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.security.attack import take_snapshot


@pytest.fixture
def unchanged(app):
    """``with unchanged(): attack()`` fails if the attack changed a row or left a file."""
    @contextmanager
    def check():
        before = take_snapshot(app)
        yield before
        after = take_snapshot(app)
        assert not before.differences(after), f"changed by a refused request: {before.differences(after)}"

    return check
