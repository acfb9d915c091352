"""Fixtures shared by every test: databases (SQLite file and PostgreSQL), stores, paths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from service import migrate
from service.bootstrap import projectors
from service.db import create_engine
from service.schema import metadata
from service.store import EventStore
from tests.dbs import create_pg_database, drop_pg_database, require_postgres

ROOT = Path(__file__).resolve().parents[1]
#: A folder of real-world feeds for the conformance tests (``feeds/``); CI names it.
CORPUS = Path(os.environ["CROWNLOG_CORPUS"]) if os.environ.get("CROWNLOG_CORPUS") else None
CORPUS_ABSENT = (
    "no feed corpus: CROWNLOG_CORPUS names none (a user's clone); the conformance tests over "
    "real-world feeds run in CI, where .ci/run sets it"
)
CATALOG = ROOT / "config" / "catalog.toml"


def settings_toml(**extra: str) -> str:
    """A crownlog.toml for a test config folder: its own sources file, the project's catalog."""
    lines = ['sources = "sources.toml"', f'catalog = "{CATALOG}"']
    lines += [f'{key} = "{value}"' for key, value in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One fresh, migrated PostgreSQL database for this test session (per xdist worker)."""
    server = require_postgres()
    url = create_pg_database(server)
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    drop_pg_database(server, url)


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'crownlog.db'}"
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("pg_database")
    engine = create_engine(url)
    _empty(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> EventStore:
    return EventStore(engine, projectors=projectors())


@pytest.fixture
def corpus_dir() -> Path:
    """The feed corpus named by ``CROWNLOG_CORPUS``; skips where there is none."""
    if CORPUS is None or not (CORPUS / "feeds").is_dir():
        pytest.skip(reason=CORPUS_ABSENT)
    return CORPUS
