"""Real local receivers for every channel (SMTP, Telegram API, webhook, Bitrix24) and ticket factories."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections import Counter
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from b24.models import Portal
from database import db
from delivery import worker
from delivery.models import OutboxMessage
from delivery.outbox import notify
from tickets.models import Reply, Ticket

TELEGRAM_TOKEN = "123456:TEST-bot-token-never-logged"
WEBHOOK_SECRET = "webhook-signing-secret"
B24_CODE = "vendorhookcode42"
OPERATOR_SECRET = "OPERATOR-CONNECTION-SECRET-9f8e"
PORTAL_TOKEN = "PORTAL-ACCESS-TOKEN-5d4c"
SECRETS = (TELEGRAM_TOKEN, WEBHOOK_SECRET, B24_CODE, OPERATOR_SECRET, PORTAL_TOKEN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fault:
    """How a receiver behaves: ok, error (HTTP 500 / SMTP 451), stall (no answer within the client's timeout)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.stall_seconds = 1.5
        self.slow_seconds = 0.0  # "ok" but slow: the request is processed, the answer comes late


class QuietHandler(WSGIRequestHandler):
    """The stand-in servers keep quiet: their access log would print the Telegram token in the URL path."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class HttpReceiver:
    """A WSGI receiver on a fixed port that can be down (nothing listening), failing, stalling or fine."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.fault = Fault()
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self._server = None

    def up(self) -> None:
        if self._server is None:
            self._server = make_server("127.0.0.1", self.port, self._wsgi, threaded=True,
                                       request_handler=QuietHandler)
            threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if self.fault.mode == "error":
            response = Response("broken", status=500)
        elif self.fault.mode == "stall":
            time.sleep(self.fault.stall_seconds)
            response = Response("too late", status=503)
        else:
            if self.fault.slow_seconds:
                time.sleep(self.fault.slow_seconds)
            with self.lock:
                response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def raw(self) -> str:
        return json.dumps(self.received, ensure_ascii=False)


class TelegramApi(HttpReceiver):
    def handle(self, request: Request) -> Response:
        if request.path != f"/bot{TELEGRAM_TOKEN}/sendMessage":
            return Response(json.dumps({"ok": False, "description": "Unauthorized"}), status=401)
        body = request.get_json()
        self.received.append(body)
        return Response(json.dumps({"ok": True, "result": {"message_id": len(self.received)}}),
                        content_type="application/json")


class WebhookReceiver(HttpReceiver):
    """Checks the HMAC of the raw body and counts deliveries per Idempotency-Key, as an incident store would."""

    def __init__(self) -> None:
        super().__init__()
        self.bad_signatures = 0

    def handle(self, request: Request) -> Response:
        raw = request.get_data()
        expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Signature", "")):
            self.bad_signatures += 1
            return Response("bad signature", status=401)
        document = json.loads(raw)
        assert document["idempotency_key"] == request.headers["Idempotency-Key"]
        self.received.append(document)
        return Response(status=204)

    def keys(self) -> Counter:
        return Counter(d["idempotency_key"] for d in self.received)


class Bitrix24Hook(HttpReceiver):
    """The vendor's portal behind an incoming webhook: tasks and their comments."""

    def __init__(self) -> None:
        super().__init__()
        self.tasks: dict[str, dict] = {}
        self.comments: list[tuple[str, str]] = []
        self._ids = itertools.count(100)

    @property
    def hook_url(self) -> str:
        return f"{self.url}/rest/1/{B24_CODE}/"

    def handle(self, request: Request) -> Response:
        prefix = f"/rest/1/{B24_CODE}/"
        if not request.path.startswith(prefix):
            return Response(json.dumps({"error": "NO_AUTH_FOUND"}), status=401)
        method = request.path[len(prefix):].removesuffix(".json")
        form = request.form
        self.received.append({"method": method, **form.to_dict()})
        if method == "tasks.task.add":
            task_id = str(next(self._ids))
            self.tasks[task_id] = {"title": form["fields[TITLE]"], "description": form["fields[DESCRIPTION]"],
                                   "responsible": form["fields[RESPONSIBLE_ID]"], "xml_id": form["fields[XML_ID]"]}
            result = {"task": {"id": task_id}}
        elif method == "tasks.task.list":
            found = [{"id": i} for i, t in self.tasks.items() if t["xml_id"] == form.get("filter[XML_ID]")]
            result = {"tasks": found}
        elif method == "task.commentitem.add":
            if form["TASKID"] not in self.tasks:
                return Response(json.dumps({"error": "TASK_NOT_FOUND"}), status=400)
            self.comments.append((form["TASKID"], form["FIELDS[POST_MESSAGE]"]))
            result = len(self.comments)
        else:
            return Response(json.dumps({"error": "ERROR_METHOD_NOT_FOUND"}), status=404)
        return Response(json.dumps({"result": result}), content_type="application/json")


class Mailbox:
    """An aiosmtpd server on a fixed port; error answers 451 (try later), stall answers after the client gave up."""

    def __init__(self) -> None:
        self.port = free_port()
        self.fault = Fault()
        self.messages: list = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        if self.fault.mode == "error":
            return "451 4.3.0 Try again later"
        if self.fault.mode == "stall":
            await asyncio.sleep(self.fault.stall_seconds)
            return "451 4.3.0 Too late"
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, mail))
        return "250 OK"

    def up(self) -> None:
        if self._controller is None:
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list:
        return [mail for rcpts, mail in self.messages if address in rcpts]

    def message_ids(self) -> Counter:
        return Counter(mail["Message-ID"] for _, mail in self.messages)


