"""The crown's timeline in packed blocks: memory follows the log only by a few bytes an entry.

The crown fold keeps every crown-relevant entry sorted by ``(occurred_at, position)`` so that a
backfill can be replayed (``service.projections.crown``). As plain tuples an entry costs about
250 bytes (the tuple, its floats, its own copies of the board, model and method strings), so a
log of ten million events would hold gigabytes. Here every full block of ``BLOCK`` entries is
pickled and compressed (about 20 bytes an entry) and only the newest, unfilled block stays as
tuples. Blocks are immutable ``bytes``, so a copy shares them.

Reading old entries (a replay after a backfill, a dump) unpacks blocks one at a time; a
backfill merges its entries into the blocks from the first one it reaches, which costs what
the replay that follows costs anyway.
"""

from __future__ import annotations

import pickle
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from service import compression

Entry = tuple[Any, ...]
#: Entries per packed block (the crown's replay checkpoints fall on multiples of it).
BLOCK = 4096
_key = itemgetter(0, 1)


def _pack(entries: list[Entry]) -> bytes:
    return compression.compress(pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL))


def _unpack(blob: bytes) -> list[Entry]:
    entries: list[Entry] = pickle.loads(compression.decompress(blob))  # our own bytes, never input
    return entries


class Timeline:
    """A sorted sequence of entries: packed full blocks of ``block`` entries, then the rest."""

    __slots__ = ("_blocks", "_ends", "_tail", "block")

    def __init__(self, entries: Iterable[Entry] = (), block: int = BLOCK) -> None:
        self.block = block
        self._blocks: list[bytes] = []
        #: ``(occurred_at, position)`` of each block's newest entry.
        self._ends: list[tuple[Any, int]] = []
        self._tail: list[Entry] = []
        for entry in entries:
            self.append(entry)

    def __len__(self) -> int:
        return len(self._blocks) * self.block + len(self._tail)

    def __bool__(self) -> bool:
        return bool(self._tail) or bool(self._blocks)

    def last_key(self) -> tuple[Any, int]:
        """``(occurred_at, position)`` of the newest entry (the timeline must not be empty)."""
        if self._tail:
            last = self._tail[-1]
            return (last[0], last[1])
        return self._ends[-1]

    def append(self, entry: Entry) -> None:
        """Add ``entry`` at the end (the caller keeps the order)."""
        tail = self._tail
        tail.append(entry)
        if len(tail) >= self.block:
            self._blocks.append(_pack(tail))
            self._ends.append(_key(entry))
            self._tail = []

    def extend(self, entries: list[Entry]) -> None:
        """Add ``entries`` at the end, in their order (the caller keeps the order)."""
        done, size = 0, self.block
        while done < len(entries):
            tail = self._tail
            room = size - len(tail)
            tail += entries[done : done + room]
            done += room
            if len(tail) >= size:
                self._blocks.append(_pack(tail))
                self._ends.append(_key(tail[-1]))
                self._tail = []

    def entries(self, start: int = 0) -> Iterator[Entry]:
        """The entries from index ``start`` on, oldest first."""
        size = self.block
        first = start // size
        for number in range(first, len(self._blocks)):
            block = _unpack(self._blocks[number])
            yield from block[start - number * size :] if number == first else block
        tail_start = max(0, start - len(self._blocks) * self.block)
        yield from self._tail[tail_start:]

    def segments(self, start: int = 0) -> Iterator[tuple[bytes | None, list[Entry]]]:
        """The entries from index ``start`` on, as ``(block, entries)`` pieces: ``block`` is
        the packed bytes a whole block came from (immutable, so a cache key for what is made
        of its entries), None for a partial block or the unpacked tail."""
        size = self.block
        first = start // size
        for number in range(first, len(self._blocks)):
            blob = self._blocks[number]
            skip = start - number * size if number == first else 0
            yield (None, _unpack(blob)[skip:]) if skip else (blob, _unpack(blob))
        yield None, self._tail[max(0, start - len(self._blocks) * size) :]

    def newest(self, count: int) -> list[Entry]:
        """The newest ``count`` entries, oldest first."""
        if count <= 0:
            return []
        return list(self.entries(max(0, len(self) - count)))

    def merge(self, entries: list[Entry]) -> None:
        """Merge ``entries`` (any order, none equal to one held) into their places."""
        for _entry in self.merged(entries, len(self) + len(entries)):
            pass

    def merged(self, entries: list[Entry], start: int = 0) -> Iterator[Entry]:
        """Merge ``entries`` (any order, none equal to one held) into their places, yielding
        every entry of the result from index ``start`` on, oldest first — a backfill's replay
        reads the blocks as they are merged, not once more after. The timeline is whole once
        the iterator is exhausted; the caller must exhaust it.

        Streams: the blocks from the first one an entry reaches are unpacked one at a time,
        each sorted together with the entries that fall within it (two sorted runs: a linear
        merge in C) and packed again, so memory stays a block plus ``entries``."""
        ordered = sorted(entries, key=_key)
        size, blocks, ends = self.block, self._blocks, self._ends
        # The first block holding an entry after the earliest one: repack from there on.
        first = bisect_right(ends, _key(ordered[0])) if ordered else len(blocks)
        for number in range(min(start // size, first), first):  # unchanged: only read
            block = _unpack(blocks[number])
            yield from block[start - number * size :] if number * size < start else block
        later, later_ends, tail = blocks[first:], ends[first:], self._tail
        del blocks[first:]
        del ends[first:]
        self._tail = []
        index, taken = first * size, 0
        for number, blob in enumerate([*later, None]):
            if blob is None:
                run, upto = tail + ordered[taken:], len(ordered)
            else:
                run = _unpack(blob)
                upto = bisect_right(ordered, later_ends[number], lo=taken, key=_key)
                run += ordered[taken:upto]
            if upto > taken:
                run.sort(key=_key)
                taken = upto
            self.extend(run)
            if index + len(run) > start:
                yield from run[start - index :] if index < start else run
            index += len(run)

    def copy(self) -> Timeline:
        """An independent copy (the packed blocks are immutable and shared)."""
        other = Timeline(block=self.block)
        other._blocks = list(self._blocks)
        other._ends = list(self._ends)
        other._tail = list(self._tail)
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timeline):
            return NotImplemented
        return len(self) == len(other) and all(
            a == b for a, b in zip(self.entries(), other.entries(), strict=True)
        )

    __hash__ = None  # type: ignore[assignment]
