"""Light snapshots: what the views read, small enough to load within a request.

A light snapshot keeps the catalog and standings whole, the crown's race with the timeline from
its second newest replay checkpoint on (and that checkpoint's race), and the mentions of the
last 30 days before it. Folding newer events on top
gives exactly the full fold's views; an event older than that checkpoint (a backfill reaching
behind the snapshot's timeline) cannot be replayed from it — ``needs_full`` says so, and the
caller starts from a full snapshot instead.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from typing import Any

import orjson
from orjson import Fragment

from service.projections import catalog, crown_codec, places, standings_codec
from service.projections.digest import Names, States, load_all

#: The longest window a view counts mentions over (places: mentions_30d).
MENTION_WINDOW = timedelta(days=30)


def light_dump(states: States, cutoff: datetime, crown: bytes | None = None) -> dict[str, Any]:
    """The light form of ``states``; mentions before ``cutoff`` are left out. ``crown``: the
    crown's part already dumped as JSON (a rebuild folds the crown in another process)."""
    return {
        "catalog": catalog.dump(states["catalog"]),
        "standings": standings_codec.dump(states["standings"]),
        "crown": crown_codec.dump_light(states["crown"]) if crown is None else Fragment(crown),
        "places": places.dump_light(states["places"], cutoff),
    }


def encode_light(states: States, cutoff: datetime, crown: bytes | None = None) -> bytes:
    return zlib.compress(orjson.dumps(light_dump(states, cutoff, crown)), 1)


def decode_light(blob: bytes, names: Names = None) -> States:
    """The states of a light snapshot (only ``names``: the others are not even loaded)."""
    return load_all(orjson.loads(zlib.decompress(blob)), names)


def needs_full(states: States) -> bool:
    """True when folding reached behind a light snapshot's crown: behind the replay checkpoint
    it keeps (its replay needs history it does not have)."""
    crown = states.get("crown")
    if crown is None:
        return False  # the other states are whole in a light snapshot
    dirty = crown.dirty_from
    return dirty is not None and not any(key < dirty for _n, key, _race in crown.checkpoints)


def mention_cutoff(recorded_at: datetime, occurred_max: datetime | None) -> datetime:
    """Mentions before this never count in a view at or after the snapshot (either axis)."""
    newest = min(recorded_at, occurred_max) if occurred_max else recorded_at
    return newest - MENTION_WINDOW
