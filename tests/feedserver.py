"""A real HTTP server on 127.0.0.1 serving generated feeds, for worker tests and benchmarks.

``/feed/<n>.xml`` is an RSS document of ``items`` items with a strong ETag (304 on a match);
``/slow/<n>.xml`` answers the same after ``delay`` seconds. Requests are counted per path.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def rss(n: int, items: int, version: int = 1) -> bytes:
    """A small RSS 2.0 feed numbered ``n``."""
    entries = "".join(
        f"<item><guid>feed-{n}-item-{i}</guid><title>Feed {n} item {i} v{version}</title>"
        f"<link>https://example.org/{n}/{i}</link>"
        f"<pubDate>Mon, 28 Jul 2025 {i % 24:02d}:00:00 GMT</pubDate>"
        f"<description>GLM-4.5 update {i} from feed {n}</description></item>"
        for i in range(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
        f"<link>https://example.org/{n}</link><description>d</description>{entries}"
        "</channel></rss>"
    ).encode()


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops bursts of connections (1 s SYN retries)

    def __init__(self, items: int = 20, delay: float = 2.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.items = items
        self.delay = delay
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._cache: dict[str, bytes] = {}

    def grow(self, items: int) -> None:
        """Serve ``items`` items per feed from now on (new bodies, new ETags)."""
        with self.lock:
            self.items = items
            self._cache.clear()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def body(self, path: str) -> bytes | None:
        name = path.rsplit("/", 1)[-1]
        if not name.endswith(".xml") or not name[:-4].isdigit():
            return None
        with self.lock:
            if path not in self._cache:
                self._cache[path] = rss(int(name[:-4]), self.items)
            return self._cache[path]


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer

    def do_GET(self) -> None:
        body = self.server.body(self.path)
        with self.server.lock:
            self.server.hits[self.path] += 1
        if body is None:
            self.send_error(404)
            return
        if self.path.startswith("/slow/"):
            time.sleep(self.server.delay)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            with self.server.lock:
                self.server.not_modified[self.path] += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def feed_server(items: int = 20, delay: float = 2.0) -> Iterator[FeedServer]:
    """Serve feeds on a free loopback port for the duration of the block."""
    server = FeedServer(items, delay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def sources_toml(base: str, count: int, every: str = "30m", path: str = "feed") -> str:
    """A sources file of ``count`` feed sources on the server at ``base``."""
    return "".join(
        f'[[source]]\nid = "s{n}"\nkind = "feed"\n'
        f'url = "{base}/{path}/{n}.xml"\nevery = "{every}"\n\n'
        for n in range(count)
    )


def serve_in_process(items: int, ready: object) -> None:
    """Entry point for a separate server process (benchmarks): put the base URL on ``ready``."""
    server = FeedServer(items)
    ready.put(server.base)  # type: ignore[attr-defined]
    server.serve_forever()
