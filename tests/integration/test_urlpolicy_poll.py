"""Multi-page polls under the URL policy, end to end against loopback servers.

The hostile cases of a remote server: a next-page link to a local file or to an internal
address, and redirects to 127.0.0.1, ``localhost`` and ``2130706433``. The policy is on (the
default) unless a test says otherwise; every server here lives on 127.0.0.1 and every name
resolves through a table, so nothing leaves the loopback range.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jobs.fetch.fetcher import Fetcher, FetchSettings
from jobs.fetch.pages import PollLimits
from jobs.fetch.sandbox import InlineParser
from jobs.fetch.urlpolicy import UrlPolicy
from jobs.poll import Poller
from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.staterepo import load_state
from service.store import EventStore


def resolver(host: str, port: int) -> Sequence[str]:
    """``localhost`` by table; numeric hosts parsed locally (no lookup, no packet)."""
    if host == "localhost":
        return ["127.0.0.1"]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    return [str(info[4][0]) for info in infos]


def listing(*repos: str) -> bytes:
    return orjson.dumps([{"id": repo, "createdAt": "2025-07-28T00:00:00Z"} for repo in repos])


def page(body: bytes, next_link: str | None = None) -> Response:
    headers = {"Link": f'<{next_link}>; rel="next"'} if next_link else {}
    return Response(body, content_type="application/json", headers=headers)


@pytest.fixture
def hub() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def internal() -> Iterator[HTTPServer]:
    """A service only loopback should reach; it must never be asked anything."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/secret").respond_with_data(
        listing("internal/leaked-model"), content_type="application/json"
    )
    server.start()
    yield server
    server.clear()
    server.stop()


def poller(store: EventStore, allow_private: bool = False, **limits: Any) -> Poller:
    fetcher = Fetcher(
        FetchSettings(retries=0, allow_private=allow_private),
        policy=UrlPolicy(allow_private=allow_private, resolver=resolver),
    )
    return Poller(store, fetcher, InlineParser(), limits=PollLimits(**limits))


def hf_source(server: HTTPServer) -> SourceConfig:
    return SourceConfig(id="hub", kind="hf-models", url=server.url_for("/api/models"))


def repos(store: EventStore) -> list[str]:
    return [e.data["item_id"] for e in store.read() if e.type == "ItemObserved"]


def assert_refused(store: EventStore, outcome: Any, *, hidden: str = "") -> str:
    """The poll failed, the source is unhealthy and the log holds nothing of it."""
    assert outcome.status == "error" and outcome.appended == 0, outcome
    assert store.head()[0] == 0
    with store.engine.connect() as conn:
        state = load_state(conn, "hub")
    assert state.healthy is False and state.last_error == outcome.error
    if hidden:
        assert hidden not in outcome.error
    return str(outcome.error)


def test_a_next_page_link_to_a_local_file_is_refused(
    store: EventStore, hub: HTTPServer, tmp_path: Path
) -> None:
    """``Link: <file:///…/secret.json>; rel="next"``: the file is never read or ingested."""
    secret = tmp_path / "secret.json"
    secret.write_bytes(listing("secret/local-file-model"))
    hub.expect_request("/api/models").respond_with_response(
        page(listing("org/public-model"), secret.as_uri())
    )
    outcome = poller(store).poll(hf_source(hub))
    error = assert_refused(store, outcome, hidden=str(tmp_path))
    assert "points at a file: URL; only http(s) is followed" in error


def test_a_next_page_link_to_an_internal_address_is_refused(
    store: EventStore, hub: HTTPServer, internal: HTTPServer
) -> None:
    """``Link: <http://127.0.0.1:…/secret>`` with allow_private off: never requested."""
    hub.expect_request("/api/models").respond_with_response(
        page(listing("org/public-model"), internal.url_for("/secret"))
    )
    outcome = poller(store).poll(hf_source(hub))
    assert "resolves to a loopback address" in assert_refused(store, outcome)
    assert internal.log == []


