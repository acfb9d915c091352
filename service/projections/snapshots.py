"""Stored snapshots of the fold states: an optimisation only — deleting them changes no answer.

Two kinds, both at positions that are multiples of their interval:

- **full** (``dump_all``): every fold state, from which any later event can be folded,
  backfills included; large, so taken rarely;
- **light** (``service.projections.light``): what the views read; small, so taken often, and
  what past reads start from.

Each records ``occurred_max``, the latest world time of any event up to it, so that an
``as_of`` read can start from the newest light snapshot that holds nothing after its time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service import compression, reader
from service.projections import catalog, crown, places, standings_codec
from service.projections.digest import Names, States, initial_states, load_all
from service.projections.light import (
    decode_light,
    light_parts,
    mention_cutoff,
    pack_light,
)
from service.projections.snapkinds import HISTORY, crown_part, due_kinds
from service.schema import projection_snapshots as table

LIGHT_EVERY = 10_000
FULL_EVERY = 100_000
#: Light snapshot spacing per database. A past read folds the events after its snapshot, up to
#: ``LIGHT_EVERY`` of them, and PostgreSQL hands rows over at about half SQLite's rate (the
#: wire protocol, JSONB): there the snapshots are twice as dense, so that its past reads on a
#: 10M-event log keep within their bound (docs/benchmarks.md, Session 9).
LIGHT_EVERY_BY_DATABASE = {"sqlite": LIGHT_EVERY, "postgresql": LIGHT_EVERY // 2}


def light_every(dialect: str) -> int:
    """Events between light snapshots on a database of ``dialect`` (its engine's name)."""
    return LIGHT_EVERY_BY_DATABASE.get(dialect, LIGHT_EVERY)


_HISTORY_TYPES = frozenset({*crown.HANDLERS, *places.HANDLERS})


@dataclass(frozen=True, slots=True)
class Loaded:
    """A snapshot read back: where it stands and its states."""

    position: int
    states: States
    recorded_at: datetime | None = None
    occurred_max: datetime | None = None


def encode_full(dumped: dict[str, Any], crown_json: bytes) -> bytes:
    """Every state but the two that grow with the log — the crown's timeline and the mention
    times — which ``load_full`` reads back from the log: a snapshot costs what the
    projections weigh, not what the log does (taking whole dumps every N events made appends
    and rebuilds quadratic). ``dumped``: the catalog and the standings dumped (``prepare``);
    ``crown_json``: the crown's part (``crown_part``)."""
    whole = {
        **dumped,
        "crown": orjson.Fragment(crown_json),
        "places": {"mentions": {}, HISTORY: True},
    }
    return compression.compress(orjson.dumps(whole, option=orjson.OPT_SORT_KEYS))


def decode_full(blob: bytes) -> States:
    """The states of a full snapshot; ``needs_history`` says if the log must fill them in."""
    dumped = orjson.loads(compression.decompress(blob))
    states = load_all(dumped)
    if dumped["crown"].get(HISTORY):
        states[HISTORY] = True
    return states


def restore_history(conn: Connection, states: States, position: int) -> States:
    """Fill in the crown timeline and the mention times of ``states`` (a full snapshot at
    ``position``) from the log's events up to ``position``."""
    if not states.pop(HISTORY, False):
        return states
    scratch = crown.initial()  # its timeline only: the snapshot holds the settled race
    mentions = states["places"]
    handlers = {**crown.HANDLERS}
    after = 0
    while after < position:
        chunk = reader.fetch_folds(conn, after, position, types=_HISTORY_TYPES)
        if not chunk:
            break
        for event in chunk:
            handler = handlers.get(event.type)
            if handler is not None:
                handler(scratch, event)
            else:
                places.apply(mentions, event)
        after = chunk[-1].position
        scratch.timeline.merge(scratch.pending)  # at the end, unless some are backfilled
        scratch.pending = []
    states["crown"].timeline = scratch.timeline
    return states


@dataclass(frozen=True, slots=True)
class Prepared:
    """The snapshots due at ``position``, made of every state but the crown (``store`` adds
    it): a rebuild makes them when its fold reaches ``position``, and stores them when the
    crown's fold (in another process) got there too."""

    position: int
    recorded_at: datetime
    occurred_max: datetime | None
    #: Per kind due: a light snapshot's parts compressed, or a full snapshot's dumps.
    parts: dict[str, dict[str, Any]]


def prepare(
    states: States,
    position: int,
    before: int,
    recorded_at: datetime,
    occurred_max: datetime | None,
    light_every: int = LIGHT_EVERY,
    full_every: int = FULL_EVERY,
) -> Prepared:
    """The snapshots due when the log moved from ``before`` to ``position``, but their crown."""
    parts: dict[str, dict[str, Any]] = {}
    for kind in due_kinds(position, before, light_every, full_every):
        if kind == "light":
            cutoff = mention_cutoff(recorded_at, occurred_max)
            parts[kind] = light_parts(states, cutoff)
        else:
            parts[kind] = {
                "catalog": catalog.dump(states["catalog"]),
                "standings": standings_codec.dump(states["standings"]),
            }
    return Prepared(position, recorded_at, occurred_max, parts)


def store(conn: Connection, prepared: Prepared, crown_parts: dict[str, bytes]) -> None:
    """Store ``prepared`` with the crown's part of each (``crown_part``)."""
    for kind, parts in prepared.parts.items():
        if kind == "light":
            blob = pack_light({**parts, "crown": crown_parts[kind]})
        else:
            blob = encode_full(parts, crown_parts[kind])
        conn.execute(
            table.insert().values(
                position=prepared.position,
                kind=kind,
                recorded_at=prepared.recorded_at,
                occurred_max=prepared.occurred_max,
                state=blob,
            )
        )


def crown_parts(state: crown.CrownState, prepared: Prepared) -> dict[str, bytes]:
    """The crown's part of each snapshot of ``prepared``, made of ``state`` in this process."""
    return {kind: crown_part(state, kind) for kind in prepared.parts}


def _newest(conn: Connection, kind: str, *where: sa.ColumnElement[bool]) -> sa.Row | None:  # type: ignore[type-arg]
    return conn.execute(
        sa.select(table.c.position, table.c.recorded_at, table.c.occurred_max, table.c.state)
        .where(table.c.kind == kind, *where)
        .order_by(table.c.position.desc())
        .limit(1)
    ).first()


def _load(
    conn: Connection,
    kind: str,
    decode: Callable[[bytes], States],
    at_most: int,
    occurred_by: datetime | None,
    names: Names = None,
) -> Loaded:
    where = [table.c.position <= at_most]
    if occurred_by is not None:
        where.append(table.c.occurred_max <= occurred_by)
    row = _newest(conn, kind, *where)
    if row is None:
        return Loaded(0, initial_states(names))
    return Loaded(int(row[0]), decode(row[3]), row[1], row[2])


def load_full(conn: Connection, at_most: int, occurred_by: datetime | None = None) -> Loaded:
    """The newest full snapshot at or before ``at_most`` (and, for as_of reads, holding no
    event after ``occurred_by``); empty states at 0 if none."""
    loaded = _load(conn, "full", decode_full, at_most, occurred_by)
    restore_history(conn, loaded.states, loaded.position)
    return loaded


def load_light(
    conn: Connection, at_most: int, occurred_by: datetime | None = None, names: Names = None
) -> Loaded:
    """The newest light snapshot at or before ``at_most`` (and, for as_of reads, holding no
    event after ``occurred_by``); empty states at 0 if none. Only the states ``names``."""
    return _load(conn, "light", lambda blob: decode_light(blob, names), at_most, occurred_by, names)


def clear(conn: Connection) -> None:
    conn.execute(table.delete())
