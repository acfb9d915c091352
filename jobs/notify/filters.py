"""Which alerts a target wants (pure): its events, then its filters.

The ``leaderboard`` filter applies to board alerts (crown, enters-top10, left-board); ``lab``,
``city`` and ``weights`` to every alert about a model (the board alerts and releases). A
source-health alert passes only the ``events`` list, and the target's ``failing_after``: a
source is failing after that many failed polls in a row, and its recovery is news only then.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jobs.schedule.healthlog import HealthChange
from service.clock import format_time, parse_time
from service.settings import NotifyTarget

BOARD_KINDS = frozenset({"crown", "enters-top10", "left-board"})
MODEL_KINDS = BOARD_KINDS | {"release"}


def wanted(target: NotifyTarget, body: dict[str, Any], recorded_at: datetime) -> bool:
    """Whether ``target`` wants the alert ``body`` (found in an append at ``recorded_at``)."""
    kind = body["event"]
    if kind not in target.events:
        return False
    if kind in BOARD_KINDS and target.leaderboard and body["leaderboard"] not in target.leaderboard:
        return False
    if kind in MODEL_KINDS and not _model_passes(target, body):
        return False
    if kind == "release":
        released = parse_time(body["released_at"])
        return released >= recorded_at - timedelta(days=target.release_within_days)
    if kind == "source-failing":
        return int(body["consecutive_errors"]) == target.failing_after
    if kind == "source-recovered":
        return int(body["after_errors"]) >= target.failing_after
    return True


def _model_passes(target: NotifyTarget, body: dict[str, Any]) -> bool:
    if target.lab:
        names = {str(v).lower() for v in (body.get("lab"), body.get("lab_name")) if v}
        if not names & {lab.lower() for lab in target.lab}:
            return False
    if target.city and (body.get("city") or "").lower() not in {c.lower() for c in target.city}:
        return False
    return not (target.weights and body.get("weights") not in target.weights)


def health_alert(change: HealthChange) -> dict[str, Any]:
    """The alert body of a source-health journal row."""
    if change.status == "recovered":
        return {
            "event": "source-recovered",
            "source": change.source_id,
            "after_errors": change.consecutive_errors,
            "at": format_time(change.at),
        }
    return {
        "event": "source-failing",
        "source": change.source_id,
        "consecutive_errors": change.consecutive_errors,
        "error": change.error,
        "at": format_time(change.at),
    }