@pytest.mark.parametrize("spelling", ["127.0.0.1", "localhost", "2130706433"])
def test_a_redirect_to_an_internal_address_is_refused(
    store: EventStore, hub: HTTPServer, internal: HTTPServer, spelling: str
) -> None:
    """The source's server redirects inwards under any spelling: refused before connecting."""
    target = f"http://{spelling}:{internal.port}/secret"
    hub.expect_request("/api/models").respond_with_data("", 302, {"Location": target})
    outcome = poller(store).poll(hf_source(hub))
    assert "resolves to a loopback address" in assert_refused(store, outcome)
    assert internal.log == []


def test_a_redirect_of_a_next_page_is_checked_too(
    store: EventStore, hub: HTTPServer, internal: HTTPServer
) -> None:
    """Page 2 itself redirects inwards: every hop of every page is under the policy."""
    hub.expect_request("/api/models").respond_with_response(
        page(listing("org/a"), "/api/models?page=2")
    )
    hub.expect_request("/api/models", query_string="page=2").respond_with_data(
        "", 307, {"Location": f"http://2130706433:{internal.port}/secret"}
    )
    outcome = poller(store, allow_private=False).poll(hf_source(hub))
    assert_refused(store, outcome)
    assert internal.log == []


def test_relative_and_absolute_next_links_are_followed_when_allowed(
    store: EventStore, hub: HTTPServer
) -> None:
    """With allow_private (a loopback hub), pages chain by relative and absolute links; a
    link back to a page already read ends the walk."""
    hub.expect_request("/api/models", query_string="").respond_with_response(
        page(listing("org/a"), "?cursor=2")
    )
    hub.expect_request("/api/models", query_string="cursor=2").respond_with_response(
        page(listing("org/b"), hub.url_for("/api/more"))
    )
    hub.expect_request("/api/more").respond_with_response(
        page(listing("org/c"), hub.url_for("/api/models"))
    )
    outcome = poller(store, allow_private=True).poll(hf_source(hub))
    assert outcome.status == "ok" and outcome.items == 3, outcome
    assert sorted(repos(store)) == ["org/a", "org/b", "org/c"]
    assert len(hub.log) == 3  # the link back to the first page was not fetched


def test_a_walk_stops_at_the_page_limit_and_says_so(store: EventStore, hub: HTTPServer) -> None:
    """An endless chain of next links is cut at ``max_pages``; what was read is kept."""

    def endless(request: Request) -> Response:
        n = int(request.args.get("n", "1"))
        return page(listing(f"org/m{n}"), f"/api/models?n={n + 1}")

    hub.expect_request("/api/models").respond_with_handler(endless)
    outcome = poller(store, allow_private=True, max_pages=3).poll(hf_source(hub))
    assert outcome.status == "ok" and outcome.items == 3
    assert len(hub.log) == 3
    with store.engine.connect() as conn:
        assert load_state(conn, "hub").bozo_reason == "stopped after 3 pages"


def test_a_walk_stops_at_the_byte_limit(store: EventStore, hub: HTTPServer) -> None:
    """Pages past the poll's byte budget are not parsed."""
    first = listing("org/a")
    hub.expect_request("/api/models", query_string="").respond_with_response(page(first, "?p=2"))
    hub.expect_request("/api/models", query_string="p=2").respond_with_response(
        page(listing("org/b", "org/c"))
    )
    limit = len(first) + 10
    outcome = poller(store, allow_private=True, max_bytes=limit).poll(hf_source(hub))
    assert outcome.status == "ok" and outcome.items == 1
    with store.engine.connect() as conn:
        assert load_state(conn, "hub").bozo_reason == f"stopped at {limit} bytes of pages"


def test_the_poll_deadline_covers_every_page(store: EventStore, hub: HTTPServer) -> None:
    """A slow second page runs into the poll's deadline: the poll fails, nothing is kept."""

    def slow(_request: Request) -> Response:
        time.sleep(3)
        return page(listing("org/slow"))

    hub.expect_request("/api/models", query_string="").respond_with_response(
        page(listing("org/a"), "?p=2")
    )
    hub.expect_request("/api/models", query_string="p=2").respond_with_handler(slow)
    started = time.monotonic()
    outcome = poller(store, allow_private=True, deadline=1.0).poll(hf_source(hub))
    assert time.monotonic() - started < 2.5
    assert outcome.status == "error" and store.head()[0] == 0, outcome
