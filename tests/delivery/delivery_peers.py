"""Real local peers for every delivery channel: an SMTP server, the Telegram API, a webhook receiver, Bitrix24."""

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

from aiosmtpd.controller import Controller
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

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
        if self.fault.slow_seconds:  # taken, but the "250" comes after the client gave up
            await asyncio.sleep(self.fault.slow_seconds)
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
