"""What the app's granted scopes allow on a sandbox portal: which methods, which placements, which user fields."""

from __future__ import annotations

import re

# The registration the app is to declare (issue 15, item 1); the app's own B24_SCOPES overrides it when mounted.
DEFAULT_SCOPES = "crm,placement,user_basic"

# The three versions of the user scope, strongest first [api-reference/user/user-scope.md].
USER_SCOPES = ("user", "user_basic", "user_brief")

# user_brief: no contact details [api-reference/user/user-scope.md, "Limited user scope versions", right column].
USER_BRIEF_FIELDS = (
    "ID", "XML_ID", "ACTIVE", "NAME", "LAST_NAME", "SECOND_NAME", "TITLE", "IS_ONLINE", "TIME_ZONE",
    "PERSONAL_PHOTO", "TIMESTAMP_X", "DATE_REGISTER", "PERSONAL_PROFESSION", "PERSONAL_GENDER",
    "PERSONAL_BIRTHDAY", "PERSONAL_CITY", "PERSONAL_STATE", "PERSONAL_COUNTRY", "WORK_POSITION", "WORK_CITY",
    "WORK_STATE", "WORK_COUNTRY", "LAST_ACTIVITY_DATE", "UF_EMPLOYMENT_DATE", "UF_TIMEMAN", "UF_SKILLS",
    "UF_INTERESTS", "UF_DEPARTMENT", "UF_PHONE_INNER",
)

# user_basic: basic data and contacts [api-reference/user/user-scope.md, left column].
USER_BASIC_FIELDS = (
    "ID", "XML_ID", "ACTIVE", "NAME", "LAST_NAME", "SECOND_NAME", "TITLE", "EMAIL", "PERSONAL_PHONE",
    "WORK_PHONE", "WORK_POSITION", "WORK_COMPANY", "IS_ONLINE", "TIME_ZONE", "TIMESTAMP_X", "DATE_REGISTER",
    "LAST_ACTIVITY_DATE", "PERSONAL_PROFESSION", "PERSONAL_GENDER", "PERSONAL_BIRTHDAY", "PERSONAL_PHOTO",
    "PERSONAL_FAX", "PERSONAL_MOBILE", "PERSONAL_PAGER", "PERSONAL_STREET", "PERSONAL_MAILBOX", "PERSONAL_CITY",
    "PERSONAL_STATE", "PERSONAL_ZIP", "PERSONAL_COUNTRY", "PERSONAL_NOTES", "WORK_DEPARTMENT", "WORK_WWW",
    "WORK_FAX", "WORK_PAGER", "WORK_STREET", "WORK_MAILBOX", "WORK_CITY", "WORK_STATE", "WORK_ZIP", "WORK_COUNTRY",
    "WORK_PROFILE", "WORK_LOGO", "WORK_NOTES", "UF_DEPARTMENT", "UF_DISTRICT", "UF_SKYPE", "UF_SKYPE_LINK",
    "UF_ZOOM", "UF_TWITTER", "UF_FACEBOOK", "UF_LINKEDIN", "UF_XING", "UF_WEB_SITES", "UF_PHONE_INNER",
    "UF_EMPLOYMENT_DATE", "UF_TIMEMAN", "UF_SKILLS", "UF_INTERESTS",
)

# user: every system field [api-reference/user/user-scope.md, "Full user scope version"].
USER_FIELDS = (
    "ID", "XML_ID", "ACTIVE", "NAME", "LAST_NAME", "SECOND_NAME", "TITLE", "EMAIL", "LAST_LOGIN", "DATE_REGISTER",
    "TIME_ZONE", "IS_ONLINE", "TIMESTAMP_X", "LAST_ACTIVITY_DATE", "PERSONAL_PROFESSION", "PERSONAL_GENDER",
    "PERSONAL_WWW", "PERSONAL_BIRTHDAY", "PERSONAL_PHOTO", "PERSONAL_ICQ", "PERSONAL_PHONE", "PERSONAL_FAX",
    "PERSONAL_MOBILE", "PERSONAL_PAGER", "PERSONAL_STREET", "PERSONAL_MAILBOX", "PERSONAL_CITY", "PERSONAL_STATE",
    "PERSONAL_ZIP", "PERSONAL_COUNTRY", "PERSONAL_NOTES", "WORK_COMPANY", "WORK_DEPARTMENT", "WORK_POSITION",
    "WORK_WWW", "WORK_PHONE", "WORK_FAX", "WORK_PAGER", "WORK_STREET", "WORK_MAILBOX", "WORK_CITY", "WORK_STATE",
    "WORK_ZIP", "WORK_COUNTRY", "WORK_PROFILE", "WORK_LOGO", "WORK_NOTES", "UF_DEPARTMENT", "UF_DISTRICT",
    "UF_SKYPE", "UF_SKYPE_LINK", "UF_ZOOM", "UF_TWITTER", "UF_FACEBOOK", "UF_LINKEDIN", "UF_XING", "UF_WEB_SITES",
    "UF_PHONE_INNER", "UF_EMPLOYMENT_DATE", "UF_TIMEMAN", "UF_SKILLS", "UF_INTERESTS",
)

