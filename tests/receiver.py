"""A real webhook receiver on 127.0.0.1 for notification tests.

It records every request (path, headers, raw body) and answers with the next scripted status
(200 once the script is used up). ``hold`` makes the first request of one delivery id wait
until released — the window in which a test kills the worker mid-delivery.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def delivery(self) -> str | None:
        return self.headers.get("x-crownlog-delivery")


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[Received] = []
        self.script: list[int] = []
        self.held: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def hold(self, delivery: str) -> None:
        """Make the first request carrying ``delivery`` wait until ``release`` is set."""
        self.held = delivery

    def answer(self, *statuses: int) -> None:
        """Answer the next requests with ``statuses``, in order."""
        with self.lock:
            self.script.extend(statuses)

    def delivered(self) -> list[Received]:
        """The requests answered with a 2xx."""
        with self.lock:
            return [r for r in self.requests if 200 <= r.status < 300]


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        server = self.server
        if server.held is not None and headers.get("x-crownlog-delivery") == server.held:
            server.held = None
            server.holding.set()
            server.release.wait(120)
            return  # no answer at all: the sender was killed meanwhile
        with server.lock:
            status = server.script.pop(0) if server.script else 200
            server.requests.append(Received(self.path, headers, body, status))
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
