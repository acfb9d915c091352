"""Event types of the log (docs/design.md §3): names, current schema versions and payload fields.

One literal registry a reader can find. Names are past-tense facts and never reused; a shape
change bumps ``schema`` and adds an upcaster (``service.upcasting``). Streams are named
``lab:<slug>``, ``model:<slug>``, ``leaderboard:<slug>``, ``source:<source id>`` and
``crown:rule``.

Every extracted fact (release, spec, license, mention) carries ``evidence`` (the sentence it
was read from) and ``confidence`` (0..1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from service.errors import SchemaError
from service.events import NewEvent


@dataclass(frozen=True, slots=True)
class EventType:
    """The current shape of one event type's payload."""

    name: str
    schema: int
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


_FACT = ("evidence", "confidence")

EVENT_TYPES: dict[str, EventType] = {
    event_type.name: event_type
    for event_type in (
        EventType("LabRegistered", 1, ("slug", "name"), ("aliases", "city", "country", "families")),
        EventType("LabUpdated", 1, ("slug",), ("name", "aliases", "city", "country", "families")),
        EventType("ModelRegistered", 1, ("slug", "name"), ("lab", "aliases", "family")),
        # A model placed in a lab by a source's organization column or a lab family pattern.
        EventType("ModelPlaced", 1, ("model", "lab", "by"), ("organization", "pattern")),
        # A source links a model to a weights repository: a candidate, not proof.
        EventType("ModelRepoLinked", 1, ("model", "repo"), ("url", "evidence")),
        # The Hugging Face model API confirmed a candidate: the weights can be downloaded.
        EventType(
            "WeightsRepoVerified", 1, ("model", "repo"), ("created_at", "gated", "url", "evidence")
        ),
        # The weights status a crown holder needs (setting ``[crown] weights``).
        EventType("CrownRuleChanged", 1, ("weights",), ("previous",)),
        EventType(
            "ModelReleased",
            1,
            ("model", "released_at"),
            ("open_weights", "license", "repo", "url", *_FACT),
        ),
        EventType(
            "ModelSpecReported",
            1,
            ("model",),
            (
                "params_total",
                "params_active",
                "architecture",
                "context_length",
                "modality",
                "authority",
                "flags",
                *_FACT,
            ),
        ),
        EventType(
            "ModelLicenseChanged", 1, ("model", "license"), ("open_weights", "previous", *_FACT)
        ),
        EventType(
            "ScoreReported",
            1,
            ("model", "leaderboard", "method", "value", "as_of"),
            (
                "ci_low",
                "ci_high",
                "votes",
                "rank",
                "provenance",
                "open_weights",
                "license",
                "name",
                "complete",
            ),
        ),
        # A complete snapshot at ``as_of`` no longer lists ``model`` (docs/design.md §3);
        # ``method`` and ``value`` are those of its last listing.
        EventType("ScoreWithdrawn", 1, ("model", "leaderboard", "method", "as_of", "value")),
        EventType("LeaderboardMethodChanged", 1, ("leaderboard", "method"), ("previous",)),
        EventType("ModelMentioned", 1, ("model", "snippet"), ("item_id", "url", "title", *_FACT)),
        EventType("DownloadsReported", 1, ("model", "downloads"), ("likes", "repo")),
        EventType(
            "ItemObserved",
            1,
            ("source_id", "item_id", "sha256"),
            ("url", "title", "published", "updated", "summary", "kind", "fields"),
        ),
        EventType(
            "ItemRevised",
            1,
            ("source_id", "item_id", "sha256"),
            ("url", "title", "published", "updated", "summary", "kind", "fields", "previous"),
        ),
    )
}


#: Payload shapes ``(type, schema, field names)`` already found valid (appends check every event).
_VALID: set[tuple[str, int, tuple[str, ...]]] = set()


def check_payloads(events: Iterable[NewEvent]) -> None:
    """``check_payload`` of every event, known-good shapes decided in this loop alone."""
    valid = _VALID
    for event in events:
        data, schema = event.data, event.schema
        known = type(data) is dict and type(schema) is int
        if not known or (event.type, schema, tuple(data)) not in valid:
            check_payload(event.type, schema, data)


def check_payload(type_name: str, schema: int, data: dict[str, Any]) -> None:
    """Raise ``SchemaError`` unless ``data`` has the current shape of ``type_name``."""
    if not isinstance(data, dict) or type(schema) is not int:
        _check(type_name, schema, data)
        return
    shape = (type_name, schema, tuple(data))
    if shape in _VALID:
        return
    _check(type_name, schema, data)
    if len(_VALID) < 4096:
        _VALID.add(shape)


def _check(type_name: str, schema: int, data: dict[str, Any]) -> None:
    event_type = EVENT_TYPES.get(type_name)
    if event_type is None:
        raise SchemaError(f"unknown event type {type_name!r}")
    if type(schema) is not int or schema != event_type.schema:
        raise SchemaError(f"{type_name} is written at schema {event_type.schema}, not {schema}")
    missing = [name for name in event_type.required if name not in data]
    unknown = sorted(set(data) - set(event_type.required) - set(event_type.optional))
    if missing or unknown:
        raise SchemaError(
            f"{type_name} payload: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}"
        )
