"""A minimal Bitrix24 OAuth server on loopback (app.info, token refresh), for the ops tests' frame requests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import Flask, jsonify, request


@dataclass
class StandInOAuth:
    client_id: str
    tokens: dict[str, dict] = field(default_factory=dict)  # access token -> install facts
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> access token it renews
    calls: list[str] = field(default_factory=list)

    def issue(self, domain: str, member_id: str, user_id: int = 1) -> tuple[str, str]:
        """A fresh access/refresh token pair for a portal."""
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        self.tokens[access] = {"domain": domain, "member_id": member_id, "user_id": user_id}
        self.refresh[refresh] = access
        return access, refresh

    def wsgi(self) -> Flask:
        app = Flask("standin_oauth")

        @app.get("/rest/app.info/")
        def app_info():
            self.calls.append("app.info")
            facts = self.tokens.get(request.args.get("auth", ""))
            if facts is None:
                return jsonify(error="invalid_token", error_description="Unable to authorize"), 401
            return jsonify(result={
                "client_id": self.client_id, "scope": "placement,user", "expires": "2030-01-01T00:00:00+00:00",
                "user_id": facts["user_id"],
                "install": {"installed": True, "version": 1, "status": "P", "scope": "placement,user",
                            "domain": facts["domain"], "uri": f"https://{facts['domain']}",
                            "client_endpoint": f"https://{facts['domain']}/rest/", "member_id": facts["member_id"],
                            "member_type": "PORTAL"},
            })

        @app.get("/oauth/token/")
        def token():
            self.calls.append("oauth.token")
            old = self.refresh.pop(request.args.get("refresh_token", ""), None)
            if old is None:
                return jsonify(error="invalid_grant", error_description="Invalid refresh token"), 400
            facts = self.tokens[old]
            access, refresh = self.issue(facts["domain"], facts["member_id"], facts["user_id"])
            return jsonify(access_token=access, refresh_token=refresh, expires_in=3600, member_id=facts["member_id"],
                           domain=facts["domain"], client_endpoint=f"https://{facts['domain']}/rest/")

        return app
