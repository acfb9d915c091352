"""The fetcher against a real threaded HTTP server on 127.0.0.1 (and real files for file://)."""

from __future__ import annotations

import gzip
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jobs.fetch.fetcher import Fetcher, FetchError, FetchResult, FetchSettings
from jobs.fetch.inflate import Inflater
from service import __version__

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    """A threaded server, so a stalled handler does not block the next request."""
    http = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    http.start()
    yield http
    http.clear()
    http.stop()


@pytest.fixture
def web(server: HTTPServer) -> Iterator[HTTPServer]:
    server.clear()
    yield server
    server.clear()


class Sleeps(list[float]):
    """An injected sleep that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def fetcher(sleeps: Sleeps, **settings: float) -> Fetcher:
    """A fetcher whose redirects may stay on loopback (``[fetch] allow_private``), as these
    tests' server lives there; ``test_urlpolicy`` covers the default."""
    limits = FetchSettings(**{"allow_private": True, **settings})  # type: ignore[arg-type]
    return Fetcher(limits, sleep=sleeps, jitter=lambda: 0.5)


def paths(web: HTTPServer) -> list[str]:
    return [request.path for request, _ in web.log]


def test_200_then_304_with_an_etag(web: HTTPServer, sleeps: Sleeps) -> None:
    """A second fetch sends If-None-Match and gets 304 with no body, keeping the ETag."""

    def conditional(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(FEED, headers={"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    web.expect_request("/feed").respond_with_handler(conditional)
    fetch = fetcher(sleeps)
    first = fetch.fetch(web.url_for("/feed"))
    assert (first.status, first.body, first.etag) == (200, FEED, '"v1"')
    assert first.headers["content-type"] == "application/rss+xml"
    second = fetch.fetch(web.url_for("/feed"), etag=first.etag)
    assert (second.status, second.body, second.etag) == (304, None, '"v1"')
    assert web.log[1][0].headers["If-None-Match"] == '"v1"'


def test_last_modified_only(web: HTTPServer, sleeps: Sleeps) -> None:
    """With only Last-Modified, the next fetch sends If-Modified-Since and no If-None-Match."""
    stamp = "Wed, 23 Jul 2025 10:00:00 GMT"

    def conditional(request: Request) -> Response:
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304)
        return Response(FEED, headers={"Last-Modified": stamp})

    web.expect_request("/lm").respond_with_handler(conditional)
    fetch = fetcher(sleeps)
    first = fetch.fetch(web.url_for("/lm"))
    assert (first.status, first.etag, first.last_modified) == (200, None, stamp)
    second = fetch.fetch(web.url_for("/lm"), last_modified=first.last_modified)
    assert (second.status, second.last_modified) == (304, stamp)
    assert "If-None-Match" not in web.log[1][0].headers


def redirect(web: HTTPServer, path: str, status: int, to: str) -> None:
    web.expect_request(path).respond_with_data("", status=status, headers={"Location": to})


def test_a_301_then_302_chain_is_followed_but_not_permanent(
    web: HTTPServer, sleeps: Sleeps
) -> None:
    """Every hop is requested in turn; one temporary hop means no permanent redirect."""
    redirect(web, "/a", 301, "/b")
    redirect(web, "/b", 302, web.url_for("/c"))
    web.expect_request("/c").respond_with_data(FEED)
    result = fetcher(sleeps).fetch(web.url_for("/a"))
    assert (result.status, result.body, result.effective_url) == (200, FEED, web.url_for("/c"))
    assert result.permanent_redirect is None
    assert paths(web) == ["/a", "/b", "/c"]


def test_an_all_permanent_chain_names_the_final_url(web: HTTPServer, sleeps: Sleeps) -> None:
    """301 then 308: the source can be moved to the final URL."""
    redirect(web, "/p1", 301, "/p2")
    redirect(web, "/p2", 308, "/p3")
    web.expect_request("/p3").respond_with_data(FEED)
    result = fetcher(sleeps).fetch(web.url_for("/p1"))
    assert result.permanent_redirect == web.url_for("/p3")


def test_a_redirect_loop_fails_without_retrying(web: HTTPServer, sleeps: Sleeps) -> None:
    """/l1 → /l2 → /l1 is detected at once."""
    redirect(web, "/l1", 302, "/l2")
    redirect(web, "/l2", 302, "/l1")
    with pytest.raises(FetchError, match="redirect loop") as caught:
        fetcher(sleeps).fetch(web.url_for("/l1"))
    assert caught.value.retryable is False
    assert paths(web) == ["/l1", "/l2"] and sleeps == []


def test_five_redirects_are_followed_and_six_are_refused(web: HTTPServer, sleeps: Sleeps) -> None:
    """At most ``max_redirects`` hops."""
    for hop in range(7):
        redirect(web, f"/r{hop}", 302, f"/r{hop + 1}")
    web.expect_request("/r7").respond_with_data(FEED)
    assert fetcher(sleeps).fetch(web.url_for("/r2")).body == FEED  # five hops
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher(sleeps).fetch(web.url_for("/r1"))  # six hops


def test_a_redirect_to_a_file_url_is_refused(web: HTTPServer, sleeps: Sleeps) -> None:
    """A server cannot steer the fetcher to local files."""
    redirect(web, "/evil", 302, "file:///etc/passwd")
    with pytest.raises(FetchError, match="points at a file: URL; only http") as caught:
        fetcher(sleeps).fetch(web.url_for("/evil"))
    assert "/etc/passwd" not in str(caught.value)


def test_a_500_is_retried_with_backoff(web: HTTPServer, sleeps: Sleeps) -> None:
    """500 then 200: two attempts, one full-jitter wait (jitter 0.5 × base 1 s)."""
    web.expect_oneshot_request("/flaky").respond_with_data("oops", status=500)
    web.expect_oneshot_request("/flaky").respond_with_data(FEED)
    result = fetcher(sleeps).fetch(web.url_for("/flaky"))
    assert (result.status, result.body, result.attempts) == (200, FEED, 2)
    assert sleeps == [0.5]


def test_backoff_doubles_and_retries_give_up(web: HTTPServer, sleeps: Sleeps) -> None:
    """Always 503: 1 + 3 retries, waits 0.5, 1 and 2 s, then a retryable error."""
    web.expect_request("/down").respond_with_data("down", status=503)
    with pytest.raises(FetchError, match="HTTP 503") as caught:
        fetcher(sleeps).fetch(web.url_for("/down"))
    assert (caught.value.status, caught.value.retryable) == (503, True)
    assert len(web.log) == 4 and sleeps == [0.5, 1.0, 2.0]


def test_429_honours_retry_after_seconds(web: HTTPServer, sleeps: Sleeps) -> None:
    """The injected sleep gets exactly the Retry-After value."""
    web.expect_oneshot_request("/busy").respond_with_data("", 429, headers={"Retry-After": "7"})
    web.expect_oneshot_request("/busy").respond_with_data(FEED)
    result = fetcher(sleeps).fetch(web.url_for("/busy"))
    assert result.body == FEED and sleeps == [7.0]


def test_429_honours_retry_after_as_an_http_date(web: HTTPServer, sleeps: Sleeps) -> None:
    """An HTTP-date means "wait until then"."""
    when = formatdate(time.time() + 40, usegmt=True)
    web.expect_oneshot_request("/d").respond_with_data("", 429, headers={"Retry-After": when})
    web.expect_oneshot_request("/d").respond_with_data(FEED)
    fetcher(sleeps).fetch(web.url_for("/d"))
    assert len(sleeps) == 1 and 35 <= sleeps[0] <= 41


def test_a_retry_after_past_the_deadline_fails_at_once(web: HTTPServer, sleeps: Sleeps) -> None:
    """A wait beyond the deadline is not slept; the error carries the capped wait for the poller."""
    web.expect_request("/later").respond_with_data("", 429, headers={"Retry-After": "99999"})
    with pytest.raises(FetchError, match="429") as caught:
        fetcher(sleeps).fetch(web.url_for("/later"))
    assert (caught.value.retryable, caught.value.retry_after) == (True, 300.0)
    assert sleeps == [] and len(web.log) == 1


@pytest.mark.parametrize(("status", "advice"), [(404, "check the source url"), (410, "gone")])
def test_other_4xx_are_not_retried(
    web: HTTPServer, sleeps: Sleeps, status: int, advice: str
) -> None:
    """A 404 says what failed, the URL and what to do; one request only."""
    web.expect_request("/missing").respond_with_data("no", status=status)
    with pytest.raises(FetchError) as caught:
        fetcher(sleeps).fetch(web.url_for("/missing"))
    message = str(caught.value)
    assert f"HTTP {status} from {web.url_for('/missing')}" in message and advice in message
    assert (caught.value.status, caught.value.retryable) == (status, False)
    assert len(web.log) == 1 and sleeps == []


def test_a_body_over_the_cap_is_refused(web: HTTPServer, sleeps: Sleeps) -> None:
    """Both a declared Content-Length and a streamed body stop at ``max_bytes``."""
    web.expect_request("/big").respond_with_data(b"x" * 5000)
    chunks = (b"y" * 700 for _ in range(10))
    web.expect_request("/stream").respond_with_response(Response(chunks))
    for path in ("/big", "/stream"):
        with pytest.raises(FetchError, match="exceeded 1000 bytes after decompression") as caught:
            fetcher(sleeps, max_bytes=1000).fetch(web.url_for(path))
        assert "raise max_bytes or fix the source" in str(caught.value)
        assert caught.value.retryable is False


CAP = 1000
SIZES = {"exactly the cap": CAP, "one byte over": CAP + 1}
SHAPES = {
    "declared": lambda body: Response(body),  # Content-Length given
    "streamed": lambda body: Response(iter([body[:600], body[600:]])),  # chunked, no length
    "gzip": lambda body: Response(gzip.compress(body), headers={"Content-Encoding": "gzip"}),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("size", SIZES)
def test_a_body_of_exactly_the_cap_is_accepted_and_one_byte_more_refused(
    web: HTTPServer, sleeps: Sleeps, shape: str, size: str
) -> None:
    """The cap is inclusive, for declared, streamed and compressed bodies alike (the limit
    counts inflated bytes)."""
    body = bytes(range(256)) * 4
    body = (body * 2)[: SIZES[size]]
    web.expect_request("/edge").respond_with_response(SHAPES[shape](body))
    fetch = fetcher(sleeps, max_bytes=CAP)
    if SIZES[size] <= CAP:
        assert fetch.fetch(web.url_for("/edge")).body == body
    else:
        with pytest.raises(FetchError, match=f"exceeded {CAP} bytes after decompression"):
            fetch.fetch(web.url_for("/edge"))


@pytest.mark.parametrize("size", SIZES)
def test_a_file_of_exactly_the_cap_is_read_and_one_byte_more_refused(
    tmp_path: Path, size: str
) -> None:
    path = tmp_path / "edge.json"
    path.write_bytes(b"x" * SIZES[size])
    fetch = Fetcher(FetchSettings(max_bytes=CAP))
    if SIZES[size] <= CAP:
        assert fetch.fetch(path.as_uri()).body == b"x" * CAP
    else:
        with pytest.raises(FetchError, match=f"exceeds {CAP} bytes"):
            fetch.fetch(path.as_uri())


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """About 250 kB of gzip that inflates to 256 MiB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b'<?xml version="1.0"?><rss version="2.0"><channel>')]
    blank = b" " * 2**20
    parts += [packer.compress(blank) for _ in range(256)]
    return b"".join([*parts, packer.flush()])


def test_a_gzip_bomb_stops_at_the_cap(web: HTTPServer, sleeps: Sleeps, gzip_bomb: bytes) -> None:
    """The default 10 MiB cap applies to inflated bytes, and inflation stops there."""
    web.expect_request("/bomb").respond_with_data(gzip_bomb, headers={"Content-Encoding": "gzip"})
    started = time.perf_counter()
    with pytest.raises(FetchError, match="exceeded 10485760 bytes after decompression"):
        fetcher(sleeps).fetch(web.url_for("/bomb"))
    assert time.perf_counter() - started < 5


def test_the_inflater_never_produces_more_than_the_cap(gzip_bomb: bytes) -> None:
    """Decoding is bounded per chunk, not just checked after each chunk."""
    inflater = Inflater("gzip", limit=2**20)
    produced = 0
    with pytest.raises(OverflowError):
        for start in range(0, len(gzip_bomb), 65536):
            produced += len(inflater.feed(gzip_bomb[start : start + 65536]))
    assert produced <= 2**20


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
    ],
)
def test_gzip_and_deflate_bodies_are_decoded(
    web: HTTPServer, sleeps: Sleeps, encoding: str, pack: object
) -> None:
    """The body is handed on decompressed."""
    web.expect_request("/z").respond_with_data(pack(FEED), headers={"Content-Encoding": encoding})  # type: ignore[operator]
    result = fetcher(sleeps).fetch(web.url_for("/z"))
    assert result.body == FEED
    assert "gzip" in web.log[0][0].headers["Accept-Encoding"]


def test_a_server_that_stalls_past_the_read_timeout(web: HTTPServer, sleeps: Sleeps) -> None:
    """A stalled response times out, is retried, and fails as retryable."""

    def stall(request: Request) -> Response:
        time.sleep(1.0)
        return Response(FEED)

    web.expect_request("/slow").respond_with_handler(stall)
    started = time.perf_counter()
    with pytest.raises(FetchError, match="timed out") as caught:
        fetcher(sleeps, read_timeout=0.2, retries=1).fetch(web.url_for("/slow"))
    assert caught.value.retryable is True and len(sleeps) == 1
    assert time.perf_counter() - started < 3


def test_a_body_that_trickles_past_the_deadline(web: HTTPServer, sleeps: Sleeps) -> None:
    """Reads that each beat the read timeout still end at the total deadline."""

    def trickle() -> Iterator[bytes]:
        for _ in range(20):
            time.sleep(0.1)
            yield b"<!-- still here -->"

    web.expect_request("/trickle").respond_with_response(Response(trickle()))
    with pytest.raises(FetchError, match="deadline") as caught:
        fetcher(sleeps, read_timeout=1, total_deadline=0.5).fetch(web.url_for("/trickle"))
    assert caught.value.retryable is True


def test_an_unreachable_server_is_retried_then_fails(sleeps: Sleeps) -> None:
    """Connection refused counts as transient."""
    with pytest.raises(FetchError, match="connection failed") as caught:
        fetcher(sleeps, retries=2).fetch("http://127.0.0.1:9/feed")
    assert caught.value.retryable is True and len(sleeps) == 2


def test_the_user_agent_names_crownlog(web: HTTPServer, sleeps: Sleeps) -> None:
    """Every request says who is polling and where to read about it."""
    web.expect_request("/ua").respond_with_data(FEED)
    fetcher(sleeps).fetch(web.url_for("/ua"))
    agent = web.log[0][0].headers["User-Agent"]
    assert agent == f"crownlog/{__version__} (+https://github.com/crownlog/crownlog)"


def test_max_age_comes_from_cache_control(web: HTTPServer, sleeps: Sleeps) -> None:
    """Cache-Control max-age is a polling hint for the scheduler."""
    web.expect_request("/cc").respond_with_data(
        FEED, headers={"Cache-Control": "public, max-age=900"}
    )
    result = fetcher(sleeps).fetch(web.url_for("/cc"))
    assert result.max_age == 900 and result.elapsed > 0 and result.attempts == 1


def test_one_fetcher_serves_many_threads(web: HTTPServer, sleeps: Sleeps) -> None:
    """The shared client is used from a thread pool, as the poller does."""
    web.expect_request("/shared").respond_with_data(FEED)
    fetch = fetcher(sleeps)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: fetch.fetch(web.url_for("/shared")), range(32)))
    fetch.close()
    assert all(isinstance(r, FetchResult) and r.body == FEED for r in results)


def test_file_urls_read_the_file_and_answer_304_when_unchanged(tmp_path: Path) -> None:
    """file:// gives the body and a Last-Modified that a later conditional fetch matches."""
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    fetch = Fetcher()
    first = fetch.fetch(path.as_uri())
    assert (first.status, first.body, first.effective_url) == (200, FEED, path.as_uri())
    again = fetch.fetch(path.as_uri(), last_modified=first.last_modified)
    assert (again.status, again.body) == (304, None)


def test_file_urls_fail_clearly(tmp_path: Path) -> None:
    """A missing file and a file over the cap both raise FetchError naming the path."""
    missing = tmp_path / "gone.xml"
    with pytest.raises(FetchError, match="does not exist") as caught:
        Fetcher().fetch(missing.as_uri())
    assert str(missing) in str(caught.value) and caught.value.retryable is False
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(FetchError, match="exceeds 1000 bytes"):
        Fetcher(FetchSettings(max_bytes=1000)).fetch(big.as_uri())
