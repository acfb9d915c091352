"""A model's history on one leaderboard: score, interval, rank and weights status per snapshot
(docs/design.md §6 ``/api/v1/models/{slug}/history``).

One point per snapshot that listed the model (its ``ScoreReported``), and one where a snapshot
no longer listed it (``ScoreWithdrawn``: the model left the board). Read from the model's stream
and the score index (``board_scores``), cut like every read: events up to a log position
(``known_at`` / ``position``) and, for ``as_of``, that occurred by then.

- ``rank`` is the model's dense rank among the rows of the same snapshot (same board, method
  and as-of time) by score — the standings of that day (docs/design.md §4: the snapshot in
  force); ``board_rank`` is the rank the board itself printed. (A snapshot read twice counts
  each model's later row; under a ``known_at`` cut that falls between the two reads, a rank the
  later read changed is left out rather than guessed.)
- ``weights`` is the model's weights status at the snapshot's time (its own facts that
  occurred by then), so a model that opened its weights later shows when it did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from service import reader
from service.clock import format_time
from service.events import StoredEvent
from service.modelsearch import weights_of
from service.projections import catalog as catalog_fold
from service.projections.catalog_view import model_view
from service.upcasting import current_data

LISTED, LEFT = "listed", "left"


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


def ranks(
    conn: Connection, slug: str, board: str, until: int | None
) -> dict[tuple[datetime, str], int]:
    """``{(as_of, method): rank}`` of ``slug`` in each snapshot of ``board`` that listed it:
    one more than the number of distinct scores above its own, from the score index."""
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    cut = f" AND o.position <= {mark}" if until is not None else ""
    mine = f" AND s.position <= {mark}" if until is not None else ""
    sql = (
        "SELECT s.occurred_at, s.method, (SELECT COUNT(DISTINCT o.value) FROM board_scores o "
        "WHERE o.leaderboard = s.leaderboard AND o.occurred_at = s.occurred_at "
        f"AND o.method = s.method AND o.value > s.value{cut}) "
        f"FROM board_scores s WHERE s.model = {mark} AND s.leaderboard = {mark}{mine}"
    )
    params: list[Any] = [until] if until is not None else []
    params += [slug, board] + ([until] if until is not None else [])
    decode = reader.Decoder().time
    return {
        (decode(occurred), method): 1 + int(above)
        for occurred, method, above in conn.exec_driver_sql(sql, tuple(params))
    }


def history_points(
    slug: str,
    board: str,
    stream: list[StoredEvent],
    ranked: dict[tuple[datetime, str], int],
) -> list[dict[str, Any]]:
    """The points of ``slug`` on ``board`` (oldest first) from its stream and its ranks."""
    catalog = catalog_fold.initial()
    points: list[dict[str, Any]] = []
    latest: dict[tuple[datetime, str], int] = {}
    for event in stream:
        if event.type == "ScoreReported" and event.data.get("leaderboard") == board:
            key = (event.occurred_at, str(event.data.get("method")))
            latest[key] = max(latest.get(key, 0), event.position)
    for event in sorted(stream, key=lambda e: (e.occurred_at, e.position)):
        catalog_fold.apply(catalog, event)
        data = event.data
        if event.type not in ("ScoreReported", "ScoreWithdrawn"):
            continue
        if data.get("leaderboard") != board:
            continue
        view = model_view(catalog, slug) or {}
        listed = event.type == "ScoreReported"
        key = (event.occurred_at, str(data.get("method")))
        if listed and latest[key] != event.position:
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
                "rank": ranked.get(key) if listed else None,
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
    return history_points(slug, board, stream, ranks(conn, slug, board, until))
