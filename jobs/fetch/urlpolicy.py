"""Where a URL that came from a remote response may lead (docs/design.md §5, "Fetching").

A source's own url is the operator's choice. Every other URL the fetcher meets was named by a
server: a redirect's ``Location``, a pagination ``Link``. Those pass one set of rules here:

- ``http`` and ``https`` only: a server never steers crownlog to ``file:`` or any other scheme;
- relative links are resolved against the URL of the response that named them;
- unless ``[fetch] allow_private`` is on, the host must resolve only to global unicast
  addresses: loopback, private, link-local, multicast, reserved and unspecified addresses are
  refused, judged on the resolved IP (so ``2130706433``, ``0x7f.1`` or a DNS name pointing
  inwards are caught alike), and the connection is then made to that checked address, so a
  second DNS answer cannot differ from the first.

Refusals are ``UrlRefused`` (a ``FetchError``): the poll fails and appends nothing. A refused
non-web URL is named by its scheme only, so no message echoes a local path.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from jobs.fetch.httprules import shown
from jobs.fetch.types import FetchError

#: host, port -> the IP addresses a connection to them could reach.
Resolver = Callable[[str, int], Sequence[str]]
WEB_SCHEMES = ("http", "https")
_ADVICE = "set [fetch] allow_private = true only if crownlog polls a lab network on purpose"


class UrlRefused(FetchError):
    """A URL named by a remote server breaks the URL policy; never retried."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` gives for ``host`` (numeric spellings parse locally)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def denied_reason(address: str) -> str | None:
    """Why ``address`` is off limits to remote-originated URLs, or None if it is global."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for reason, hit in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not globally routable", not ip.is_global),
    ):
        if hit:
            return reason
    return None


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """The rules for remote-originated URLs; ``resolver`` is injectable so tests never connect."""

    allow_private: bool = False
    resolver: Resolver = system_resolver

    def follow(self, base: str, link: str | None, what: str) -> str:
        """The absolute http(s) URL ``link`` (named by the response from ``base``) points at.

        ``what`` names the link in messages ("a redirect", "a next-page link").
        """
        if link is None or not link.strip():
            raise UrlRefused(f"{what} from {shown(base)} names no URL — check the source url")
        target = urljoin(base, link.strip())
        self.check_scheme(target, f"{what} from {shown(base)}")
        return target

    def check_scheme(self, url: str, what: str) -> None:
        """Raise ``UrlRefused`` unless ``url`` is http(s); the message names the scheme only
        (a file: URL's path is nobody's business but the server's)."""
        scheme = urlsplit(url).scheme.lower()
        if scheme not in WEB_SCHEMES:
            named = f"a {scheme}: URL" if scheme else "a URL without a scheme"
            raise UrlRefused(f"{what} points at {named}; only http(s) is followed")

    def address_for(self, url: str, what: str) -> str | None:
        """The checked IP address to connect to for ``url``; None when private hosts are
        allowed (then the client resolves the name itself). Raises ``UrlRefused``/``FetchError``."""
        if self.allow_private:
            return None
        parts = urlsplit(url)
        host = parts.hostname or ""
        if not host:
            raise UrlRefused(f"{what} {shown(url)} names no host")
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            raise UrlRefused(f"{what} {shown(url)} has an invalid port") from None
        try:
            addresses = list(self.resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise FetchError(
                f"cannot resolve the host of {what} {shown(url)} ({type(exc).__name__}) — "
                "crownlog tries again next poll",
                retryable=True,
            ) from None
        if not addresses:
            raise FetchError(f"the host of {what} {shown(url)} has no address", retryable=True)
        for address in addresses:
            reason = denied_reason(address)
            if reason:
                raise UrlRefused(
                    f"{what} {shown(url)} was refused: its host resolves to a {reason} address "
                    f"— {_ADVICE}"
                )
        return addresses[0]


def pinned(
    url: str, headers: dict[str, str], address: str | None
) -> tuple[httpx.URL | str, dict[str, str], dict[str, Any]]:
    """The request aimed at ``address`` with the URL's own Host header and TLS server name."""
    if address is None:
        return url, headers, {}
    parsed = httpx.URL(url)
    pinned = {**headers, "Host": parsed.netloc.decode("ascii")}
    extensions = {"sni_hostname": parsed.host} if parsed.scheme == "https" else {}
    return parsed.copy_with(host=address), pinned, extensions
