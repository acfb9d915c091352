"""What an attacker (or a careless script) can do to a log file: edit events, then recompute
the chain so every hash links and recomputes again."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.chain import canonical_json, envelope_dict, event_hash
from service.events import StoredEvent


def edited(event: StoredEvent, **changes: Any) -> StoredEvent:
    """``event`` with some fields changed (its hashes now stale)."""
    return dataclasses.replace(event, **changes)


def rechain(events: Sequence[StoredEvent], prev_hash: str | None = None) -> list[StoredEvent]:
    """``events`` with every ``prev_hash`` and ``hash`` recomputed in order, starting from
    ``prev_hash`` (default: the first event's own)."""
    out: list[StoredEvent] = []
    link = prev_hash if prev_hash is not None else events[0].prev_hash
    for event in events:
        linked = dataclasses.replace(event, prev_hash=link)
        linked = dataclasses.replace(linked, hash=event_hash(linked))
        out.append(linked)
        link = linked.hash
    return out


def write_jsonl(path: Path, events: Sequence[StoredEvent]) -> Path:
    """An export file of ``events`` (exactly what ``crownlog events export`` writes)."""
    path.write_bytes(b"".join(canonical_json(envelope_dict(e)) + b"\n" for e in events))
    return path


def scratch_log(directory: Path, clock: Any = None) -> list[StoredEvent]:
    """A small real log (three items of one source, two keyed mentions of one model), appended
    to a scratch SQLite file in ``directory``: the raw material of a tampered file."""
    from service import migrate
    from service.db import create_engine
    from service.store import EventStore
    from tests.builders import item, mention

    engine = create_engine(f"sqlite:///{directory / 'origin.db'}")
    migrate.upgrade(engine)
    store = EventStore(engine, clock=clock) if clock else EventStore(engine)
    store.append([item(1), item(2), item(3)])
    store.append([mention("glm-4.5", 1, key="m1"), mention("glm-4.5", 2, key="m2")])
    events = list(store.read())
    engine.dispose()
    return events
