"""Configuration: embedded defaults, then the instance folder, then B24DESK_*/plain environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

# Every setting the app reads, with its default. The README's configuration table mirrors this list.
DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": "dev-only-change-me",
    "DATABASE_URL": "",  # empty: SQLite under instance/
    "PUBLIC_URL": "http://127.0.0.1:5000",
    "B24_CLIENT_ID": "local.sandbox.app",
    "B24_CLIENT_SECRET": "sandbox-secret",
    "B24_OAUTH_URL": "https://oauth.bitrix.info",
    # OAuth hosts a posted SERVER_ENDPOINT may name; B24_OAUTH_URL is always trusted.
    "B24_TRUSTED_OAUTH_URLS": "https://oauth.bitrix.info,https://oauth.bitrix24.tech",
    # USER_PROFILE_MENU would need the whole `user` scope; the CRM toolbars need only `crm` (b24/scopes.py).
    "B24_PLACEMENTS": (
        "CRM_DEAL_DETAIL_TOOLBAR,CRM_LEAD_DETAIL_TOOLBAR,CRM_CONTACT_DETAIL_TOOLBAR,CRM_COMPANY_DETAIL_TOOLBAR"
    ),
    # The scopes registered in the vendor cabinet: what B24_PLACEMENTS and the methods the app calls need,
    # no more (b24/scopes.py checks it at start-up; user_basic reveals the user's EMAIL, user_brief does not).
    "B24_SCOPES": "crm,placement,user_basic",
    "B24_HTTP_TIMEOUT": 10.0,
    "B24_MAX_RETRIES": 3,
    "B24_RETRY_BASE_DELAY": 0.5,
    "B24_OPERATION_WAIT_MAX": 30.0,  # OPERATION_TIME_LIMIT: wait for the named reset if it is this close, else fail
    # Who a portal's user is (user.current, user.admin), remembered per (member_id, user_id) so an open with a
    # fresh AUTH_ID asks only the OAuth server; 0: ask the portal on every open (b24/users.py).
    "USER_CACHE_SECONDS": 300,
    # The portal's own app.info (licence, payment days left) is asked at most this often per portal: within it a
    # known user's open asks only the OAuth server; 0: ask on every open (placements/visit.py).
    "PORTAL_INFO_SECONDS": 600,
    "REDIS_URL": "",  # set: the user cache lives in Redis (Flask-Caching), shared by every worker; empty: the database
    # Database connections older than this are replaced at check-out (instead of a pre-ping on every check-out).
    "DB_POOL_RECYCLE_SECONDS": 1800,
    "REST_LOG_DAYS": 7,  # the REST call log is kept this long (the marketplace asks for at least 3 days)
    "REST_LOG_FLUSH_SECONDS": 0.25,  # a web worker writes its REST log rows this often, many in one statement
    "TOKEN_RENEW_DAYS": 30,  # `flask portals renew` refreshes tokens not refreshed for this many days
    "SANDBOX": False,  # mount the sandbox portal under /sandbox (development and tests only)
    "B24_JS_URL": "/static/vendor/b24jssdk.min.js",  # @bitrix24/b24jssdk's UMD build, served by the app itself
    "FRAME_ANCESTORS_EXTRA": "",  # origins besides the opening portal that may frame placement pages
    "APP_BUILD": "",  # the server's build version shown in support requests; default: package version
    # Vendor: defaults are the policy's own vendor.
    "VENDOR_NAME": "TECHNOUNIT-GROUP",
    "VENDOR_APP_NAME": "Didox24",
    "VENDOR_EMAIL": "info@technounit.uz",
    "VENDOR_TELEGRAM": "@technounit",
    "VENDOR_PHONE": "+99871 203 7006",
    "VENDOR_ADDRESS": "Tashkent, Nukus str., 71, UZBEKISTAN 100015",
    "VENDOR_POLICY_URL": "",
    "VENDOR_KNOWN_ISSUES_URL": "",
    "TICKET_PREFIX": "TU",
    "RECOMMENDED_OPERATORS": "Payme,Click,Uzum,Paynet",
    "ATTACHMENT_DIR": "",  # empty: instance/attachments
    "ATTACHMENT_MAX_MB": 1024,  # per file, enforced while the upload streams in
    "ATTACHMENT_MAX_REQUEST_MB": 2048,  # per request body, all files and fields together
    "ATTACHMENT_MAX_FILES": 20,  # file parts per request
    "ATTACHMENT_DRAIN_MB": 64,  # after refusing an upload, read this much more so the client sees the 413
    "FRAME_TOKEN_TTL": 3600,
    # Resumable uploads (tus) and where attachments live.
    "UPLOAD_EXPIRE_HOURS": 24,  # an upload not sent with a form this long after its last byte is swept
    "ATTACHMENT_STORAGE": "",  # empty: the ATTACHMENT_DIR folder; s3://bucket/prefix: object storage
    "S3_ENDPOINT_URL": "",  # empty: AWS; e.g. https://storage.yandexcloud.net or a MinIO address
    "S3_REGION": "",
    "S3_ACCESS_KEY_ID": "",  # empty: boto3's own chain (environment, instance role)
    "S3_SECRET_ACCESS_KEY": "",
    "S3_PART_MB": 8,  # multipart part size for resumable uploads (S3's minimum is 5)
    "FFMPEG": "",  # ffmpeg for video posters in the console; empty: found on PATH
    # Operations (ops/): proxy, logs, readiness, metrics, rate limits.
    "PROXY_FIX": False,  # behind nginx: trust X-Forwarded-For/-Proto/-Host from PROXY_FIX_HOPS proxies
    "PROXY_FIX_HOPS": 1,
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "json",  # json: one JSON object per line; text: plain lines for a terminal
    "METRICS_TOKEN": "",  # set: /metrics needs "Authorization: Bearer <token>"
    "READY_MAX_BACKLOG_SECONDS": 0,  # >0: /readyz fails when the oldest due delivery waited longer
    "RATE_LIMIT_SUBMISSIONS_PER_PORTAL": 60,  # tickets and follow-ups per portal per window; 0: no limit
    "RATE_LIMIT_SUBMISSIONS_PER_USER": 20,  # per user of a portal per window; 0: no limit
    "RATE_LIMIT_SUBMISSIONS_WINDOW": 3600,  # seconds
    "RATE_LIMITS_OFF": False,
    # Any body but an upload endpoint's (events, frames, forms, JSON, multipart, chunked) is refused above this.
    "MAX_BODY_KB": 1024,
    # Developer console (/console): staff sessions, sign-in limit, list sizes, reaction time without a contract.
    "CONSOLE_SESSION_MINUTES": 480,
    "CONSOLE_LOGIN_MAX_ATTEMPTS": 5,
    "CONSOLE_LOGIN_WINDOW_MINUTES": 15,
    "CONSOLE_LOGIN_MAX_ATTEMPTS_PER_IP": 50,  # failures from one IP over all emails within the window
    "CONSOLE_PAGE_SIZE": 50,
    "CONSOLE_DEFAULT_REACTION_HOURS": 24,
    # Bitrix24 cloud zones; any other portal domain is a box (on-premise) portal for policy §2.
    "B24_CLOUD_DOMAINS": "bitrix24.ru,bitrix24.com,bitrix24.by,bitrix24.kz,bitrix24.ua,bitrix24.de,bitrix24.eu,"
    "bitrix24.es,bitrix24.fr,bitrix24.it,bitrix24.pl,bitrix24.uk,bitrix24.in,bitrix24.jp,bitrix24.cn,"
    "bitrix24.com.br,bitrix24.com.tr,bitrix24.vn,bitrix24.id,bitrix24.co,bitrix24.mx,bitrix24.tech,bitrix24.uz",
    "BOX_REACHABLE_DAYS": 7,  # a box portal counts as reachable if the app's last REST call succeeded this recently
    # Delivery (issue 4): the outbox worker and its channels; see delivery/__init__.py for each key.
    # A channel is off while its settings are empty.
    "DELIVERY_MAX_ATTEMPTS": 10,
    "DELIVERY_BACKOFF_BASE": 30.0,
    "DELIVERY_BACKOFF_CAP": 3600.0,
    "DELIVERY_LEASE_SECONDS": 120.0,
    "DELIVERY_POLL_INTERVAL": 2.0,
    "DELIVERY_BATCH": 20,
    "VENDOR_ALERT_LANGUAGE": "ru",
    "SMTP_HOST": "",
    "SMTP_PORT": 0,
    "SMTP_SECURITY": "starttls",
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_TIMEOUT": 10.0,
    "SMTP_CA_FILE": "",  # a private CA for the SMTP server's certificate; empty: the system's CAs
    "MAIL_FROM": "",
    "VENDOR_ALERT_EMAIL": "",
    "TELEGRAM_BOT_TOKEN": "",
    "TELEGRAM_CHAT_ID": "",
    "TELEGRAM_API_URL": "https://api.telegram.org",
    "TELEGRAM_TIMEOUT": 10.0,
    "WEBHOOK_URL": "",
    "WEBHOOK_SECRET": "",
    "WEBHOOK_TIMEOUT": 10.0,
    "VENDOR_B24_WEBHOOK_URL": "",
    "VENDOR_B24_RESPONSIBLE_ID": "",
    "VENDOR_B24_TIMEOUT": 10.0,
}

_BOOL = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return _BOOL.get(raw.strip().lower(), default)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config in order: defaults, instance/config.py, environment, test_config."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for key, default in DEFAULTS.items():
        if key in os.environ:
            app.config[key] = _coerce(os.environ[key], default)
    app.config.from_prefixed_env("B24DESK")
    if test_config:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    url = app.config["DATABASE_URL"] or f"sqlite:///{instance / 'desk.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    else:
        # No pool_pre_ping: it costs a round trip ("SELECT 1") on every check-out. pool_recycle retires a
        # connection before a server, proxy or firewall idle timeout can cut it; one cut anyway (a database
        # restart) fails that one statement, and SQLAlchemy then invalidates the whole pool, so the next request
        # connects afresh (docs.sqlalchemy.org core/pooling.html, "Dealing with Disconnects").
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_recycle": int(app.config["DB_POOL_RECYCLE_SECONDS"])})
    app.config["ATTACHMENT_DIR"] = app.config["ATTACHMENT_DIR"] or str(instance / "attachments")
    app.config["MAX_CONTENT_LENGTH"] = None  # uploads are streamed and limited per file by the attachment store
    app.config["PUBLIC_URL"] = app.config["PUBLIC_URL"].rstrip("/")
    if app.config["PUBLIC_URL"].startswith("https://") and app.config["SECRET_KEY"] == DEFAULTS["SECRET_KEY"]:
        # Deployed for real portals: the development key would let anyone forge frame tokens and open sealed data.
        raise RuntimeError("Set SECRET_KEY (a long random string) before serving a public https PUBLIC_URL.")
    app.config["B24_OAUTH_URL"] = app.config["B24_OAUTH_URL"].rstrip("/")


def csv(value: str | list[str]) -> list[str]:
    """A comma-separated setting as a clean list."""
    if isinstance(value, list):
        return value
    return [item.strip() for item in value.split(",") if item.strip()]