@pytest.fixture
def ctx(app):
    """The app with a pushed context; list ``delivery_config`` before it so the config is set first."""
    with app.app_context():
        yield app


@pytest.fixture
def receivers():
    parts = {"mail": Mailbox(), "telegram": TelegramApi(), "webhook": WebhookReceiver(), "b24": Bitrix24Hook()}
    yield parts
    for part in parts.values():
        part.down()


@pytest.fixture
def delivery_config(app_config, receivers) -> dict:
    """Every channel pointed at its local receiver, with timeouts and back-off small enough for tests."""
    app_config.update({
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": receivers["mail"].port, "SMTP_SECURITY": "plain",
        "MAIL_FROM": "Didox24 Support <support@desk.test>", "VENDOR_ALERT_EMAIL": "vendor@desk.test",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_CHAT_ID": "-100777",
        "TELEGRAM_API_URL": receivers["telegram"].url,
        "WEBHOOK_URL": receivers["webhook"].url + "/incidents", "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "VENDOR_B24_WEBHOOK_URL": receivers["b24"].hook_url, "VENDOR_B24_RESPONSIBLE_ID": "7",
        "SMTP_TIMEOUT": 0.5, "TELEGRAM_TIMEOUT": 0.5, "WEBHOOK_TIMEOUT": 0.5, "VENDOR_B24_TIMEOUT": 0.5,
        "DELIVERY_BACKOFF_BASE": 0.05, "DELIVERY_BACKOFF_CAP": 0.2, "DELIVERY_MAX_ATTEMPTS": 6,
        "DELIVERY_LEASE_SECONDS": 2.0, "DELIVERY_POLL_INTERVAL": 0.05,
    })
    return app_config


_numbers = itertools.count(1)


@pytest.fixture
def file_ticket(ctx):
    """File a ticket the way the ticket store will: rows + notify in one transaction, then commit."""

    def file(language: str = "ru", commit: bool = True, **fields) -> Ticket:
        portal = db.session.execute(select(Portal).where(Portal.member_id == "m-delivery")).scalar_one_or_none()
        if portal is None:
            portal = Portal(member_id="m-delivery", domain="client.bitrix24.ru", status="active",
                            access_token=PORTAL_TOKEN, application_token=PORTAL_TOKEN)
            db.session.add(portal)
        values = {
            "number": f"TU-2026-{next(_numbers):05d}", "portal": portal, "category": "error",
            "contact_email": "user@client.test", "user_name": "Иван Петров", "language": language,
            "what_done": "Opened an invoice", "what_expected": "It is sent to Didox",
            "what_obtained": "Error 500", "operator": "Payme", "operator_connection": OPERATOR_SECRET,
            "context": {"app_version": "3.2", "auth_id": PORTAL_TOKEN, "placement": "DEFAULT"},
        }
        values.update(fields)
        ticket = Ticket(**values)
        db.session.add(ticket)
        notify(ticket, "ticket_created")
        if commit:
            db.session.commit()
        return ticket

    return file


@pytest.fixture
def add_reply(ctx):
    def add(ticket: Ticket, author: str = "staff", body: str = "Fixed in 3.3", internal: bool = False,
            kind: str = "message", data: dict | None = None) -> Reply:
        reply = Reply(ticket=ticket, author=author, body=body, internal=internal, kind=kind, data=data or {})
        db.session.add(reply)
        notify(ticket, "user_followup" if author == "user" else "staff_reply", reply)
        db.session.commit()
        return reply

    return add


def unsent() -> int:
    return db.session.execute(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.state.in_(("pending", "claimed", "sending")))
    ).scalar_one()


@pytest.fixture
def drain(ctx):
    """Run worker passes until nothing is pending (or the deadline passes); back-off waits happen here."""

    def run(deadline: float = 20.0, name: str = "test-worker") -> None:
        until = time.monotonic() + deadline
        while True:
            worker.run(worker=name, once=True)
            if not unsent() or time.monotonic() > until:
                return
            time.sleep(0.05)

    return run
