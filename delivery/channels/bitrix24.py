"""The vendor's own Bitrix24 through an incoming webhook: one task per ticket, a comment on it per later event."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app

from delivery.channels.base import Channel, DeliveryFailed, Outgoing
from delivery.channels.http import post
from delivery.render import render


def _base(config: dict[str, Any]) -> str:
    return config["VENDOR_B24_WEBHOOK_URL"].rstrip("/") + "/"


def _responsible(config: dict[str, Any]) -> str:
    # Default: the user the incoming webhook belongs to (https://host/rest/<user id>/<code>/).
    if config["VENDOR_B24_RESPONSIBLE_ID"]:
        return str(config["VENDOR_B24_RESPONSIBLE_ID"])
    found = re.search(r"/rest/(\d+)/", _base(config))
    return found.group(1) if found else "1"


def _result(response, what: str) -> Any:
    try:
        answer = response.json()
    except ValueError:
        raise DeliveryFailed(f"Bitrix24 {what}: the answer is not JSON") from None
    if "error" in answer:
        raise DeliveryFailed(f"Bitrix24 {what}: {answer['error']} {str(answer.get('error_description', ''))[:200]}")
    return answer.get("result")


class VendorBitrix24(Channel):
    name = "bitrix24"
    ordered = True  # a comment must not be sent before its ticket's task exists

    def enabled(self, config: dict[str, Any]) -> bool:
        return bool(config["VENDOR_B24_WEBHOOK_URL"])

    def secrets(self, config: dict[str, Any]) -> list[str]:
        url = config["VENDOR_B24_WEBHOOK_URL"]
        code = re.search(r"/rest/\d+/([^/]+)", url or "")
        return [url, url.rstrip("/"), code.group(1) if code else ""]

    def send(self, message: Outgoing) -> None:
        if message.event == "ticket_created":
            self._create(message)
        else:
            self._comment(message)

    def _call(self, method: str, data: list[tuple[str, str]]):
        config = current_app.config
        return post(_base(config) + f"{method}.json", f"Bitrix24 {method}", float(config["VENDOR_B24_TIMEOUT"]),
                    data=data)

    def _create(self, message: Outgoing) -> None:
        if message.vendor_record_id:
            return  # the ticket already has its task
        if message.tried_before:
            # An earlier try may have created the task and lost the answer: find it by the key we gave it.
            found = self._find(message.idempotency_key)
            if found:
                message.created_record_id = found
                return
        rendered = render(message.payload["template"], message.payload, html=False)
        result = _result(self._call("tasks.task.add", [
            ("fields[TITLE]", f"[{message.number}] {rendered.subject}"),
            ("fields[DESCRIPTION]", rendered.text),
            ("fields[RESPONSIBLE_ID]", _responsible(current_app.config)),
            ("fields[XML_ID]", message.idempotency_key),
        ]), "tasks.task.add")
        task = (result or {}).get("task") or (result or {}).get("item") or {}
        task_id = task.get("id") or task.get("ID")
        if not task_id:
            raise DeliveryFailed("Bitrix24 tasks.task.add: the answer has no task id")
        message.created_record_id = str(task_id)

    def _find(self, key: str) -> str | None:
        result = _result(self._call("tasks.task.list", [("filter[XML_ID]", key), ("select[0]", "ID")]),
                         "tasks.task.list")
        tasks = (result or {}).get("tasks") or []
        if tasks:
            return str(tasks[0].get("id") or tasks[0].get("ID"))
        return None

    def _comment(self, message: Outgoing) -> None:
        if not message.vendor_record_id:
            raise DeliveryFailed("waiting for the ticket's task in the vendor Bitrix24")
        rendered = render(message.payload["template"], message.payload, html=False)
        _result(self._call("task.commentitem.add", [
            ("TASKID", message.vendor_record_id),
            ("FIELDS[POST_MESSAGE]", rendered.text),
        ]), "task.commentitem.add")
