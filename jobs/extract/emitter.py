"""Building the events of one observation: streams, times, provenance and idempotency keys.

Every key starts with ``<source_id>|<item_id>|`` and ends with the fact itself (model, field,
value), so a re-poll of the same item, or two workers racing on it, produce the same keys and
the store appends each fact once; a revised item that states a new value gets a new key.
Registrations are keyed by slug alone, so two sources naming the same new model in one poll
register it once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobs.observation import Observation
from service.clock import parse_time
from service.events import NewEvent, Provenance

#: Keys longer than this are shortened to a hash (the column holds 500 characters).
MAX_KEY = 400


@dataclass
class Emitter:
    """Collects the events decided for one observation, registrations first, without repeats."""

    observation: Observation
    provenance: Provenance
    now: datetime
    #: The item's own time when the adapter left ``published`` empty (HF ``createdAt``).
    fallback: datetime | None = None
    registrations: list[NewEvent] = field(default_factory=list)
    changes: list[NewEvent] = field(default_factory=list)
    #: slug → payload of the ModelReleased emitted for it in this batch.
    released: dict[str, dict[str, Any]] = field(default_factory=dict)
    _keys: set[str] = field(default_factory=set)

    @property
    def occurred_at(self) -> datetime:
        """When the item says it happened: published, else updated, else now."""
        observation = self.observation
        return observation.published or observation.updated or self.fallback or self.now

    def key(self, *parts: Any) -> str:
        """The idempotency key of one fact of this item."""
        item = self.provenance.item_id or self.observation.item_id
        key = "|".join(str(part) for part in (self.provenance.source_id, item, *parts))
        if len(key) <= MAX_KEY:
            return key
        return (
            f"{self.provenance.source_id[:100]}|sha256:{hashlib.sha256(key.encode()).hexdigest()}"
        )

    def emit(
        self,
        stream: str,
        type_name: str,
        data: dict[str, Any],
        key: str,
        occurred_at: datetime | None = None,
    ) -> None:
        """Add one change event, unless an event with ``key`` was already added."""
        if key in self._keys:
            return
        self._keys.add(key)
        event = NewEvent(
            stream=stream,
            type=type_name,
            data=data,
            occurred_at=occurred_at or self.occurred_at,
            source=self.provenance,
            key=key,
        )
        self.changes.append(event)
        if type_name == "ModelReleased":
            self.released[data["model"]] = data

    def register(
        self, slug: str, name: str, lab: str | None, aliases: list[str], occurred_at: datetime
    ) -> None:
        """Register a model this batch is the first to name."""
        key = f"model:{slug}|registered"
        if key in self._keys:
            return
        self._keys.add(key)
        data = {"slug": slug, "name": name, "lab": lab, "aliases": sorted(set(aliases))}
        self.registrations.append(
            NewEvent(f"model:{slug}", "ModelRegistered", data, occurred_at, self.provenance, key)
        )

    def registered_lab(self, slug: str) -> str | None:
        """The lab this batch registers ``slug`` under (None if it does not register it)."""
        for event in self.registrations:
            if event.data.get("slug") == slug:
                return event.data.get("lab")
        return None

    def registered(self, slug: str) -> bool:
        """True if this batch registers ``slug``."""
        return f"model:{slug}|registered" in self._keys

    def events(self) -> list[NewEvent]:
        """Registrations, then changes, in the order they were decided."""
        return [*self.registrations, *self.changes]


def moment(value: Any) -> datetime | None:
    """A datetime from an observation field (a datetime or ISO 8601 text), else None."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return parse_time(value)
        except ValueError:
            return None
    return None
