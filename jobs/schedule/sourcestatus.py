"""The health of every configured source, as rows for the CLI and the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Engine

from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.staterepo import load_all
from service.clock import format_time


def source_rows(engine: Engine, sources: Sequence[SourceConfig]) -> list[dict[str, Any]]:
    """One row per configured source (never-polled ones included), with its stored state."""
    with engine.connect() as conn:
        states = load_all(conn)
    rows = []
    for source in sources:
        state = states.get(source.id)
        rows.append(
            {
                "id": source.id,
                "kind": source.kind,
                "url": source.url,
                "every_seconds": int(source.every.total_seconds()),
                "enabled": source.enabled,
                "healthy": state.healthy if state else None,
                "last_status": state.last_status if state else None,
                "http_status": state.http_status if state else None,
                "consecutive_errors": state.consecutive_errors if state else 0,
                "last_error": state.last_error if state else None,
                "bozo_reason": state.bozo_reason if state else None,
                "effective_url": state.effective_url if state else None,
                "last_poll_at": _time(state.last_poll_at if state else None),
                "last_success_at": _time(state.last_success_at if state else None),
                "next_due_at": _time(state.next_due_at if state else None),
                "items_seen": state.items_seen if state else 0,
                "events_appended": state.events_appended if state else 0,
            }
        )
    return rows


def _time(value: Any) -> str | None:
    return format_time(value) if value is not None else None


def stored_rows(engine: Engine) -> list[dict[str, Any]]:
    """One row per source the database holds state for (when the sources file is unreadable,
    this is what workers last reported); kind and url are unknown (None)."""
    with engine.connect() as conn:
        states = load_all(conn)
    placeholders = [SourceConfig(id=source_id, kind="", url="") for source_id in sorted(states)]
    rows = source_rows(engine, placeholders)
    for row in rows:
        row["kind"] = row["url"] = None
        row["every_seconds"] = None
    return rows
