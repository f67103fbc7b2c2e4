"""The scopes the app declares (B24_SCOPES), what each placement and method needs, and the start-up check.

The vendor cabinet grants exactly the scopes the app declares there; the portal refuses ``placement.bind``
with ``ERROR_PLACEMENT_NOT_FOUND`` for a placement outside them, and ``user.current`` hides ``EMAIL`` under
``user_brief``. Marketplace moderation refuses an app that asks for scopes it does not use
(b24restdocs market/preparing-to-publish/common-requirements.md). So the one list in settings is checked
here against what the app binds and calls.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from settings import csv

log = logging.getLogger(__name__)

# A placement code's scope, by prefix (b24restdocs api-reference/widgets/placements.md, "All Placements";
# api-reference/widgets/user-profile/profile-menu.md; api-reference/widgets/crm/detail-toolbar.md;
# api-reference/widgets/universal/app-url.md for LEFT_MENU and REST_APP_URI).
PLACEMENT_SCOPES: tuple[tuple[str, str], ...] = (
    ("CRM_", "crm"),
    ("USER_PROFILE_", "user"),
    ("LEFT_MENU", "placement"),
    ("REST_APP_URI", "placement"),
    ("TASK_", "task"),
    ("CALENDAR_", "calendar"),
    ("IM_", "im"),
    ("TELEPHONY_", "telephony"),
    ("SONET_GROUP_", "sonet_group"),
)

# Scopes the app needs for the methods it calls, apart from the placements (b24restdocs
# api-reference/widgets/placement-bind.md: `placement`; api-reference/user/user-current.md and
# api-reference/user/user-scope.md: EMAIL needs `user_basic`; app.info, user.admin, event.bind and
# batch are in the basic scope every app has).
METHOD_SCOPES: dict[str, str] = {
    "placement.bind": "placement",
    "placement.unbind": "placement",
    "user.current": "user_basic",  # user_brief would hide EMAIL, which the Support form prefills
}

# A wider scope reveals everything a narrower one does (api-reference/user/user-scope.md).
IMPLIES: dict[str, tuple[str, ...]] = {"user": ("user_basic", "user_brief"), "user_basic": ("user_brief",)}


class ScopeMisconfigured(RuntimeError):
    """B24_PLACEMENTS or the methods the app calls need a scope B24_SCOPES does not declare."""


def placement_scope(code: str) -> str | None:
    """The scope a placement needs, or None for a code the table does not know."""
    code = code.strip().upper()
    for prefix, scope in PLACEMENT_SCOPES:
        if code.startswith(prefix):
            return scope
    return None


def granted(declared: Iterable[str]) -> set[str]:
    """The declared scopes and every narrower scope they include."""
    names = {s.strip().lower() for s in declared if s.strip()}
    for scope in list(names):
        names.update(IMPLIES.get(scope, ()))
    return names


def parse_scope(value: str | None) -> list[str]:
    """A scope list as Bitrix24 writes it: comma-separated in real captures, space-separated in the docs."""
    return [s for s in (value or "").replace(" ", ",").split(",") if s]


def allows(declared: Iterable[str], placement: str) -> bool:
    scope = placement_scope(placement)
    return scope is not None and scope in granted(declared)


def needed(placements: Iterable[str]) -> list[str]:
    """The narrowest scope list that covers these placements and the methods the app calls."""
    wanted = {placement_scope(code) for code in placements} | set(METHOD_SCOPES.values())
    wanted.discard(None)
    for scope in list(wanted):  # a wider scope makes its narrower ones redundant
        wanted.difference_update(IMPLIES.get(scope, ()))
    return sorted(wanted)  # type: ignore[arg-type]


def check(scopes_setting: str, placements_setting: str) -> None:
    """Refuse to start when a placement or a called method needs a scope that is not declared."""
    declared = csv(scopes_setting)
    have = granted(declared)
    problems = []
    for code in csv(placements_setting):
        scope = placement_scope(code)
        if scope is None:
            problems.append(f"placement {code} is not one the app knows the scope of")
        elif scope not in have:
            problems.append(f"placement {code} needs the scope `{scope}`")
    for method, scope in METHOD_SCOPES.items():
        if scope not in have:
            problems.append(f"{method} needs the scope `{scope}`")
    if problems:
        raise ScopeMisconfigured(
            f"B24_SCOPES={','.join(declared) or '(empty)'} does not cover what the app binds and calls: "
            + "; ".join(problems)
            + f". Declare {','.join(needed(csv(placements_setting)))} here and in the vendor cabinet."
        )
    unused = set(declared) - set(needed(csv(placements_setting))) - {"basic"}
    if unused:
        # Not fatal (a vendor may bind more by hand), but moderation refuses unused scopes.
        log.warning("B24_SCOPES declares scopes nothing uses: %s", ", ".join(sorted(unused)))
