"""Outbound delivery: the transactional outbox, its worker and one module per channel.

Settings (settings.DEFAULTS; a channel is off while its settings are empty):

- ``DELIVERY_MAX_ATTEMPTS`` tries before a message goes dead (a permanent refusal goes dead at once).
- ``DELIVERY_BACKOFF_BASE`` / ``DELIVERY_BACKOFF_CAP`` seconds: the n-th failure waits base * 2**(n-1), capped.
- ``DELIVERY_LEASE_SECONDS`` how long a claim lasts before another worker may take the message over (raised to
  3x the slowest channel timeout); ``DELIVERY_POLL_INTERVAL`` idle sleep; ``DELIVERY_BATCH`` claim size.
- ``VENDOR_ALERT_LANGUAGE`` ru|en for the vendor's alerts; user mail uses the ticket's language.
- Email: ``SMTP_HOST``, ``SMTP_PORT`` (0: 587 starttls, 465 ssl, 25 plain), ``SMTP_SECURITY`` starttls|ssl|plain,
  ``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_TIMEOUT``, ``SMTP_CA_FILE`` (a private CA; empty: system CAs),
  ``MAIL_FROM`` (on when SMTP_HOST and MAIL_FROM are set),
  ``VENDOR_ALERT_EMAIL`` (comma-separated; vendor alerts by mail only when set).
- Telegram: ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_CHAT_ID`` (both needed), ``TELEGRAM_API_URL``, ``TELEGRAM_TIMEOUT``.
- Webhook: ``WEBHOOK_URL`` (on when set), ``WEBHOOK_SECRET`` (signs the body), ``WEBHOOK_TIMEOUT``.
- Vendor Bitrix24: ``VENDOR_B24_WEBHOOK_URL`` (an incoming webhook, https://host/rest/<user>/<code>/),
  ``VENDOR_B24_RESPONSIBLE_ID`` (default: the webhook's user), ``VENDOR_B24_TIMEOUT``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from delivery import (
        models,  # noqa: F401  (tables)
        outbox,
    )
    from delivery.channels import configured_secrets
    from delivery.channels.http import guard_logs
    from delivery.cli import cli
    from delivery.facts import remember_previous_status

    remember_previous_status()
    # Filings, replies and status changes reach the outbox through the signal tickets sends (layers point down).
    outbox.listen()
    guard_logs(configured_secrets(app.config))
    app.register_blueprint(cli)
