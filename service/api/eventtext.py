"""One line of plain text per event, for the model page's history table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_SPEC = ("params_total", "params_active", "architecture", "context_length", "modality")


def _count(value: Any) -> str:
    """``355000000000`` → ``355B`` (parameter counts are integers in the log)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 1e6:
        for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
            if value >= size:
                return f"{value / size:.4g}{suffix}"
    return str(value)


def _registered(data: dict[str, Any]) -> str:
    return f"registered as {data.get('name')}" + (
        f" (lab {data['lab']})" if data.get("lab") else ""
    )


def _released(data: dict[str, Any]) -> str:
    parts = [f"released {str(data.get('released_at'))[:10]}"]
    if data.get("license"):
        parts.append(f"licence {data['license']}")
    if data.get("open_weights") is not None:
        parts.append("open weights" if data["open_weights"] else "closed weights")
    return ", ".join(parts)


def _spec(data: dict[str, Any]) -> str:
    shown = [f"{name.replace('_', ' ')} {_count(data[name])}" for name in _SPEC if name in data]
    return "spec: " + (", ".join(shown) or "no fields")


def _withdrawn(data: dict[str, Any]) -> str:
    return f"{data.get('leaderboard')}: no longer listed (last score {data.get('value')})"


def _score(data: dict[str, Any]) -> str:
    text = f"{data.get('leaderboard')}: score {data.get('value')}"
    if data.get("rank") is not None:
        text += f" (board rank {data['rank']})"
    return text + f", method {data.get('method')}"


def _licence(data: dict[str, Any]) -> str:
    return f"licence changed to {data.get('license')}" + (
        f" (was {data['previous']})" if data.get("previous") else ""
    )


def _mentioned(data: dict[str, Any]) -> str:
    return f"mentioned: {str(data.get('snippet') or '')[:200]}"


def _downloads(data: dict[str, Any]) -> str:
    likes = f", {data['likes']} likes" if data.get("likes") is not None else ""
    return f"{_count(data.get('downloads'))} downloads{likes}"


def _placed(data: dict[str, Any]) -> str:
    how = (
        f"organization {data['organization']}"
        if data.get("by") == "organization" and data.get("organization")
        else f"name pattern {data['pattern']}"
        if data.get("pattern")
        else str(data.get("by"))
    )
    return f"placed in lab {data.get('lab')} (by {how})"


def _linked(data: dict[str, Any]) -> str:
    return f"linked to repository {data.get('repo')} (a candidate, not yet verified)"


def _verified(data: dict[str, Any]) -> str:
    created = f", created {str(data['created_at'])[:10]}" if data.get("created_at") else ""
    return f"weights repository {data.get('repo')} verified{created}: open weights"


DESCRIBE: dict[str, Callable[[dict[str, Any]], str]] = {
    "ModelPlaced": _placed,
    "ModelRepoLinked": _linked,
    "WeightsRepoVerified": _verified,
    "ModelRegistered": _registered,
    "ModelReleased": _released,
    "ModelSpecReported": _spec,
    "ScoreReported": _score,
    "ScoreWithdrawn": _withdrawn,
    "ModelLicenseChanged": _licence,
    "ModelMentioned": _mentioned,
    "DownloadsReported": _downloads,
}


def describe(event_type: str, data: dict[str, Any]) -> str:
    """A short human description of one event's payload."""
    describe_one = DESCRIBE.get(event_type)
    if describe_one is None:
        return ", ".join(f"{key}={value}" for key, value in sorted(data.items()))[:200]
    return describe_one(data)
