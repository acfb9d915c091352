"""Decoded parts of light snapshots, kept by their JSON text and shared by every read.

A past read loads the catalog and the boards' rows of the light snapshot (or as_of rung) it
starts from, and the catalog grows with the race: on a 10M-event log turning its JSON back
into facts and rows was half of a read's time (82 of 155 ms, cProfile). Yet between any two
snapshots most models and most past methods' rows are unchanged, so their JSON text is the
same (``DumpCache`` writes an unchanged part's bytes again): a light snapshot carries each
such part as its JSON text, and a part whose text was decoded before is taken from here — one
dict lookup instead of building its tuples again, whichever snapshot it comes from.

What is kept is shared: callers copy it before folding on it (``dict(kept)``; the values
inside are immutable tuples).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import orjson

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

#: Characters of JSON text kept at most (the decoded parts weigh two to three times their
#: text): a catalog's models are ~1 kB each, a board's rows of a method tens of kB, and the
#: texts of parts that changed pile up as reads visit other times, so the bound is on size.
LIMIT = 32 * 1024 * 1024


class LoadCache:
    """``load(text, decode)``: ``decode(orjson.loads(text))``, made once per distinct text.
    Safe to share between threads (a lost race decodes twice, never wrongly)."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._kept: dict[str, Any] = {}
        self._limit = limit
        self._size = 0

    def load(self, text: str, decode: Callable[[Any], T]) -> T:
        kept = self._kept.get(text)
        if kept is None:
            kept = decode(orjson.loads(text))
            if self._size + len(text) > self._limit:
                self._kept.clear()  # as in DumpCache: cheaper than an LRU, and as good here
                self._size = 0
            self._kept[text] = kept
            self._size += len(text)
        return kept  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def size(self) -> int:
        """Characters of text kept."""
        return self._size


#: The process's cache of light-snapshot parts.
PARTS = LoadCache()


def load_part(dumped: Any, decode: Callable[[Any], dict[K, V]]) -> dict[K, V]:
    """``decode(dumped)``; a part written as its JSON text (a light snapshot's) is decoded once
    per process (``PARTS``) and copied, so the caller may fold on what it gets."""
    if isinstance(dumped, str):
        return dict(PARTS.load(dumped, decode))
    return decode(dumped)
