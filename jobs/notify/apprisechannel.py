"""Apprise deliveries: one short human message to every URL of a target (Slack, Discord, mail,
ntfy, a JSON endpoint … — the URL schemes Apprise knows).

Apprise is imported only when a target uses it. Its own log lines of a failed send become the
delivery's error text; URLs are never logged (they often carry tokens). Apprise makes its own
connections, so the fetcher's URL policy (``[fetch] allow_private``) guards webhooks only:
Apprise URLs are the operator's own, written in the config.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from jobs.notify.channel import Sent
from jobs.notify.message import text
from service.errors import ConfigError
from service.settings import NotifyTarget


class AppriseChannel:
    """Sends deliveries of one target through Apprise."""

    def __init__(
        self, target: NotifyTarget, client: httpx.Client | None = None, policy: object = None
    ) -> None:  # client and policy: the webhook channel's, unused here
        import apprise

        self._apprise = apprise.Apprise()
        for number, url in enumerate(target.apprise or (), start=1):
            if not self._apprise.add(url):
                scheme = url.split("://", 1)[0] if "://" in url else "no scheme"
                raise ConfigError(
                    f"notify target {target.name!r}: apprise URL #{number} ({scheme}://…) "
                    "is not one Apprise understands; see the Apprise URL list"
                )
        self._timeout = target.timeout

    def send(self, delivery: str, body: dict[str, Any]) -> Sent:
        title, message = text(body)
        result = self._apprise.notify(
            body=message, title=title, timeout=self._timeout, log_level=logging.WARNING
        )
        if result:
            return Sent(True)
        errors = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
        return Sent(False, error="; ".join(errors)[:500] or f"apprise: {result!r}")
