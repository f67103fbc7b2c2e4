"""Finding known issues by what the user types: the full-text index over title, symptoms and workaround."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from database import db
from releases.models import KnownIssue, Release
from tickets import fulltext

TEXT_COLUMNS = ("title", "symptoms", "workaround")
POSTGRESQL = fulltext.pg_search_ddl("known_issue", TEXT_COLUMNS)
SQLITE = fulltext.fts5_ddl("known_issue", "known_issue_fts", TEXT_COLUMNS, "unicode61 remove_diacritics 2")
SQLITE_DROP = fulltext.fts5_drop("known_issue_fts")
SQLITE_REBUILD = ["INSERT INTO known_issue_fts(known_issue_fts) VALUES ('rebuild')"]
MAX_CANDIDATES = 50


def affecting(version: int | None):
    """Published issues a portal on ``version`` has (needs ``Release`` outer-joined as the fixing release)."""
    conditions = [KnownIssue.published.is_(True)]
    if version is not None:
        conditions += [
            or_(KnownIssue.affected_from.is_(None), KnownIssue.affected_from <= version),
            or_(KnownIssue.affected_to.is_(None), KnownIssue.affected_to >= version),
            or_(KnownIssue.fixed_in_id.is_(None), Release.version > version),
        ]
    return and_(*conditions)


def published_for(version: int | None, limit: int = 20) -> list[KnownIssue]:
    """The published issues affecting ``version``, newest first (the placement's list)."""
    return list(db.session.execute(
        select(KnownIssue).outerjoin(Release, Release.id == KnownIssue.fixed_in_id)
        .where(affecting(version)).order_by(KnownIssue.id.desc()).limit(limit)
    ).scalars())


def published_all() -> list[KnownIssue]:
    """Every published issue, newest first (the console's answer form links one)."""
    return list(db.session.execute(
        select(KnownIssue).where(KnownIssue.published.is_(True)).order_by(KnownIssue.id.desc())).scalars())


def suggestions(q: str, version: int | None, limit: int = 5) -> list[KnownIssue]:
    """Published issues affecting ``version`` that share words with ``q``, the most words in common first."""
    query = fulltext.Query.parse(q)
    if not query.words:
        return []
    condition = fulltext.search_condition(query, "known_issue", TEXT_COLUMNS, None, any_word=True,
                                          id_column=KnownIssue.id)
    found = list(db.session.execute(
        select(KnownIssue).outerjoin(Release, Release.id == KnownIssue.fixed_in_id)
        .where(condition, affecting(version)).order_by(KnownIssue.id.desc()).limit(MAX_CANDIDATES)
    ).scalars())
    wanted = [fulltext.stems(word) for word in query.words]

    def shared(issue: KnownIssue) -> int:
        words = fulltext.WORD.findall(f"{issue.title} {issue.symptoms} {issue.workaround}".lower())
        return sum(any(w.startswith(s) for w in words for s in forms) for forms in wanted)

    return sorted(found, key=shared, reverse=True)[:limit]


fulltext.attach(KnownIssue.__table__, SQLITE, POSTGRESQL, SQLITE_DROP)
