"""Installing is an admin's act (protocol §7): ask the portal whether the token's user is its administrator."""

from __future__ import annotations

from b24.errors import NotAnAdmin
from b24.oauth import OAuthServer
from b24.rest import PortalClient


def require_admin(client_endpoint: str, access_token: str, oauth: OAuthServer | None = None, *,
                  member_id: str | None = None) -> None:
    """NotAnAdmin unless ``user.admin`` answers true for this token.

    ``client_endpoint`` must be the one the OAuth server gave for the token, never a host from the request.
    A portal that cannot be asked raises PortalCallFailed: without the answer nothing may change.
    [dev.1c-bitrix.ru rest_help/general/user_admin.php: ``user.admin`` answers ``{"result": true|false}`` for the
    token's user; protocol §4, §7]
    """
    answer = PortalClient(client_endpoint, access_token, oauth=oauth, member_id=member_id).call("user.admin")  # logged
    if answer not in (True, "true", "Y", 1):
        raise NotAnAdmin("Only a portal administrator can install or update the app.", "not_admin")
