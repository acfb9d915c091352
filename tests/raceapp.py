"""The race of ``tests.apidata`` behind the real app in process, for the API test modules that
need a database of their own (one per module and database kind)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from jobs.runtime import build_ingestion
from jobs.schedule.sourcefile import SourceConfig
from service.api.app import create_app
from service.bootstrap import Services, build
from service.cli.serve import api_wiring
from tests import apidata

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette suggests httpx2; httpx is what we pin
    from fastapi.testclient import TestClient


@dataclass
class Race:
    services: Services
    client: TestClient
    directory: Path
    url: str

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, (path, params, response.text)
        return response.json()

    def text(self, path: str, **params: Any) -> str:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, (path, params, response.text)
        return response.text


@contextmanager
def race_app(kind: str, directory: Path) -> Iterator[Race]:
    """The race database of ``kind`` (``sqlite`` / ``postgresql``) and the app over it."""
    with apidata.race_database(kind, directory) as url:
        services = build(apidata.settings(url, directory))
        wiring = api_wiring(services)
        sources, poll_now, close = wiring.sources, wiring.poll_now, wiring.close
        client = TestClient(create_app(services, sources, poll_now))
        try:
            yield Race(services, client, directory, url)
        finally:
            close()
            services.close()


def poll_snapshot(
    race: Race, source_id: str, as_of: str, rows: list[dict[str, Any]], board: str = apidata.BOARD
) -> int:
    """Poll one more leaderboard snapshot for real; returns how many events it appended."""
    path = race.directory / f"{source_id}.json"
    path.write_bytes(orjson.dumps({"as_of": as_of, "rows": rows}))
    source = SourceConfig(id=source_id, kind="leaderboard", url=path.as_uri(), leaderboard=board)
    ingestion = build_ingestion(race.services)
    try:
        outcome = ingestion.poller.poll(source)
    finally:
        ingestion.close()
    assert outcome.status == "ok", outcome.error
    return outcome.appended
