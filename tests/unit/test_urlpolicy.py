"""The URL policy on resolved addresses, without connecting anywhere.

Names resolve through an injected table; numeric spellings go through ``getaddrinfo`` with
``AI_NUMERICHOST``, which parses them locally and never sends a packet.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from jobs.fetch.fetcher import Fetcher
from jobs.fetch.types import FetchError, FetchSettings
from jobs.fetch.urlpolicy import UrlPolicy, UrlRefused, denied_reason, pinned
from service.settings import Settings, load_settings

SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "config" / "crownlog.toml"

NAMES = {
    "localhost": ["127.0.0.1", "::1"],
    "intranet.example": ["10.0.0.7"],
    "router.example": ["192.168.1.1"],
    "metadata.example": ["169.254.169.254"],
    "rebind.example": ["93.184.216.34", "10.0.0.1"],  # one good answer does not save a bad one
    "mapped.example": ["::ffff:127.0.0.1"],
    "public.example": ["93.184.216.34"],
    "public6.example": ["2606:4700:4700::1111"],
}


def table_resolver(host: str, port: int) -> Sequence[str]:
    """Names from ``NAMES``; numeric hosts parsed by the system without any lookup."""
    if host in NAMES:
        return NAMES[host]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    return [str(info[4][0]) for info in infos]


def never_called(host: str, port: int) -> Sequence[str]:
    raise AssertionError(f"resolved {host}:{port} though private hosts are allowed")


POLICY = UrlPolicy(resolver=table_resolver)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:10.0.0.1", "private"),
        ("100.64.0.1", "not globally routable"),
        ("240.0.0.1", "private"),
    ],
)
def test_inward_addresses_are_denied(address: str, reason: str) -> None:
    """Loopback, private, link-local, multicast, unspecified, shared and mapped addresses."""
    assert denied_reason(address) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_global_addresses_pass(address: str) -> None:
    assert denied_reason(address) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/secret",
        "http://2130706433/secret",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/secret",
        "http://0177.0.0.1/secret",
        "http://127.1/secret",
        "http://[::1]:9/secret",
        "http://[::ffff:7f00:1]/secret",
        "http://localhost:8000/secret",
        "http://intranet.example/",
        "https://router.example/admin",
        "http://metadata.example/latest/meta-data/",
        "http://rebind.example/",
        "http://mapped.example/",
    ],
)
def test_remote_urls_resolving_inwards_are_refused(url: str) -> None:
    """Judged on the resolved address, so every spelling of loopback is caught."""
    with pytest.raises(UrlRefused, match=r"resolves to a .* address") as caught:
        POLICY.address_for(url, "a next-page link")
    assert caught.value.retryable is False


def test_a_public_host_is_pinned_to_its_checked_address() -> None:
    """The address checked is the address returned (and connected to)."""
    assert POLICY.address_for("https://public.example/x", "a link") == "93.184.216.34"
    assert POLICY.address_for("http://public6.example/", "a link") == "2606:4700:4700::1111"


def test_allow_private_skips_the_check_and_resolves_nothing() -> None:
    """``[fetch] allow_private``: the client connects by name, as it would without a policy."""
    policy = UrlPolicy(allow_private=True, resolver=never_called)
    assert policy.address_for("http://127.0.0.1/secret", "a link") is None


def test_a_name_that_does_not_resolve_is_a_retryable_fetch_error() -> None:
    def failing(host: str, port: int) -> Sequence[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(FetchError, match="cannot resolve") as caught:
        UrlPolicy(resolver=failing).address_for("http://nowhere.example/", "a link")
    assert caught.value.retryable and not isinstance(caught.value, UrlRefused)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/api/models?cursor=2", "https://hub.example/api/models?cursor=2"),
        ("?cursor=2", "https://hub.example/api/models?cursor=2"),
        ("page2", "https://hub.example/api/page2"),
        ("//mirror.example/p2", "https://mirror.example/p2"),
        ("  http://other.example/p2 ", "http://other.example/p2"),
    ],
)
def test_relative_links_resolve_against_the_response_url(link: str, expected: str) -> None:
    base = "https://hub.example/api/models?author=x"
    assert POLICY.follow(base, link, "a next-page link") == expected


@pytest.mark.parametrize(
    "link",
    [
        "file:///home/operator/secret.json",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "ftp://files.example/x",
        "gopher://127.0.0.1:25/",
        "javascript:alert(1)",
        "data:application/json,[]",
    ],
)
def test_only_http_links_are_followed_and_no_path_is_echoed(link: str) -> None:
    """Any other scheme is refused; the message names the scheme, never the path."""
    with pytest.raises(UrlRefused, match="only http") as caught:
        POLICY.follow("https://hub.example/api/models", link, "a next-page link")
    message = str(caught.value)
    assert "/etc/passwd" not in message and "secret.json" not in message and "alert" not in message


@pytest.mark.parametrize("link", [None, "", "   "])
def test_an_empty_link_is_refused(link: str | None) -> None:
    with pytest.raises(UrlRefused, match="names no URL"):
        POLICY.follow("https://hub.example/", link, "a 302 redirect")


def test_a_pinned_request_keeps_the_host_header_and_tls_server_name() -> None:
    """The connection goes to the checked IP; the server still sees its own name."""
    url, headers, extensions = pinned("https://hub.example:8443/p?x=1", {"A": "b"}, "93.184.216.34")
    assert str(url) == "https://93.184.216.34:8443/p?x=1"
    assert headers == {"A": "b", "Host": "hub.example:8443"}
    assert extensions == {"sni_hostname": "hub.example"}
    url6, headers6, extensions6 = pinned("http://public6.example/", {}, "2606:4700:4700::1111")
    assert isinstance(url6, httpx.URL) and url6.host == "2606:4700:4700::1111"
    assert str(url6) == "http://[2606:4700:4700::1111]/"
    assert headers6 == {"Host": "public6.example"} and extensions6 == {}
    assert pinned("http://a.example/", {}, None) == ("http://a.example/", {}, {})


def test_a_remote_fetch_of_a_file_url_is_refused_without_its_path() -> None:
    """``fetch(url, remote=True)`` never reads a file, and never names its path."""
    from jobs.fetch.fetcher import Fetcher

    with pytest.raises(UrlRefused, match="a link points at a file: URL") as caught:
        Fetcher(policy=POLICY).fetch("file:///home/operator/secret.json", remote=True)
    assert "secret" not in str(caught.value)


def test_the_deny_list_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting, the shipped config and a bare fetcher all refuse private hosts; only
    ``[fetch] allow_private = true`` (here from the environment) lifts it."""
    monkeypatch.delenv("CROWNLOG_FETCH__ALLOW_PRIVATE", raising=False)
    assert Settings().fetch.allow_private is False
    assert load_settings(SHIPPED_CONFIG).fetch.allow_private is False
    fetcher = Fetcher(FetchSettings())
    try:
        assert fetcher.policy.allow_private is False
    finally:
        fetcher.close()
    monkeypatch.setenv("CROWNLOG_FETCH__ALLOW_PRIVATE", "true")
    assert Settings().fetch.allow_private is True
