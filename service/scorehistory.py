"""A model's history on one leaderboard: score, interval, rank and weights status per snapshot
(docs/design.md §6 ``/api/v1/models/{slug}/history``).

One point per snapshot that listed the model (its ``ScoreReported``), and one where a snapshot
no longer listed it (``ScoreWithdrawn``: the model left the board). Read from the log, cut like
every read: events up to a log position (``known_at`` / ``position``) and, for ``as_of``, that
occurred by then.

- ``rank`` is the model's dense rank among the rows of the same snapshot (same board, method
  and as-of time) by score — the standings of that day (docs/design.md §4: the snapshot in
  force); ``board_rank`` is the rank the board itself printed.
- ``weights`` is the model's weights status at the snapshot's time (its own facts that
  occurred by then), so a model that opened its weights later shows when it did.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service import reader
from service.clock import format_time
from service.events import StoredEvent
from service.modelsearch import weights_of
from service.projections import catalog as catalog_fold
from service.projections.catalog_view import model_view
from service.schema import events
from service.upcasting import current_data

LISTED, LEFT = "listed", "left"
_IN_CHUNK = 500


def model_events(
    conn: Connection, slug: str, until: int | None, as_of: datetime | None
) -> list[StoredEvent]:
    """Every event of ``model:<slug>`` in the cut, payloads in their current shape."""
    found: list[StoredEvent] = []
    after = 0
    while True:
        chunk = reader.fetch(conn, after, until, stream=f"model:{slug}", occurred_until=as_of)
        found += chunk
        if len(chunk) < reader.CHUNK:
            break
        after = chunk[-1].position
    return [_current(event) for event in found]


def _current(event: StoredEvent) -> StoredEvent:
    data = current_data(event.type, event.schema, event.data)
    if data is event.data:
        return event
    return StoredEvent(
        event.position, event.stream, event.version, event.type, event.schema, data,
        event.occurred_at, event.recorded_at, event.source, event.key, event.prev_hash,
        event.hash,
    )  # fmt: skip


def snapshot_rows(
    conn: Connection, board: str, times: Iterable[datetime], until: int | None
) -> dict[tuple[datetime, str], dict[str, tuple[int, float]]]:
    """``{(as_of, method): {model: (position, value)}}``: the rows of the board's snapshots
    at ``times`` (the latest row per model where a snapshot was read twice)."""
    data = events.c.data
    rows: dict[tuple[datetime, str], dict[str, tuple[int, float]]] = {}
    wanted = [reader.stored_time(conn, moment) for moment in sorted(set(times))]
    # Compared as the driver stores them (SQLite keeps text with its offset).
    occurred = sa.type_coerce(events.c.occurred_at, sa.String) if _is_text(conn) else None
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        query = sa.select(
            events.c.position,
            events.c.occurred_at,
            data["model"].as_string(),
            data["method"].as_string(),
            data["value"].as_float(),
        ).where(
            events.c.type == "ScoreReported",
            (occurred if occurred is not None else events.c.occurred_at).in_(chunk),
            data["leaderboard"].as_string() == board,
        )
        if until is not None:
            query = query.where(events.c.position <= until)
        for position, occurred, model, method, value in conn.execute(query):
            snapshot = rows.setdefault((occurred, method), {})
            old = snapshot.get(model)
            if old is None or position > old[0]:
                snapshot[model] = (position, float(value))
    return rows


def _is_text(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def dense_rank(snapshot: dict[str, tuple[int, float]], model: str) -> int | None:
    """``model``'s dense rank by score in ``snapshot`` (equal scores share a rank)."""
    mine = snapshot.get(model)
    if mine is None:
        return None
    return 1 + len({value for _position, value in snapshot.values() if value > mine[1]})


def history_points(
    slug: str,
    board: str,
    stream: list[StoredEvent],
    snapshots: dict[tuple[datetime, str], dict[str, tuple[int, float]]],
) -> list[dict[str, Any]]:
    """The points of ``slug`` on ``board`` (oldest first) from its stream and the snapshots."""
    catalog = catalog_fold.initial()
    points: list[dict[str, Any]] = []
    for event in sorted(stream, key=lambda e: (e.occurred_at, e.position)):
        catalog_fold.apply(catalog, event)
        data = event.data
        if event.type not in ("ScoreReported", "ScoreWithdrawn"):
            continue
        if data.get("leaderboard") != board:
            continue
        view = model_view(catalog, slug) or {}
        listed = event.type == "ScoreReported"
        snapshot = snapshots.get((event.occurred_at, str(data.get("method"))), {})
        if listed and snapshot.get(slug, (event.position,))[0] != event.position:
            continue  # a snapshot read twice: its later row stands
        points.append(
            {
                "as_of": format_time(event.occurred_at),
                "status": LISTED if listed else LEFT,
                "method": data.get("method"),
                "score": data.get("value") if listed else None,
                "ci_low": data.get("ci_low") if listed else None,
                "ci_high": data.get("ci_high") if listed else None,
                "votes": data.get("votes") if listed else None,
                "rank": dense_rank(snapshot, slug) if listed else None,
                "board_rank": data.get("rank") if listed else None,
                "weights": weights_of(view),
                "position": event.position,
            }
        )
    return points


def read_history(
    conn: Connection, slug: str, board: str, until: int | None, as_of: datetime | None
) -> list[dict[str, Any]] | None:
    """The points of ``slug`` on ``board`` in the cut; None if the cut holds no event of it."""
    stream = model_events(conn, slug, until, as_of)
    if not stream:
        return None
    times = [
        e.occurred_at
        for e in stream
        if e.type == "ScoreReported" and e.data.get("leaderboard") == board
    ]
    return history_points(slug, board, stream, snapshot_rows(conn, board, times, until))
