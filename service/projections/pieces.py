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

``Journaled`` cuts the same pieces of a growing dict whose fold keeps a ``Changes`` journal
(a catalog's models) without visiting the members that did not change: grouping, comparing and
dumping every model at every snapshot still cost in proportion to the catalog.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from itertools import islice
from typing import Any

import orjson

from service import compression
from service.projections.changes import Changes
from service.projections.dumpcache import DumpCache

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
            cut = self._cuts[key] = starts_piece(key)
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


def starts_piece(key: str) -> bool:
    """Whether member ``key`` starts a piece (``alone`` aside)."""
    return zlib.crc32(key.encode()) % PER_PIECE == 0


class Journaled:
    """``pack(parts, changes)``: the pieces of ``parts`` (a dict that only grows, folded with
    the ``changes`` journal) at ``(path, key)``, named ``{name}/{n}``, as ``Pieces.pack`` cuts
    them; each member ``dump``-ed by a ``DumpCache``. Between calls on the same journal it looks
    only at the members touched since, compresses the pieces whose members' dumps changed, and
    adds members that are new at the end; another journal (another state or a copy of it)
    starts it over, its unchanged members' dumps reused. Safe to share between threads."""

    def __init__(self, name: str, path: str, dump: Callable[[Any], Any]) -> None:
        self._name, self._path, self._dump = name, path, dump
        self._lock = threading.Lock()
        self._dumps = DumpCache()
        self._start(None)

    def _start(self, changes: Changes | None) -> None:
        self._changes, self._count = changes, 0
        #: Per member: its dump in the pieces as they stand.
        self._fragments: dict[str, orjson.Fragment] = {}
        self._piece_of: dict[str, int] = {}
        self._pieces: list[list[str]] = []
        #: Per piece, its compressed bytes; None: to compress again.
        self._blobs: list[bytes | None] = []

    def pack(self, parts: dict[str, Any], changes: Changes) -> dict[str, bytes]:
        with self._lock:
            fresh = len(parts) - len(self._piece_of)
            if changes is not self._changes or fresh < 0:
                self._start(changes)
                fresh = len(parts)
            # Members are never removed, so the new ones are the last of ``parts``.
            new = list(islice(reversed(parts), fresh))[::-1]
            if any(key in self._piece_of for key in new):
                self._start(changes)  # not the dict this journal was following
                return self.pack(parts, changes)
            for key in new:
                if not self._pieces or starts_piece(key):
                    self._pieces.append([])
                    self._blobs.append(None)
                self._pieces[-1].append(key)
                self._piece_of[key] = len(self._pieces) - 1
            for key in (*new, *changes.since(self._count)):
                fragment = self._dumps.fragment(key, parts[key], self._dump)
                if self._fragments.get(key) is not fragment:
                    self._fragments[key] = fragment
                    self._blobs[self._piece_of[key]] = None
            self._count = changes.count
            return {f"{self._name}/{n}": self._blob(n - 1) for n in range(1, len(self._pieces) + 1)}

    def _blob(self, index: int) -> bytes:
        blob = self._blobs[index]
        if blob is None:
            members = {key: self._fragments[key] for key in self._pieces[index]}
            blob = self._blobs[index] = compression.compress(orjson.dumps({self._path: members}))
        return blob


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
