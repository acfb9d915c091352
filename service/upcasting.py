"""Schema evolution: old event payloads read in the current shape.

Events are never rewritten in the log (docs/design.md §2); a reader upcasts what it loads. Each
entry of ``UPCASTERS`` turns a payload of ``(type, schema)`` into one of ``schema + 1``;
``upcast`` applies them in a chain until the type's current schema in
``service.event_types.EVENT_TYPES``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.errors import SchemaError
from service.event_types import EVENT_TYPES

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _score_reported_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 held the confidence interval as ``ci: [low, high]``; schema 1 has two fields,
    so a reader can filter and sort on either bound."""
    upgraded = {name: value for name, value in data.items() if name != "ci"}
    interval = data.get("ci")
    if interval is not None:
        if not isinstance(interval, list | tuple) or len(interval) != 2:
            raise SchemaError(f"ScoreReported schema 0: `ci` must be [low, high], not {interval!r}")
        upgraded["ci_low"], upgraded["ci_high"] = interval
    return upgraded


#: (type, schema it reads) → function producing the payload of schema + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("ScoreReported", 0): _score_reported_0_to_1,
}


def upcast(type_name: str, schema: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``(current schema, payload)`` for an event stored at ``schema``; ``data`` is not changed.

    Raises ``SchemaError`` for an unknown type, a schema newer than this code knows, or a gap
    in the chain of upcasters.
    """
    event_type = EVENT_TYPES.get(type_name)
    if event_type is None:
        raise SchemaError(f"unknown event type {type_name!r}")
    if schema > event_type.schema:
        raise SchemaError(
            f"{type_name} schema {schema} is newer than this version knows ({event_type.schema})"
        )
    while schema < event_type.schema:
        step = UPCASTERS.get((type_name, schema))
        if step is None:
            raise SchemaError(f"no upcaster for {type_name} schema {schema} -> {schema + 1}")
        data = step(dict(data))
        schema += 1
    return schema, data


#: The schema each event type is written at now (payloads at another schema are upcast).
CURRENT: dict[str, int] = {name: event_type.schema for name, event_type in EVENT_TYPES.items()}


def current_data(type_name: str, schema: int, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` in the current shape of ``type_name`` (itself when already current).

    Types this version does not know are passed through: folds ignore them.
    """
    if CURRENT.get(type_name, schema) == schema:
        return data
    return upcast(type_name, schema, data)[1]
