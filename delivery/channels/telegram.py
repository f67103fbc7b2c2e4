"""Telegram Bot API ``sendMessage``: an alert in the vendor's chat per new ticket and per user follow-up."""

from __future__ import annotations

from typing import Any

from flask import current_app

from delivery.channels.base import Channel, DeliveryFailed, Outgoing
from delivery.channels.http import post
from delivery.render import render

TEXT_LIMIT = 4096  # Bot API maximum for one message


class Telegram(Channel):
    name = "telegram"

    def enabled(self, config: dict[str, Any]) -> bool:
        return bool(config["TELEGRAM_BOT_TOKEN"] and config["TELEGRAM_CHAT_ID"])

    def secrets(self, config: dict[str, Any]) -> list[str]:
        return [config["TELEGRAM_BOT_TOKEN"]]

    def send(self, message: Outgoing) -> None:
        config = current_app.config
        text = render(message.payload["template"], message.payload, html=False).text
        if len(text) > TEXT_LIMIT:
            text = text[: TEXT_LIMIT - 1] + "…"
        api = config["TELEGRAM_API_URL"].rstrip("/")
        response = post(
            f"{api}/bot{config['TELEGRAM_BOT_TOKEN']}/sendMessage", "Telegram", float(config["TELEGRAM_TIMEOUT"]),
            json={"chat_id": message.recipient, "text": text, "disable_web_page_preview": True},
        )
        try:
            answer = response.json()
        except ValueError:
            raise DeliveryFailed("Telegram: the answer is not JSON") from None
        if not answer.get("ok"):
            raise DeliveryFailed(f"Telegram: {str(answer.get('description', 'not ok'))[:200]}")
