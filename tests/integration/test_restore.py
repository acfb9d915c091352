"""Restore without restart: a running API notices a log that moved backwards or changed under
it, and serves the restored log (docs/operations.md "Restore")."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from service import migrate
from service.api.app import create_app
from service.bootstrap import build
from service.db import create_engine
from service.events import NewEvent
from service.settings import Settings
from service.store import EventStore
from service.timepoint import At
from service.transfer import export_events, import_events
from tests import apidata
from tests.builders import T0
from tests.cli import run
from tests.dbs import postgres_server_url
from tests.server import serving
from tests.workers import wait_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _registered(slug: str) -> NewEvent:
    return NewEvent(
        stream=f"model:{slug}",
        type="ModelRegistered",
        data={"slug": slug, "name": slug.upper()},
        occurred_at=T0,
        key=f"registered|{slug}",
    )


def _export_of(tmp_path: Path, name: str, slugs: list[str]) -> Path:
    """An export file of a log registering ``slugs`` (one event each)."""
    engine = create_engine(f"sqlite:///{tmp_path / (name + '.db')}")
    migrate.upgrade(engine)
    store = EventStore(engine)
    store.append([_registered(slug) for slug in slugs])
    path = tmp_path / f"{name}.jsonl"
    with path.open("wb") as handle:
        export_events(store, handle)
    engine.dispose()
    return path


def _restore(url: str, backup: Path) -> None:
    """Drop every table, migrate again, import ``backup`` (what docs/operations.md says)."""
    engine = create_engine(url)
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    import_events(EventStore(engine, projectors=_projectors()), backup)
    engine.dispose()


def _projectors() -> list[Any]:
    from service.bootstrap import projectors

    return projectors()


def test_a_log_restored_to_the_same_length_with_other_events_is_rebuilt(tmp_path: Path) -> None:
    """Same head position, another hash: the read model and the API's cached bodies follow."""
    log_a = _export_of(tmp_path, "a", ["alpha-1", "alpha-2"])
    log_b = _export_of(tmp_path, "b", ["beta-1", "beta-2"])
    url = f"sqlite:///{tmp_path / 'served.db'}"
    _restore(url, log_a)
    services = build(Settings(database_url=url))
    try:
        with TestClient(create_app(services)) as client:
            before = client.get("/api/v1/models")
            assert [m["slug"] for m in before.json()["items"]] == ["alpha-1", "alpha-2"]
            assert [m["slug"] for m in services.reads.models(At(position=2))] == [
                "alpha-1",
                "alpha-2",
            ]
            _restore(url, log_b)
            after = client.get("/api/v1/models")
            assert [m["slug"] for m in after.json()["items"]] == ["beta-1", "beta-2"]
            assert after.json()["items"] and before.headers["ETag"] != after.headers["ETag"]
            assert [m["slug"] for m in services.reads.models(At(position=2))] == [
                "beta-1",
                "beta-2",
            ]
            assert client.get("/api/v1/standings").json()["position"] == 2
    finally:
        services.close()


def _holder(body: dict[str, Any]) -> str | None:
    return body["holder"]["model"] if body["holder"] else None


def _rows(body: dict[str, Any]) -> list[tuple[int, str, float]]:
    return [(row["rank"], row["model"], row["score"]) for row in body["rows"]]


def test_the_running_api_serves_a_prefix_restored_on_postgres(tmp_path: Path) -> None:
    """PostgreSQL, the API running: drop the database, create and upgrade it, import a prefix
    of the backup; the API then answers the crown and standings of the prefix, at its head."""
    server = postgres_server_url()
    assert server is not None  # race_database skips (or fails in CI) without one
    with apidata.race_database("postgresql", tmp_path) as url:
        services = build(apidata.settings(url, tmp_path))
        full = tmp_path / "full.jsonl"
        with full.open("wb") as handle:
            export_events(services.store, handle)
        head = services.store.head()[0]
        final = _holder(services.reads.crown())
        # The prefix: the log up to just before the score that made the final holder.
        scores = [e.position for e in services.store.read() if e.type == "ScoreReported"]
        cut = next(
            p - 1
            for p in reversed(scores)
            if _holder(services.reads.crown(at=At(position=p - 1))) != final
        )
        expected_crown = services.reads.crown(at=At(position=cut))
        expected_rows = _rows(services.reads.standings(at=At(position=cut)))
        services.close()
        assert _holder(expected_crown) != final
        prefix = tmp_path / "prefix.jsonl"
        prefix.write_bytes(b"".join(full.read_bytes().splitlines(keepends=True)[:cut]))

        env = {
            "CROWNLOG_CATALOG": str(apidata.CATALOG),
            "CROWNLOG_SOURCES": str(tmp_path / "sources.toml"),
        }
        with serving(url, tmp_path, "--no-scheduler", env=env) as base:
            crown = httpx.get(f"{base}/api/v1/crown", timeout=10).json()
            standings = httpx.get(f"{base}/api/v1/standings", timeout=10).json()
            assert _holder(crown) == final and standings["position"] == head

            name = sa.make_url(url).database
            admin = create_engine(server).execution_options(isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            admin.dispose()
            for args in (("db", "upgrade"), ("events", "import", str(prefix))):
                result = run(*args, url=url, cwd=tmp_path, env=env)
                assert result.returncode == 0, result.stderr

            def restored() -> bool:
                try:
                    body = httpx.get(f"{base}/api/v1/standings", timeout=10).json()
                except (httpx.TransportError, ValueError):
                    return False
                return body.get("position") == cut

            wait_for(restored, 60, "the API to serve the restored head")
            standings = httpx.get(f"{base}/api/v1/standings", timeout=10).json()
            crown = httpx.get(f"{base}/api/v1/crown", timeout=10).json()
            assert _rows(standings) == expected_rows
            assert _holder(crown) == _holder(expected_crown)
            assert [(r["model"], r["from"], r["to"]) for r in crown["reigns"]] == [
                (r["model"], r["from"], r["to"]) for r in expected_crown["reigns"]
            ]
            cli = orjson.loads(run("crown", "--json", url=url, cwd=tmp_path, env=env).stdout)
            assert _holder(cli) == _holder(crown)
            assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
