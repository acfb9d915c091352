"""What the API tells anonymous clients at its edges: no local paths, no driver details."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from service import migrate
from service.api.app import create_app
from service.bootstrap import Services, build
from service.db import create_engine
from tests import apidata

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette suggests httpx2; httpx is what we pin
    from fastapi.testclient import TestClient

SECRET_DIR = "/home/operator/private"
ERROR = (
    f"file {SECRET_DIR}/board.json does not exist (file://{SECRET_DIR}/board.json) — check the "
    "source url; HTTP 404 from https://hub.example/api/models — check the source url"
)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    url = f"sqlite:///{tmp_path / 'crownlog.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    built = build(apidata.settings(url, tmp_path, admin_token="t0ken"))
    yield built
    built.close()


def source_row() -> dict[str, Any]:
    return {
        "id": "board",
        "kind": "leaderboard",
        "url": f"file://{SECRET_DIR}/board.json",
        "every_seconds": 3600,
        "enabled": True,
        "healthy": False,
        "last_status": "error",
        "http_status": None,
        "consecutive_errors": 1,
        "last_error": ERROR,
        "bozo_reason": f"line 3 of {SECRET_DIR}/x.csv: bad row",
        "effective_url": "https://hub.example/api/models?page=2",
        "last_poll_at": None,
        "last_success_at": None,
        "next_due_at": None,
        "items_seen": 0,
        "events_appended": 0,
    }


def test_sources_and_the_admin_poll_never_echo_local_paths(services: Services) -> None:
    """``/api/v1/sources`` and the admin poll hide file URLs and paths; web URLs stay."""

    def poll_now(source_id: str) -> dict[str, Any]:
        return {"source_id": source_id, "status": "error", "items": 0, "appended": 0,
                "bytes": 0, "duration": 0.1, "error": ERROR, "next_due_at": None,
                "polled_at": None, "consecutive_errors": 1}  # fmt: skip

    app = create_app(services, sources=lambda: [source_row()], poll_now=poll_now)
    with TestClient(app) as client:
        listed = client.get("/api/v1/sources")
        polled = client.post(
            "/api/v1/sources/board/poll", headers={"Authorization": "Bearer t0ken"}
        )
        as_csv = client.get("/api/v1/sources", params={"format": "csv"})
        page = client.get("/sources")  # the dashboard's sources page
    for response in (listed, polled, as_csv, page):
        assert response.status_code == 200, response.text
        assert SECRET_DIR not in response.text and "board.json" not in response.text
        assert "https://hub.example/api/models" in response.text
    (row,) = listed.json()["items"]
    assert row["url"] == "file:(local path)"
    assert row["effective_url"] == "https://hub.example/api/models?page=2"
    assert row["last_error"].startswith("file (local path) does not exist (file:(local path))")
    assert row["bozo_reason"] == "line 3 of (local path): bad row"


def test_readyz_names_the_dependency_but_not_the_driver_details(tmp_path: Path) -> None:
    """A database that cannot be reached: /readyz says "database unreachable" and nothing of
    the driver's message (host, port, user, database name), which goes to the log."""
    url = "postgresql://crownlog_reader:s3cret@127.0.0.1:1/private_db?connect_timeout=2"
    built = build(apidata.settings(url, tmp_path))
    try:
        with capture_logs() as logs, TestClient(create_app(built)) as client:
            response = client.get("/readyz")
    finally:
        built.close()
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False and body["database"] == "unreachable"
    for secret in ("127.0.0.1", "private_db", "crownlog_reader", "s3cret", "connection"):
        assert secret not in response.text, secret
    logged = [entry for entry in logs if entry["event"] == "readiness: database unreachable"]
    assert logged and "127.0.0.1" in logged[0]["error"]
