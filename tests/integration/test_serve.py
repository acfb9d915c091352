"""`crownlog serve` as a real process: upgrade on an empty database, health, events API."""

from __future__ import annotations

from pathlib import Path

import httpx

from service.db import create_engine
from service.events import FIELDS
from service.store import EventStore
from tests.builders import item
from tests.server import serving


def test_serve_upgrades_an_empty_database_and_answers(tmp_path: Path) -> None:
    """On a fresh SQLite file, serve migrates it and /healthz, /readyz, /api/v1/events answer."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with serving(url, tmp_path, "--no-scheduler") as base:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{base}/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True
        assert ready.json()["migration"] == ready.json()["head"]
        events = httpx.get(f"{base}/api/v1/events")
        assert events.json() == {"items": [], "next": None}
        assert events.headers["x-request-id"]


def test_events_endpoint_pages_by_position(database_url: str, tmp_path: Path) -> None:
    """/api/v1/events?after=&limit= pages through the log with a `next` cursor."""
    store = EventStore(create_engine(database_url))
    store.append([item(n) for n in range(1, 6)])
    with serving(database_url, tmp_path, "--no-scheduler") as base:
        first = httpx.get(f"{base}/api/v1/events", params={"limit": 2}).json()
        assert [e["position"] for e in first["items"]] == [1, 2]
        assert first["next"] == "2"
        rest = httpx.get(f"{base}/api/v1/events", params={"after": 2, "limit": 10}).json()
        assert [e["position"] for e in rest["items"]] == [3, 4, 5]
        assert rest["next"] is None
        assert rest["items"][0]["source"]["item_id"] == "item-3"
        assert set(rest["items"][0]) == set(FIELDS)


def test_bad_parameters_get_a_4xx_with_the_error_body(tmp_path: Path) -> None:
    """A bad query parameter is a 422 with {"error": {"code", "message"}}, never a 500."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with serving(url, tmp_path, "--no-scheduler") as base:
        for params in ({"limit": 0}, {"limit": 5000}, {"after": "abc"}, {"after": -1}):
            response = httpx.get(f"{base}/api/v1/events", params=params)
            assert response.status_code == 422, params
            body = response.json()["error"]
            assert body["code"] == "bad_request" and body["message"]
        missing = httpx.get(f"{base}/api/v1/nope")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_serve_refuses_a_database_behind_the_code(tmp_path: Path) -> None:
    """A database at another migration makes serve refuse to start, saying what to run."""
    from service import migrate
    from tests.cli import run

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    with engine.begin() as conn:  # stamped with a revision this code does not have
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0000')")
    result = run("serve", "--no-scheduler", url=url, cwd=tmp_path, timeout=30)
    assert result.returncode != 0
    assert "run `crownlog db upgrade`" in result.stderr
