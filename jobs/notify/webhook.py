"""Webhook deliveries: a signed JSON POST.

``X-Crownlog-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>`` lets
the receiver check the body came from this crownlog; ``X-Crownlog-Delivery`` names the
delivery (the log position, or ``health-<id>``, ``test-<time>``) so a receiver can drop the
repeat of an at-least-once delivery. Only a 2xx answer counts as delivered; redirects are
not followed (a moved endpoint is a configuration change). The URL passes the project's URL
policy (``jobs.fetch.urlpolicy``) before every send, and the connection goes to the address it
checked: a webhook resolving to a private address is refused unless ``[fetch] allow_private``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import orjson

from jobs.fetch.types import FetchError
from jobs.fetch.urlpolicy import UrlPolicy, pinned
from jobs.notify.channel import Sent
from service import __version__
from service.settings import NotifyTarget


def sign(body: bytes, secret: str) -> str:
    """The ``X-Crownlog-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """Whether ``signature`` signs ``body`` (what a receiver does; constant time)."""
    return hmac.compare_digest(sign(body, secret), signature)


class WebhookChannel:
    """POSTs deliveries of one target."""

    def __init__(self, target: NotifyTarget, client: httpx.Client, policy: UrlPolicy) -> None:
        assert target.webhook is not None and target.secret is not None
        self._what = f"the webhook of notify target {target.name!r}"
        self._policy = policy
        self._url = target.webhook
        self._secret = target.secret.get_secret_value()
        self._timeout = target.timeout
        self._client = client

    def send(self, delivery: str, body: dict[str, Any]) -> Sent:
        raw = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"crownlog/{__version__}",
            "X-Crownlog-Delivery": delivery,
            "X-Crownlog-Signature": sign(raw, self._secret),
            "X-Crownlog-Events": ",".join(sorted({a["event"] for a in body["alerts"]})),
        }
        try:
            address = self._policy.address_for(self._url, self._what)
        except FetchError as exc:
            return Sent(False, error=str(exc))
        url, headers, extensions = pinned(self._url, headers, address)
        try:
            response = self._client.post(
                url, content=raw, headers=headers, timeout=self._timeout, extensions=extensions
            )
        except httpx.HTTPError as exc:
            return Sent(False, error=f"{type(exc).__name__}: {exc or 'no detail'}")
        if 200 <= response.status_code < 300:
            return Sent(True, response.status_code)
        return Sent(
            False,
            response.status_code,
            f"HTTP {response.status_code}: {response.text[:200]}",
            _retry_after(response.headers.get("Retry-After")),
        )


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
