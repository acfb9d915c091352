"""Large light-snapshot parts cut in pieces, each compressed once while it stays the same.

A light snapshot (every ``LIGHT_EVERY`` events) holds the whole catalog and every board's rows,
and both grow with the race: on a 10M-event log they are 1.7 MB and 1.0 MB of JSON, and
compressing them again at every snapshot made the rebuild's cost per event grow with the log
(docs/benchmarks.md). Yet between two snapshots most models and most past methods' rows are
unchanged — their JSON is the very same ``orjson.Fragment`` (``DumpCache``) — so the members
at a part's ``split`` path (a catalog's models; a board's rows by method) go into pieces, and a
piece whose members are the same as in the previous snapshot keeps its compressed bytes.

Where a piece starts depends on its members, not on their count before it: a member whose
key's CRC-32 is 0 modulo ``PER_PIECE`` starts one (or, ``alone``, every member is a piece: a
board's rows of one method are tens of kB). A new model, or a changed one, changes one piece,
not all that follow.

A piece is stored as its own part, named ``{part}/{n}``, holding the members under their
path; ``merge`` puts them back into the part (``service.projections.light``).
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson

from service import compression

#: Members in a piece, on average.
PER_PIECE = 32
#: ``*`` in a split path: every key at that level.
ANY = "*"

Path = tuple[str, ...]
Member = tuple[Path, Any]


def _members(value: Any, split: Path, at: Path = ()) -> list[Member]:
    """``(path, value)`` of every member under ``split`` in ``value``, in order; each member
    is taken out of its dict, so ``value`` keeps what is not split."""
    if not split:
        return []
    head, rest = split[0], split[1:]
    keys = list(value) if head == ANY else [head] if head in value else []
    found: list[Member] = []
    for key in keys:
        if not rest:
            found.append(((*at, key), value.pop(key)))
        elif isinstance(value[key], dict):
            found += _members(value[key], rest, (*at, key))
    return found


def _nest(members: list[Member]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path, value in members:
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return root


class Pieces:
    """``pack(name, dumped, split)``: the compressed part and its pieces. Kept between calls:
    the compressed bytes of each piece of the previous call of each part, by its members
    (compared by their paths and by identity of their values, which a ``DumpCache`` keeps).
    Safe to share between threads: a race costs a compression, never a wrong piece."""

    def __init__(self) -> None:
        self._kept: dict[str, dict[Path, tuple[tuple[Member, ...], bytes]]] = {}
        self._cuts: dict[str, bool] = {}

    def _cut(self, key: str) -> bool:
        cut = self._cuts.get(key)
        if cut is None:
            if len(self._cuts) >= 1 << 16:
                self._cuts.clear()
            cut = self._cuts[key] = zlib.crc32(key.encode()) % PER_PIECE == 0
        return cut

    def pack(
        self, name: str, dumped: dict[str, Any], split: Path, alone: bool = False
    ) -> dict[str, bytes]:
        """``{name: compressed part without the split members, name/1: piece, …}``;
        ``dumped`` loses its split members."""
        groups: list[list[Member]] = []
        for member in _members(dumped, split):
            if alone or not groups or self._cut(member[0][-1]):
                groups.append([])
            groups[-1].append(member)
        kept = self._kept.get(name, {})
        now: dict[Path, tuple[tuple[Member, ...], bytes]] = {}
        packed = {name: compression.compress(orjson.dumps(dumped))}
        for number, group in enumerate(groups, 1):
            key, same = group[0][0], tuple(group)
            old = kept.get(key)
            # Paths compare by value, fragments by identity (orjson.Fragment has no __eq__).
            if old is not None and old[0] == same:
                blob = old[1]
            else:
                blob = compression.compress(orjson.dumps(_nest(group)))
            now[key] = (same, blob)
            packed[f"{name}/{number}"] = blob
        self._kept[name] = now
        return packed


def merge(target: dict[str, Any], piece: dict[str, Any]) -> None:
    """Put a piece's members back into its part (what ``pack`` took out)."""
    for key, value in piece.items():
        node = target.get(key)
        if isinstance(node, dict) and isinstance(value, dict):
            if node.keys().isdisjoint(value):
                node.update(value)
            else:
                merge(node, value)
        else:
            target[key] = value
