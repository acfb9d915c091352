"""Observations → ``ItemObserved`` / ``ItemRevised``: the provenance roots of every fact.

Pure: the item index (``item_id → sha256`` already in the log) and the fetch time are passed
in. An item seen before with the same content appends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from jobs.observation import Observation
from jobs.schedule.sourcefile import SourceConfig
from service.clock import format_time
from service.events import NewEvent, Provenance

MAX_TEXT = 20_000


def provenance(source: SourceConfig, observation: Observation) -> Provenance:
    """The ``source`` field of every event derived from ``observation``."""
    return Provenance(
        source_id=source.id,
        item_id=observation.item_id,
        url=observation.url,
        sha256=observation.sha256,
    )


def occurred_at(observation: Observation, fetched_at: datetime) -> datetime:
    """World time of an item: when it says it was published or updated, else when it was seen."""
    return observation.published or observation.updated or fetched_at


def item_events(
    source: SourceConfig,
    observations: Sequence[Observation],
    known: Mapping[str, str],
    fetched_at: datetime,
) -> list[NewEvent]:
    """The events recording new and revised items (nothing for items seen unchanged)."""
    events: list[NewEvent] = []
    seen: set[str] = set()
    for observation in observations:
        if observation.item_id in seen or known.get(observation.item_id) == observation.sha256:
            continue
        seen.add(observation.item_id)
        previous = known.get(observation.item_id)
        data = _payload(source, observation)
        if previous is not None:
            data["previous"] = previous
        events.append(
            NewEvent(
                stream=f"source:{source.id}",
                type="ItemRevised" if previous is not None else "ItemObserved",
                data=data,
                occurred_at=occurred_at(observation, fetched_at),
                source=provenance(source, observation),
                key=f"item|{source.id}|{observation.item_id}|{observation.sha256}",
            )
        )
    return events


def _payload(source: SourceConfig, observation: Observation) -> dict[str, Any]:
    return {
        "source_id": source.id,
        "item_id": observation.item_id,
        "sha256": observation.sha256,
        "kind": observation.kind,
        "url": observation.url,
        "title": observation.title,
        "published": format_time(observation.published) if observation.published else None,
        "updated": format_time(observation.updated) if observation.updated else None,
        "summary": observation.text[:MAX_TEXT],
        "fields": observation.fields,
    }
