"""The two time axes (docs/design.md §4) and a position cut, as folds over a stream of events.

- ``as_of(events, T)``: the world at ``T`` as known now — every event whose ``occurred_at``
  is at or before ``T``, whenever it was recorded. Views of it take ``now=T``, so the current
  reign ends at ``T`` with ``to`` null.
- ``known_at(events, T)``: what the service showed at ``T`` — every event recorded by ``T``.
- ``at_position(events, N)``: the log up to and including position ``N``.

``events`` must be in position order (as the store reads them). Each returns fresh states
(``service.projections.digest``), settled; loading and snapshotting belong to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import takewhile

from service.events import Foldable
from service.projections.digest import States, fold_all


def as_of(events: Iterable[Foldable], moment: datetime) -> States:
    """Every projection as the world stood at ``moment``, by all that is known now."""
    return fold_all(event for event in events if event.occurred_at <= moment)


def known_at(events: Iterable[Foldable], moment: datetime) -> States:
    """Every projection as the service knew it at ``moment`` (events recorded by then)."""
    # recorded_at follows position (appends are serialized), but a filter stays right even
    # if a clock stepped back between two appends.
    return fold_all(event for event in events if event.recorded_at <= moment)


def at_position(events: Iterable[Foldable], position: int) -> States:
    """Every projection after folding the log up to and including ``position``."""
    return fold_all(takewhile(lambda event: event.position <= position, events))
