"""Whether a stored payload means what its type says: known type and schema, fields and kinds.

An imported file or a stored log can carry a perfectly chained event that no fold understands:
an unknown type, a schema newer than this code (or one with no upcaster), a missing or unknown
field, a score that is a string. ``payload_problem`` names the first such flaw in one phrase.
Field kinds are keyed by field name: a name means the same thing in every event type
(docs/design.md §3). A field not listed here may hold any JSON value.
"""

from __future__ import annotations

from typing import Any

from service.errors import SchemaError
from service.event_types import EVENT_TYPES
from service.upcasting import CURRENT, upcast

# JSON kinds: "text", "int" (not bool), "number" (int or float, not bool), "bool", "list",
# "texts" (a list of strings), "object", "null".
_NAMES = ("slug", "name", "model", "leaderboard", "method", "source_id", "item_id", "sha256")
FIELD_KINDS: dict[str, frozenset[str]] = {
    **{name: frozenset({"text"}) for name in _NAMES},
    "lab": frozenset({"text", "null"}),
    "city": frozenset({"text", "null"}),
    "country": frozenset({"text", "null"}),
    "family": frozenset({"text", "null"}),
    "aliases": frozenset({"texts", "null"}),
    "value": frozenset({"number"}),
    "confidence": frozenset({"number", "null"}),
    "ci_low": frozenset({"number", "null"}),
    "ci_high": frozenset({"number", "null"}),
    "votes": frozenset({"int", "null"}),
    "rank": frozenset({"int", "null"}),
    "params_total": frozenset({"int", "null"}),
    "params_active": frozenset({"int", "null"}),
    "context_length": frozenset({"int", "null"}),
    "downloads": frozenset({"int"}),
    "likes": frozenset({"int", "null"}),
    "open_weights": frozenset({"bool", "null"}),
    "as_of": frozenset({"text"}),
    "released_at": frozenset({"text", "null"}),
    "published": frozenset({"text", "null"}),
    "updated": frozenset({"text", "null"}),
    "fields": frozenset({"object", "null"}),
    "evidence": frozenset({"text", "null"}),
    "snippet": frozenset({"text"}),
}


_NULL, _BOOL, _INT = frozenset({"null"}), frozenset({"bool"}), frozenset({"int", "number"})
_NUMBER, _TEXT, _OBJECT = frozenset({"number"}), frozenset({"text"}), frozenset({"object"})
_LIST, _TEXTS = frozenset({"list"}), frozenset({"list", "texts"})
#: Exact Python type -> kinds (the audit asks for millions of values: no set built per call).
_BY_TYPE: dict[type, frozenset[str]] = {
    type(None): _NULL, bool: _BOOL, int: _INT, float: _NUMBER, str: _TEXT, dict: _OBJECT,
}  # fmt: skip


def kind_of(value: Any) -> frozenset[str]:
    """The JSON kinds ``value`` satisfies."""
    found = _BY_TYPE.get(type(value))
    if found is not None:
        return found
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, int):
        return _INT
    if isinstance(value, float):
        return _NUMBER
    if isinstance(value, str):
        return _TEXT
    if isinstance(value, list):
        return _TEXTS if all(isinstance(item, str) for item in value) else _LIST
    if isinstance(value, dict):
        return _OBJECT
    return frozenset()


#: ``(field name, Python type)`` -> whether that value fits the field (lists aside).
_FITS: dict[tuple[str, type], bool] = {}
#: ``(type, schema, field names)`` -> the problem of that shape (a handful of shapes in a log).
_SHAPES: dict[tuple[str, int, tuple[str, ...]], str | None] = {}


def _shape_problem(type_name: str, schema: int, data: dict[str, Any]) -> str | None:
    """Upcasting, missing and unknown fields: decided once per shape of payload."""
    shape = (type_name, schema, tuple(data))
    if shape in _SHAPES:
        return _SHAPES[shape]
    try:
        _schema, current = upcast(type_name, schema, data)
    except SchemaError as exc:
        return str(exc)
    event_type = EVENT_TYPES[type_name]
    problem = None
    missing = [name for name in event_type.required if name not in current]
    unknown = sorted(set(current) - set(event_type.required) - set(event_type.optional))
    if missing:
        problem = f"{type_name} payload lacks {', '.join(missing)}"
    elif unknown:
        problem = f"{type_name} payload has unknown field(s) {', '.join(unknown)}"
    if CURRENT.get(type_name) == schema and len(_SHAPES) < 4096:
        _SHAPES[shape] = problem  # an upcast payload's shape depends on more than its names
    return problem


#: Signatures ``(type, schema, field names, value types)`` of payloads found sound: for a
#: current-schema payload without lists the verdict depends on nothing else, and an audit
#: checks millions of payloads of a few dozen signatures (one lookup instead of a field walk).
_SOUND: set[tuple[Any, ...]] = set()


def payload_problem(type_name: str, schema: int, data: Any) -> str | None:
    """What is wrong with a stored payload of ``type_name`` at ``schema``, or None."""
    if data.__class__ is dict and schema.__class__ is int:
        # Names are texts, value types are types: one flat tuple says which is which.
        signature = (type_name, schema, *data, *map(type, data.values()))
        if signature in _SOUND:
            return None
        problem = _payload_problem(type_name, schema, data)
        sound = problem is None and CURRENT.get(type_name) == schema and list not in signature
        if sound and len(_SOUND) < 4096:
            _SOUND.add(signature)
        return problem
    return _payload_problem(type_name, schema, data)


def _payload_problem(type_name: str, schema: int, data: Any) -> str | None:
    if type_name not in EVENT_TYPES:
        return f"unknown event type {type_name!r}"
    if not isinstance(data, dict):
        return f"{type_name} data is a JSON {type(data).__name__}, not an object"
    problem = _shape_problem(type_name, schema, data)
    if problem:
        return problem
    current = data if CURRENT.get(type_name) == schema else upcast(type_name, schema, data)[1]
    fits = _FITS
    for name, value in current.items():
        kind = (name, type(value))
        ok = fits.get(kind)
        if ok is None:
            allowed = FIELD_KINDS.get(name)
            ok = allowed is None or not allowed.isdisjoint(kind_of(value))
            if kind[1] is not list and len(fits) < 4096:  # a list's kinds depend on its items
                fits[kind] = ok
        if not ok:
            allowed = FIELD_KINDS[name]
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
            return f"{type_name} field {name} is {shown}, not {' or '.join(sorted(allowed))}"
    return None
