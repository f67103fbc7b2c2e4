"""The release registry: add and edit releases; find them by id or platform version. Nothing here commits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from database import db
from releases.models import Release

LABEL_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+\-_]{0,31}$")  # the same shape tickets.answers accepts
MAX_NOTES = 20_000
MAX_VERSION = 2_147_483_647


class Invalid(ValueError):
    """Bad input; ``errors`` maps each form field to a code of i18n_labels.LABELS."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_date(value: Any) -> date | None:
    """An ISO date or None for an empty value; ValueError for anything else."""
    text = str(value or "").strip()
    return date.fromisoformat(text) if text else None


def parse_int(value: Any) -> int | None:
    """A positive integer or None for an empty value; ValueError for anything else."""
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= MAX_VERSION:
        raise ValueError(text)
    return int(text)


def all_releases() -> list[Release]:
    """Every release, newest version first."""
    return list(db.session.execute(select(Release).order_by(Release.version.desc())).scalars())


def release_by_id(release_id: Any) -> Release | None:
    try:
        return db.session.get(Release, int(release_id))
    except (TypeError, ValueError):
        return None


def release_by_version(version: int) -> Release | None:
    return db.session.execute(select(Release).where(Release.version == version)).scalar_one_or_none()


def save_release(release: Release | None, fields: Mapping[str, Any]) -> Release:
    """Create (``release`` None) or change a release from form fields; Invalid names every bad field."""
    errors: dict[str, str] = {}
    try:
        version = parse_int(fields.get("version"))
        if version is None:
            errors["version"] = "rel_err_version"
    except ValueError:
        version, errors["version"] = None, "rel_err_version"
    label = str(fields.get("label") or "").strip()
    if not LABEL_RE.match(label):
        errors["label"] = "rel_err_label"
    try:
        released_on = parse_date(fields.get("released_on"))
    except ValueError:
        released_on, errors["released_on"] = None, "rel_err_date"
    notes = str(fields.get("notes") or "").replace("\x00", "").strip()
    if len(notes) > MAX_NOTES:
        errors["notes"] = "rel_err_too_long"
    if version is not None and "version" not in errors:
        taken = release_by_version(version)
        if taken is not None and taken is not release:
            errors["version"] = "rel_err_version_taken"
    if errors:
        raise Invalid(errors)
    if release is None:
        release = Release()
        db.session.add(release)
    release.version, release.label, release.released_on, release.notes = version, label, released_on, notes
    db.session.flush()
    return release
