"""The composition root: settings in, connected parts out. Nothing else builds engines."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from service import migrate
from service.clock import Clock, utcnow
from service.db import create_engine, normalize_url
from service.dbfiles import check_location
from service.errors import DatabaseUnavailable
from service.projections.items import ItemIndex
from service.projections.persist import ProjectionWriter
from service.projections.scoreindex import ScoreIndex
from service.readmodel import ReadModel
from service.settings import Settings
from service.store import EventStore, Projector


def projectors() -> list[Projector]:
    """Every persisted projector, in the order they fold each append."""
    return [ItemIndex(), ScoreIndex(), ProjectionWriter()]


@dataclass
class Services:
    """The connected parts a command or the API works with."""

    settings: Settings
    engine: Engine
    store: EventStore
    reads: ReadModel
    clock: Clock = field(default=utcnow)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, clock: Clock = utcnow) -> Services:
    """Connect to the database named by ``settings`` (no schema check; see ``ensure_schema``)."""
    check_location(normalize_url(settings.database_url), settings.data_dir)
    engine = create_engine(settings.database_url)
    store = EventStore(engine, clock=clock, projectors=projectors())
    reads = ReadModel(engine, settings.crown.leaderboard, clock)
    return Services(settings=settings, engine=engine, store=store, reads=reads, clock=clock)


def ensure_schema(engine: Engine, upgrade_empty: bool = True) -> None:
    """Upgrade an empty database to the head; refuse one that is behind with a clear message."""
    current = migrate.current_revision(engine)
    head = migrate.head_revision()
    if current == head:
        return
    if current is None and upgrade_empty:
        migrate.upgrade(engine)
        return
    raise DatabaseUnavailable(
        f"the database is at migration {current or 'none'}, this crownlog needs {head}: "
        "run `crownlog db upgrade` first"
    )
