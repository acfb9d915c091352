"""Which entries of a growing fold state changed, for snapshots that cost what changed.

A light snapshot is taken every ``LIGHT_EVERY`` events and holds the whole catalog; over years
of a race the catalog holds thousands of models, of which the events between two snapshots
touch a few hundred. Comparing every model with its last dump at every snapshot made the
rebuild's cost per event grow with the log (docs/benchmarks.md). A ``Changes`` journal, kept
beside the state by its fold, lets the snapshot's writer (``service.projections.pieces``) visit
only the entries changed since it last looked.

``touch(key)`` counts one change and moves ``key`` to the end of ``latest`` with that count, so
the entries changed since count ``n`` are the tail of ``latest`` whose count is above ``n``:
finding them costs what changed, and the journal holds one entry per key, not per change.
A journal belongs to one state object: a copy or a loaded state starts a new one, and a reader
that sees another journal than the one it followed starts over (``is`` tells them apart).
"""

from __future__ import annotations


class Changes:
    """The keys of one state changed so far, each with the count at its latest change."""

    __slots__ = ("count", "latest")

    def __init__(self) -> None:
        self.count = 0
        self.latest: dict[str, int] = {}

    def touch(self, key: str) -> None:
        """Record a (possible) change of ``key``."""
        self.count += 1
        latest = self.latest
        if key in latest:
            del latest[key]  # re-inserted below: the newest change goes last
        latest[key] = self.count

    def since(self, count: int) -> list[str]:
        """The keys touched after the journal stood at ``count``, latest change first."""
        changed = []
        for key, at in reversed(self.latest.items()):
            if at <= count:
                break
            changed.append(key)
        return changed
