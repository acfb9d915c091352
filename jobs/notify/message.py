"""What a delivery carries: the JSON body of a webhook, the short text of an Apprise message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.clock import format_time

#: Lines of alerts in one human message before "… and N more".
MAX_LINES = 10


def payload(
    target: str,
    delivery: str,
    alerts: list[dict[str, Any]],
    position: int | None,
    recorded_at: datetime | None,
    test: bool = False,
) -> dict[str, Any]:
    """The webhook body (README "Follow the race" documents each field)."""
    return {
        "delivery": delivery,
        "target": target,
        "position": position,
        "recorded_at": format_time(recorded_at) if recorded_at else None,
        "test": test,
        "alerts": alerts,
    }


def line(alert: dict[str, Any]) -> str:
    """One alert in a sentence."""
    kind = alert["event"]
    if kind == "source-failing":
        return (
            f"Source {alert['source']} is failing ({alert['consecutive_errors']} failed polls "
            f"in a row): {alert.get('error') or 'no message'}"
        )
    if kind == "source-recovered":
        return f"Source {alert['source']} recovered after {alert['after_errors']} failed polls"
    who = ", ".join(
        str(v) for v in (alert.get("lab_name") or alert.get("lab"), alert.get("city")) if v
    )
    name = f"{alert['name']} ({who})" if who else str(alert["name"])
    if kind == "crown":
        text = f"{name} takes the open-weights crown on {alert['leaderboard']}"
        previous = alert.get("previous_name") or alert.get("previous")
        return text + (f" from {previous}" if previous else "")
    if kind == "enters-top10":
        return f"{name} enters the top 10 of {alert['leaderboard']} at #{alert['rank']}"
    if kind == "left-board":
        return f"{name} left {alert['leaderboard']} (last at #{alert['last_rank']})"
    if kind == "release":
        return f"{name} released on {str(alert['released_at'])[:10]} (weights: {alert['weights']})"
    return f"{kind}: {alert}"


def text(body: dict[str, Any]) -> tuple[str, str]:
    """``(title, message)`` of a delivery, for chat and mail services."""
    alerts = body["alerts"]
    lines = [line(alert) for alert in alerts[:MAX_LINES]]
    if len(alerts) > MAX_LINES:
        lines.append(f"… and {len(alerts) - MAX_LINES} more")
    title = "crownlog: " + (lines[0] if len(alerts) == 1 else f"{len(alerts)} alerts")
    if body.get("test"):
        title = "crownlog test: " + title.removeprefix("crownlog: ")
    footer = f"(log position {body['position']})" if body.get("position") else ""
    return title[:250], "\n".join([*lines, footer]).strip()
