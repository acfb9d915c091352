"""The reference library in the same run: ``eventsourcing`` 9.5 (optional bench dependency,
``pip install -e '.[bench]'``) appending the same mentions in batches of 100 through its
Application API, on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from service.events import NewEvent


def available() -> bool:
    try:
        import eventsourcing  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _model_class() -> Any:
    """The aggregate, defined once (the library registers each class by its topic)."""
    from eventsourcing.domain import Aggregate, event

    class Model(Aggregate):
        def __init__(self, slug: str) -> None:
            self.slug = slug

        @event("Mentioned")
        def mention(self, snippet: str, item_id: str, confidence: float) -> None:
            pass

    return Model


def _application(env: dict[str, str]) -> Any:
    from eventsourcing.application import Application

    return Application(env=env), _model_class()


def append_rate(events: list[NewEvent], batch: int, env: dict[str, str]) -> float:
    """Events/s saving ``events`` in batches (aggregates kept in memory, as a writer would)."""
    app, model_class = _application(env)
    models: dict[str, Any] = {}
    started = time.perf_counter()
    for start in range(0, len(events), batch):
        touched = {}
        for new in events[start : start + batch]:
            slug = new.data["model"]
            model = models.get(slug) or models.setdefault(slug, model_class(slug))
            model.mention(new.data["snippet"], new.data["item_id"], new.data["confidence"])
            touched[slug] = model
        app.save(*touched.values())
    return len(events) / (time.perf_counter() - started)


def sqlite_rate(events: list[NewEvent], batch: int) -> float:
    with tempfile.TemporaryDirectory(prefix="crownlog-es-") as folder:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(Path(folder) / "es.db"),
            "CREATE_TABLE": "y",
        }
        return append_rate(events, batch, env)


def postgres_rate(events: list[NewEvent], batch: int, url: str) -> float:
    parsed = make_url(url)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parsed.database or "postgres",
        "POSTGRES_HOST": parsed.host or "127.0.0.1",
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": parsed.username or "postgres",
        "POSTGRES_PASSWORD": parsed.password or "",
        "CREATE_TABLE": "y",
    }
    return append_rate(events, batch, env)
