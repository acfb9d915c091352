"""Every file of a real-world feed corpus: served over loopback HTTP, fetched, parsed, sandboxed.

The corpus is read in place from the folder ``CROWNLOG_CORPUS`` names (CI sets it); a clone without
it skips these tests. Nothing may crash: each file yields a ParseResult or a ParseError/FetchError
with a message, and every observation keeps the invariants the rest of crownlog relies on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jobs.fetch.fetcher import Fetcher, FetchError
from jobs.fetch.sandbox import ParseError, ParseSandbox
from jobs.observation import MAX_ITEM_ID, Observation, ParseResult
from jobs.schedule.sourcefile import SourceConfig
from tests.conftest import CORPUS, CORPUS_ABSENT

FEEDS = (CORPUS or Path("/nonexistent")) / "feeds"
ABSENT = CORPUS_ABSENT
FILES: list[str | None] = [None]  # without the corpus: one test, which skips saying why
if FEEDS.is_dir():
    FILES = [p.relative_to(FEEDS).as_posix() for p in sorted(FEEDS.rglob("*")) if p.is_file()]
FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)
# feedparser's test files carry the HTTP headers they assume in "Header: Name: value" lines.
HEADER_LINE = re.compile(rb"^Header:\s+([^:\r\n]+):([^\r\n]*)$", re.MULTILINE)
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def corpus_headers(name: str, data: bytes) -> dict[str, str]:
    """The headers to serve a corpus file with (as feedparser's own test helper does)."""
    headers = {"Content-Type": "application/xml"}
    if "http" in Path(name).name:
        headers = {"Content-Type": "text/xml"}
        for key, value in HEADER_LINE.findall(data):
            headers[key.decode("latin-1").strip()] = value.decode("latin-1").strip()
    return headers


@pytest.fixture(scope="module")
def corpus_server() -> Iterator[HTTPServer]:
    """Serves ``/<path>`` from the corpus with its intended headers."""
    if not FEEDS.is_dir():
        pytest.skip(reason=ABSENT)

    def serve(request: Request) -> Response:
        path = (FEEDS / request.path.lstrip("/")).resolve()
        if FEEDS not in path.parents or not path.is_file():
            return Response("not found", status=404)
        data = path.read_bytes()
        response = Response(data)
        for key, value in corpus_headers(path.name, data).items():
            response.headers[key] = value
        return response

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile("/.*")).respond_with_handler(serve)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def fetcher() -> Iterator[Fetcher]:
    shared = Fetcher()
    yield shared
    shared.close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ParseSandbox]:
    with ParseSandbox(workers=2) as pool:
        yield pool


def check_invariants(observation: Observation) -> None:
    """What every adapter promises about an observation."""
    assert observation.item_id and len(observation.item_id) <= MAX_ITEM_ID + 7
    assert HEX64.match(observation.sha256)
    assert observation.kind == "entry"
    assert observation.url is None or observation.url.startswith(("http://", "https://"))
    for text in (observation.item_id, observation.title or "", observation.text):
        assert not CONTROLS.search(text), text
    for moment in (observation.published, observation.updated):
        assert moment is None or (moment.tzinfo is not None and moment.year >= 1)
        assert moment is None or moment <= datetime(2026, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize("name", FILES)
def test_every_corpus_file_parses_or_fails_cleanly(
    name: str | None, corpus_server: HTTPServer, fetcher: Fetcher, sandbox: ParseSandbox
) -> None:
    """Fetched over HTTP and parsed in the sandbox: a result, or an error with a message."""
    if name is None:
        pytest.skip(reason=ABSENT)
    source = SourceConfig(id="corpus", kind="feed", url=corpus_server.url_for(f"/{name}"))
    started = time.perf_counter()
    try:
        fetched = fetcher.fetch(source.url)
        assert fetched.body is not None
        result = sandbox.run("feed", fetched.body, fetched.headers, source, FETCHED_AT)
    except (ParseError, FetchError) as exc:
        assert str(exc).strip()
        return
    finally:
        assert time.perf_counter() - started < 30
    assert isinstance(result, ParseResult)
    for observation in result.observations:
        check_invariants(observation)
    assert len({o.item_id for o in result.observations}) == len(result.observations) or any(
        o.item_id.startswith("sha256:") for o in result.observations
    )
