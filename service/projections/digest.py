"""The projection registry, folding every projection at once, snapshots and digests.

**Folds are mutable.** Each ``apply(state, event)`` changes ``state`` in place and returns it
(unknown event types leave it alone). Why: a full rebuild must reach 150k events/s for all
folds together, and the crown keeps a time-ordered timeline of every score — copying even the
touched parts per event would dominate the cost. What must not change while folding goes on
(a state kept as a snapshot, a past state kept for comparison) is taken with ``snapshot`` —
an independent copy — and ``dump``/``load`` give its JSON-safe form for snapshot tables.
Folds stay pure: no I/O, no clock, no config; the same events give the same digests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from service.chain import canonical_json
from service.events import Foldable
from service.projections import catalog, crown, crown_codec, places, standings, standings_codec

States = dict[str, Any]
Handler = Callable[[Any, Foldable], Any]

#: Every projection fold: ``name -> (initial, apply)``.
FOLDS: dict[str, tuple[Callable[[], Any], Handler]] = {
    "catalog": (catalog.initial, catalog.apply),
    "standings": (standings.initial, standings.apply),
    "crown": (crown.initial, crown.apply),
    "places": (places.initial, places.apply),
}

#: Per fold, its handler per event type (the fast path of ``fold_all``).
HANDLERS: dict[str, dict[str, Handler]] = {
    "catalog": catalog.HANDLERS,
    "standings": standings.HANDLERS,
    "crown": crown.HANDLERS,
    "places": places.HANDLERS,
}

#: Every event type some fold reads; the rest (item observations …) need not be read.
FOLDED_TYPES: frozenset[str] = frozenset(t for handlers in HANDLERS.values() for t in handlers)

Codec = tuple[Callable[[Any], dict[str, Any]], Callable[[Any], Any], Callable[[Any], Any]]

#: Per fold: ``(dump, load, copy)``.
CODECS: dict[str, Codec] = {
    "catalog": (catalog.dump, catalog.load, catalog.copy),
    "standings": (standings_codec.dump, standings_codec.load, standings_codec.copy),
    "crown": (crown_codec.dump, crown_codec.load, crown.copy),
    "places": (places.dump, places.load, places.copy),
}


#: Which projections to fold: None for all of them. A past read folds only those its view
#: reads (the standings need no crown timeline and no mentions).
Names = frozenset[str] | None


def initial_states(names: Names = None) -> States:
    """A fresh, empty state for every fold (of ``names``)."""
    return {
        name: initial()
        for name, (initial, _apply) in FOLDS.items()
        if names is None or name in names
    }


@lru_cache(maxsize=32)
def types_of(names: frozenset[str]) -> frozenset[str]:
    """The event types the folds ``names`` read."""
    return frozenset(t for name in names for t in HANDLERS[name])


def folded_types(states: States) -> frozenset[str]:
    """The event types some fold of ``states`` reads (every folded type for all folds)."""
    names = frozenset(name for name in states if name in HANDLERS)
    return FOLDED_TYPES if len(names) == len(FOLDS) else types_of(names)


def fold_all(
    events: Iterable[Foldable], states: States | None = None, settle: bool = True
) -> States:
    """Feed ``events`` (in position order) to every fold of ``states`` (all of them if
    None); returns the (mutated) ``states``.

    Pass ``snapshot(states)`` to keep the states you fold on from. The crown state is
    settled at the end (unless ``settle`` is False), so a batch with backfilled scores
    replays the race once.
    """
    if states is None:
        states = initial_states()
    routes: dict[str, list[tuple[Handler, Any]]] = {}
    for name in states:
        for type_name, handler in HANDLERS[name].items():
            routes.setdefault(type_name, []).append((handler, states[name]))
    # Handlers mutate their state in place, so each route binds the state once.
    bound = {type_name: tuple(pairs) for type_name, pairs in routes.items()}
    get, nothing = bound.get, ()
    for event in events:
        for handler, state in get(event.type, nothing):
            handler(state, event)
    if settle and "crown" in states:
        crown.settle(states["crown"])
    return states


def snapshot(states: States) -> States:
    """An independent copy of every state: folding on ``states`` leaves it unchanged."""
    return {name: CODECS[name][2](state) for name, state in states.items()}


def dump_all(states: States) -> dict[str, dict[str, Any]]:
    """The JSON-safe form of every state."""
    return {name: CODECS[name][0](state) for name, state in states.items()}


def load_all(dumped: dict[str, dict[str, Any]], names: Names = None) -> States:
    """The states ``dump_all`` was made from (only ``names``, if given)."""
    return {
        name: CODECS[name][1](value)
        for name, value in dumped.items()
        if names is None or name in names
    }


def digest(name: str, state: Any) -> str:
    """SHA-256 hex of the canonical JSON of projection ``name``'s dump of ``state``.

    Dumps hold only strings, ints, floats (as the events gave them), bools and nulls in
    key-sorted dicts and time-ordered lists, so equal states digest equal on every run.
    """
    return hashlib.sha256(canonical_json(CODECS[name][0](state))).hexdigest()


def digests(states: States) -> dict[str, str]:
    """``{name: digest}`` for every state."""
    return {name: digest(name, state) for name, state in states.items()}
