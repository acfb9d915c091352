"""In CI a missing PostgreSQL server or playwright fails the tests that need them; in a user's
clone they skip with the reason."""

from __future__ import annotations

import sys

import pytest

from tests.browser import playwright_sync_api
from tests.dbs import PG_ENV, REQUIRE_ENV, require_postgres


def test_postgres_required_fails_and_otherwise_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    """No server URL: a skip naming the variable, or a failure under CROWNLOG_REQUIRE_POSTGRES."""
    monkeypatch.delenv(PG_ENV, raising=False)
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=PG_ENV):
        require_postgres()
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="must run"):
        require_postgres()
    monkeypatch.setenv(PG_ENV, "postgresql://postgres@127.0.0.1:5432/postgres")
    assert require_postgres().startswith("postgresql://")


def test_playwright_required_fails_and_otherwise_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    """playwright missing: a skip, or a failure under CROWNLOG_REQUIRE_BROWSER."""
    monkeypatch.setitem(sys.modules, "playwright", None)  # makes the import fail
    monkeypatch.delenv("CROWNLOG_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="playwright is not installed"):
        playwright_sync_api()
    monkeypatch.setenv("CROWNLOG_REQUIRE_BROWSER", "1")
    with pytest.raises(RuntimeError, match="CROWNLOG_REQUIRE_BROWSER"):
        playwright_sync_api()
