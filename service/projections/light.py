"""Light snapshots: what the views read, small enough to load within a request.

A light snapshot keeps the catalog and standings whole, the crown's race with the timeline from
its second newest replay checkpoint on (and that checkpoint's race), and the mentions of the
last 30 days before it. Folding newer events on top
gives exactly the full fold's views; an event older than that checkpoint (a backfill reaching
behind the snapshot's timeline) cannot be replayed from it — ``needs_full`` says so, and the
caller starts from a full snapshot instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson

from service import compression
from service.projections import catalog, crown_codec, places, standings_codec
from service.projections.crown import CrownState
from service.projections.digest import Names, States, load_all
from service.projections.dumpcache import DumpCache
from service.projections.pieces import ANY, Journaled, Pieces, merge

#: The longest window a view counts mentions over (places: mentions_30d).
MENTION_WINDOW = timedelta(days=30)


#: Marks the parted form: a view decodes only the parts it reads (a blob without it is one
#: compressed JSON object holding them all, as light snapshots were first written).
MAGIC = b"CLL2"
#: The JSON of catalog entries and board rows, reused while they do not change.
_DUMPED = DumpCache()
#: Their compressed pieces, likewise.
_PIECES = Pieces()
#: The catalog's models in pieces, made of the models changed since the last snapshot.
_MODELS = Journaled("catalog", "models", catalog.dump_facts)
_LENGTH = 4


def crown_light(state: CrownState) -> bytes:
    """The crown's part of a light snapshot of ``state``, compressed (a rebuild makes it in
    the process that folds the crown)."""
    return compression.compress(orjson.dumps(crown_codec.dump_light(state)))


def light_parts(states: States, cutoff: datetime) -> dict[str, bytes]:
    """Each part of the light form of ``states`` but the crown's, compressed (the catalog's
    models and the boards' rows in pieces: ``service.projections.pieces``); mentions before
    ``cutoff`` are left out."""
    known = states["catalog"]
    labs = {"labs": _DUMPED.fragments("lab", known.labs, catalog.dump_facts), "models": {}}
    return {
        "catalog": compression.compress(orjson.dumps(labs)),
        **_MODELS.pack(known.models, known.changes),
        **_PIECES.pack(
            "standings",
            standings_codec.dump(states["standings"], _DUMPED),
            ("boards", ANY, "rows", ANY),
            alone=True,
        ),
        "places": compression.compress(orjson.dumps(places.dump_light(states["places"], cutoff))),
    }


def encode_light(states: States, cutoff: datetime, crown: bytes | None = None) -> bytes:
    """The light snapshot of ``states`` (``pack_light``); ``crown``: the crown's part made
    already (``crown_light``)."""
    crown = crown_light(states["crown"]) if crown is None else crown
    return pack_light({**light_parts(states, cutoff), "crown": crown})


def pack_light(parts: dict[str, bytes]) -> bytes:
    """``MAGIC``, the length of a JSON index ``{part: [offset, length]}``, the index, then the
    parts, each compressed on its own (``service.compression``; older blobs: zlib)."""
    index: dict[str, tuple[int, int]] = {}
    packed: list[bytes] = []
    offset = 0
    for name, part in parts.items():
        packed.append(part)
        index[name] = (offset, len(part))
        offset += len(part)
    head = orjson.dumps(index)
    return b"".join([MAGIC, len(head).to_bytes(_LENGTH, "big"), head, *packed])


def decode_light(blob: bytes, names: Names = None) -> States:
    """The states of a light snapshot (only ``names``: the other parts are not even read)."""
    if not blob.startswith(MAGIC):
        return load_all(orjson.loads(compression.decompress(blob)), names)
    start = len(MAGIC) + _LENGTH
    body = start + int.from_bytes(blob[len(MAGIC) : start], "big")
    index = orjson.loads(blob[start:body])
    dumped: dict[str, Any] = {}
    for name, (offset, length) in index.items():
        part = name.partition("/")[0]  # ``catalog/3``: a piece of the catalog
        if names is None or part in names:
            value = orjson.loads(
                compression.decompress(blob[body + offset : body + offset + length])
            )
            merge(dumped.setdefault(part, {}), value)
    return load_all(dumped)


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
