"""The health and metrics listener of a process that serves no API (``worker --metrics-port``).

``/healthz`` (the process and its scheduler are alive), ``/readyz`` (the database answers at the
migration head) and ``/metrics`` (the default Prometheus registry) on a small threaded HTTP
server, so compose health checks and Prometheus reach every worker, not only the API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy.engine import Engine

from service.health import check_ready
from service.metrics import DATABASE_UP

#: ``() -> (healthy, details)``: what ``/healthz`` reports.
Health = Callable[[], tuple[bool, dict[str, Any]]]


class ProbeServer:
    """Serves the three probe paths on ``host:port`` from a daemon thread."""

    def __init__(self, host: str, port: int, engine: Engine, health: Health) -> None:
        self._engine, self._health = engine, health
        handler = type("Handler", (_Handler,), {"probes": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="probes", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """``(status, content type, body)`` for ``path``."""
        if path == "/healthz":
            healthy, details = self._health()
            body = {"status": "ok" if healthy else "failing", **details}
            return (200 if healthy else 503), "application/json", orjson.dumps(body)
        if path == "/readyz":
            readiness = check_ready(self._engine)
            return (
                (200 if readiness.ready else 503),
                "application/json",
                orjson.dumps(asdict(readiness)),
            )
        if path == "/metrics":
            DATABASE_UP.set(1 if check_ready(self._engine).database == "ok" else 0)
            return 200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY)
        error = {"error": {"code": "not_found", "message": "try /healthz, /readyz or /metrics"}}
        return 404, "application/json", orjson.dumps(error)


class _Handler(BaseHTTPRequestHandler):
    probes: ProbeServer

    def do_GET(self) -> None:
        status, content_type, body = self.probes.answer(self.path.split("?", 1)[0])
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: probes arrive every few seconds and would drown the worker's log."""
