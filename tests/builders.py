"""Small builders of new events for store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.events import NewEvent, Provenance

T0 = datetime(2025, 7, 1, tzinfo=UTC)


def item(n: int, source: str = "news", key: bool = True, title: str | None = None) -> NewEvent:
    """An ``ItemObserved`` for item ``n`` of ``source``."""
    return NewEvent(
        stream=f"source:{source}",
        type="ItemObserved",
        data={
            "source_id": source,
            "item_id": f"item-{n}",
            "sha256": f"{n:064x}",
            "title": title or f"Item {n}: GLM-4.5 has 355B parameters",
            "fields": {"n": n, "score": n / 7},
        },
        occurred_at=T0 + timedelta(minutes=n),
        source=Provenance(source, f"item-{n}", f"https://example.org/{n}", f"{n:064x}"),
        key=f"item|{source}|item-{n}" if key else None,
    )


def mention(model: str, n: int, key: str | None = None) -> NewEvent:
    """A ``ModelMentioned`` on ``model:<model>``."""
    return NewEvent(
        stream=f"model:{model}",
        type="ModelMentioned",
        data={"model": model, "snippet": f"{model} mentioned #{n}", "confidence": 0.5},
        occurred_at=T0 + timedelta(hours=n),
        source=Provenance("news", f"m-{n}"),
        key=key,
    )
