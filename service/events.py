"""The event envelope: what a writer hands to the log and what the log hands back.

Field names are the public contract of exports (docs/design.md §2); see ``service.chain`` for
how an envelope is hashed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

GENESIS_HASH = "0" * 64

#: The envelope fields, in export order.
FIELDS = (
    "position",
    "stream",
    "version",
    "type",
    "schema",
    "data",
    "occurred_at",
    "recorded_at",
    "source",
    "key",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True, slots=True)
class Provenance:
    """The observation behind an event: which source, which item, where, and its content hash."""

    source_id: str
    item_id: str | None = None
    url: str | None = None
    sha256: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "source_id": self.source_id,
            "item_id": self.item_id,
            "url": self.url,
            "sha256": self.sha256,
        }

    @classmethod
    def from_dict(cls, value: dict[str, Any] | None) -> Provenance | None:
        if value is None:
            return None
        return cls(
            source_id=value["source_id"],
            item_id=value.get("item_id"),
            url=value.get("url"),
            sha256=value.get("sha256"),
        )


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event a writer wants appended; the log assigns position, version, times and hashes."""

    stream: str
    type: str
    data: dict[str, Any]
    occurred_at: datetime
    source: Provenance | None = None
    key: str | None = None
    schema: int = 1


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the log holds it."""

    position: int
    stream: str
    version: int
    type: str
    schema: int
    data: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    source: Provenance | None
    key: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What one ``append`` did: the events it stored and the idempotency keys it skipped."""

    appended: list[StoredEvent] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def head(self) -> int | None:
        """Position of the last event appended, or None if nothing was."""
        return self.appended[-1].position if self.appended else None


class Foldable(Protocol):
    """What a projection fold reads of an event: never its provenance, key or hashes."""

    @property
    def position(self) -> int: ...

    @property
    def type(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def occurred_at(self) -> datetime: ...

    @property
    def recorded_at(self) -> datetime: ...


class FoldEvent(NamedTuple):
    """An event as rebuilds read it: only the fields folds use (several times cheaper)."""

    position: int
    type: str
    data: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
