"""How a delivery leaves: a channel per target kind (webhook, Apprise), one literal registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from jobs.fetch.urlpolicy import UrlPolicy
from service.bootstrap import Services
from service.settings import NotifyTarget


@dataclass(frozen=True, slots=True)
class Sent:
    """The outcome of one send."""

    ok: bool
    http_status: int | None = None
    error: str | None = None
    retry_after: float | None = None


class Channel(Protocol):
    def send(self, delivery: str, body: dict[str, Any]) -> Sent: ...


def channel_for(target: NotifyTarget, client: httpx.Client, policy: UrlPolicy) -> Channel:
    """The channel of ``target`` (``ConfigError`` if its Apprise URLs do not parse); webhooks
    pass ``policy``, the URL policy of the fetcher."""
    from jobs.notify.apprisechannel import AppriseChannel
    from jobs.notify.webhook import WebhookChannel

    kinds: dict[str, type[Any]] = {"webhook": WebhookChannel, "apprise": AppriseChannel}
    kind = "webhook" if target.webhook is not None else "apprise"
    return kinds[kind](target, client, policy)  # type: ignore[no-any-return]


def url_policy(services: Services) -> UrlPolicy:
    """The URL policy webhooks pass: the fetcher's, with ``[fetch] allow_private``."""
    return UrlPolicy(allow_private=services.settings.fetch.allow_private)