_FIELDS_BY_SCOPE = {"user": USER_FIELDS, "user_basic": USER_BASIC_FIELDS, "user_brief": USER_BRIEF_FIELDS}

# placement.bind always needs `placement`; this is the second scope of each code
# [api-reference/widgets/placements.md, "All Placements"]. None: "not required".
_PLACEMENTS: dict[str, str | None] = {
    "BI_ANALYTICS_MENU": None, "CALENDAR_GRIDVIEW": "calendar", "CALL_CARD": "telephony",
    "CONTACT_CENTER": "contact_center", "CRM_ANALYTICS_MENU": "crm", "CRM_ANALYTICS_TOOLBAR": "crm",
    "CRM_BANK_DETAIL_AUTOCOMPLETE": "crm", "CRM_DETAIL_SEARCH": "crm", "CRM_FUNNELS_TOOLBAR": "crm",
    "CRM_REQUISITE_AUTOCOMPLETE": "crm", "IM_CONTEXT_MENU": "im", "IM_NAVIGATION": "im", "IM_SIDEBAR": "im",
    "IM_SMILES_SELECTOR": None, "IM_TEXTAREA": "im", "IMMOBILE_CONTEXT_MENU": "im", "LEFT_MENU": None,
    "PAGE_BACKGROUND_WORKER": None, "REST_APP_URI": None, "SONET_GROUP_DETAIL_TAB": "sonet_group",
    "SONET_GROUP_ROBOT_DESIGNER_TOOLBAR": "sonet_group", "SONET_GROUP_TOOLBAR": "sonet_group",
    "TASK_GROUP_LIST_TOOLBAR": "task", "TASK_LIST_CONTEXT_MENU": "task", "TASK_ROBOT_DESIGNER_TOOLBAR": "task",
    "TASK_USER_LIST_TOOLBAR": "task", "TASK_VIEW_SIDEBAR": "task", "TASK_VIEW_TAB": "task",
    "TASK_VIEW_TOP_PANEL": "task", "TELEPHONY_ANALYTICS_MENU": "telephony", "USER_PROFILE_MENU": "user",
    "USER_PROFILE_TOOLBAR": "user",
}
# CRM_XXX_...: XXX is LEAD, DEAL, CONTACT, COMPANY, QUOTE, SMART_INVOICE, ORDER, ACTIVITY or DYNAMIC_<type id>
# [api-reference/widgets/placements.md]; every one of them needs `crm`.
_CRM_PLACEMENT = re.compile(
    r"CRM_(LEAD|DEAL|CONTACT|COMPANY|QUOTE|SMART_INVOICE|ORDER|ACTIVITY|DYNAMIC_\d+)_"
    r"(ACTIVITY_TIMELINE_MENU|DETAIL_ACTIVITY|DETAIL_TAB|DETAIL_TOOLBAR|DOCUMENTGENERATOR_BUTTON|LIST_MENU"
    r"|LIST_TOOLBAR|ROBOT_DESIGNER_TOOLBAR)"
)


def parse(scopes: str) -> list[str]:
    """``"crm, placement,user_basic"`` -> ``["crm", "placement", "user_basic"]``, in order, without repeats."""
    seen: list[str] = []
    for item in re.split(r"[,\s]+", scopes or ""):
        if item and item not in seen:
            seen.append(item)
    return seen


def method_needs(method: str) -> tuple[str, ...]:
    """The scopes of which a REST method needs one; () for the `basic` methods every app may call.

    crm.* [api-reference/crm/...: "Scope: crm"], user.current / user.get [api-reference/user/user-current.md:
    "Scope: user, user_brief, user_basic"], placement.* [api-reference/widgets/placement-bind.md]. app.info,
    profile, user.admin, event.* and batch are `basic` [api-reference/common/system/app-info.md,
    api-reference/events/event-bind.md].
    """
    method = method.lower()
    if method.startswith("crm."):
        return ("crm",)
    if method in ("user.current", "user.get", "user.search"):
        return USER_SCOPES
    if method.startswith("placement."):
        return ("placement",)
    return ()


def placement_needs(code: str) -> str | None:
    """The second scope a placement code needs (None when only `placement`); LookupError for an unknown code."""
    code = code.upper()
    if _CRM_PLACEMENT.fullmatch(code):
        return "crm"
    if code in _PLACEMENTS:
        return _PLACEMENTS[code]
    raise LookupError(code)


def user_fields(granted: list[str]) -> tuple[str, ...]:
    """The user fields the strongest granted version of the user scope reveals; () without any of them."""
    for scope in USER_SCOPES:
        if scope in granted:
            return _FIELDS_BY_SCOPE[scope]
    return ()
