"""JSON Lines export and import of the whole log (backups, restores, moving databases).

Import verifies everything before writing anything: every line parses, positions continue
the log's head without a gap, every hash recomputes and links. A broken file is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

import orjson

from service import dbstats
from service.appendsql import head as _head
from service.appendsql import head_record
from service.chain import canonical_json, envelope_dict, verify
from service.clock import parse_time
from service.db import WRITE
from service.errors import IntegrityError
from service.events import FIELDS, Provenance, StoredEvent
from service.importcheck import clamped, refuse_meaningless
from service.store import EventStore, lock_log
from service.tables import TABLES, Table

_BATCH = 1000


def export_events(store: EventStore, out: IO[bytes], after: int = 0) -> int:
    """Write every event after position ``after`` to ``out``, one envelope per line."""
    count = 0
    for event in store.read(after=after):
        # Sorted keys: an export is byte-identical whichever database it came from.
        out.write(canonical_json(envelope_dict(event)) + b"\n")
        count += 1
    return count


def export_csv(store: EventStore, out: IO[bytes], after: int = 0) -> int:
    """Write every event after ``after`` as CSV (the ``events`` table), in chunks."""
    table = TABLES["events"]
    count, chunk = 0, []
    for event in store.read(after=after):
        chunk.append(envelope_dict(event))
        if len(chunk) == _BATCH:
            count += _write_csv(out, table, chunk, header=count == 0)
            chunk = []
    if chunk or count == 0:
        count += _write_csv(out, table, chunk, header=count == 0)
    return count


def _write_csv(out: IO[bytes], table: Table, rows: list[dict[str, Any]], header: bool) -> int:
    text = table.render({"items": rows})
    if not header:
        text = text.split("\r\n", 1)[1]
    out.write(text.encode())
    return len(rows)


def read_export(path: Path) -> Iterator[StoredEvent]:
    """Parse an export file line by line; a malformed line raises ``IntegrityError``."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield _parse_line(line, number)


class Imported(NamedTuple):
    """What an import appended: ``events``, of which ``clamped`` had their time raised."""

    events: int
    clamped: int = 0


def import_events(store: EventStore, path: Path, clamp_time: bool = False) -> Imported:
    """Append the events of an export file to the log, or nothing if any check fails.

    Checks, in order: the file's chain continues the log's head; every event makes sense after
    the log (``service.importcheck``: known types and schemas, payload fields and kinds,
    contiguous stream versions, unused keys, time never running backwards). ``clamp_time``
    raises backwards times instead of refusing them (the chain is recomputed from the first).
    """
    position, prev_hash = store.head()
    verify(read_export(path), prev_hash=prev_hash, after=position)
    refuse_meaningless(lambda: read_export(path), store.engine, clamp_time)
    counter = [0]
    total = 0
    with store.engine.connect() as conn, conn.execution_options(**WRITE).begin():
        lock_log(conn)
        if _head(conn) != (position, prev_hash):
            raise IntegrityError("the log changed while the file was being verified; try again")
        events = read_export(path)
        if clamp_time:
            events = clamped(events, head_record(conn)[2], counter)
        batch: list[StoredEvent] = []
        for event in events:
            batch.append(event)
            if len(batch) >= _BATCH:
                store.insert_verified(conn, batch)
                total += len(batch)
                batch = []
        store.insert_verified(conn, batch)
        total += len(batch)
    dbstats.refresh(store.engine)  # a bulk load: the planner should know the log's new size
    return Imported(total, counter[0])


def _parse_line(line: bytes, number: int) -> StoredEvent:
    try:
        raw = orjson.loads(line)
        if not isinstance(raw, dict) or set(raw) != set(FIELDS):
            missing = sorted(set(FIELDS) - set(raw)) if isinstance(raw, dict) else FIELDS
            raise ValueError(f"expected exactly the envelope fields; missing {list(missing)}")
        return StoredEvent(
            position=int(raw["position"]),
            stream=str(raw["stream"]),
            version=int(raw["version"]),
            type=str(raw["type"]),
            schema=int(raw["schema"]),
            data=raw["data"],
            occurred_at=parse_time(raw["occurred_at"]),
            recorded_at=parse_time(raw["recorded_at"]),
            source=Provenance.from_dict(raw["source"]),
            key=raw["key"],
            prev_hash=str(raw["prev_hash"]),
            hash=str(raw["hash"]),
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise IntegrityError(f"line {number}: not an event envelope ({exc})") from None
