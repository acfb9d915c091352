"""Dumped JSON of state parts that rarely change, reused while they stay equal.

A light snapshot (every ``LIGHT_EVERY`` events) dumps the whole catalog and every board's rows,
yet between two snapshots only the models and boards the events touched change: over years of
a race, most models and most past methods' rows never change again. The dump of each part is
kept with a copy of the part; while the part compares equal to that copy, its bytes are used
again (``orjson.Fragment``), so a snapshot costs what changed plus a comparison per part.
Each part is written as a JSON string holding its JSON text, so that a reader decodes each
distinct text once (``service.projections.loadcache``).

Equal parts dump to equal bytes: every fact and row carries the log position it came from, so
two equal parts hold the same events' values.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import orjson

#: Parts kept at most (a catalog's models, boards' methods: far fewer in practice).
LIMIT = 65_536


class DumpCache:
    """``fragment(key, part, dump)``: the JSON text of ``dump(part)`` as a JSON string (or,
    ``as_text=False``, as JSON in place), reused while ``part`` (a dict or a list) is equal to
    the part it was made from. Safe to share between threads (each entry is one tuple)."""

    def __init__(self, limit: int = LIMIT, as_text: bool = True) -> None:
        self._kept: dict[Hashable, tuple[Any, orjson.Fragment]] = {}
        self._limit = limit
        self._as_text = as_text
        self._groups: dict[Hashable, dict[str, tuple[Any, orjson.Fragment]]] = {}

    def fragment(
        self, key: Hashable, part: dict[Any, Any] | list[Any], dump: Callable[[Any], Any]
    ) -> orjson.Fragment:
        kept = self._kept.get(key)
        if kept is not None and kept[0] == part:
            return kept[1]
        made = self._made(dump(part))
        if len(self._kept) >= self._limit:
            self._kept.clear()  # cheaper than an LRU's bookkeeping, and as good here
        self._kept[key] = (part.copy(), made)  # a shallow copy: its values are immutable
        return made

    def fragments(
        self, group: Hashable, parts: dict[str, Any], dump: Callable[[Any], Any]
    ) -> dict[str, orjson.Fragment]:
        """``{key: fragment(…, part, dump)}`` for every ``key: part`` of ``parts``, in one
        pass (a catalog's thousands of models, every light snapshot: the per-call overhead of
        ``fragment`` was most of the cost). A part may also be a tuple (immutable: kept as is,
        and the same object is known unchanged without comparing it)."""
        kept = self._groups.get(group)
        if kept is None or len(kept) >= self._limit:
            kept = self._groups[group] = {}
        out = {}
        for key, part in parts.items():
            entry = kept.get(key)
            if entry is None or (entry[0] is not part and entry[0] != part):
                held = part if isinstance(part, tuple) else part.copy()
                entry = kept[key] = (held, self._made(dump(part)))
            out[key] = entry[1]
        return out

    def _made(self, dumped: Any) -> orjson.Fragment:
        text = orjson.dumps(dumped)
        return orjson.Fragment(orjson.dumps(text.decode()) if self._as_text else text)
