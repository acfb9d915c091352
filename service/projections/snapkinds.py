"""What a snapshot is made of, without the database: which kinds are due where, and the
crown's part of one.

The crown's fold process (``service.projections.crownfold``) makes its parts with this module
alone: it loads no SQLAlchemy, so it starts in a tenth of the time, and a rebuild waits for
its start-up at the end (docs/benchmarks.md, Session 9).
"""

from __future__ import annotations

import orjson

from service.projections import crown, crown_codec
from service.projections.light import crown_light

#: Marks a full snapshot whose crown timeline and mention times are to be read from the log.
HISTORY = "history_in_log"


def due_kinds(position: int, before: int, light_every: int, full_every: int) -> list[str]:
    """The snapshot kinds due when the log moves from ``before`` to ``position``."""
    return [
        kind
        for kind, every in (("light", light_every), ("full", full_every))
        if every and position // every > before // every
    ]


def crown_part(state: crown.CrownState, kind: str) -> bytes:
    """The crown's part of a ``kind`` snapshot of ``state`` (settled): a light snapshot's
    compressed (``light.crown_light``), a full snapshot's JSON."""
    if kind == "light":
        return crown_light(state)
    dumped = {**crown_codec.dump(state, tail=0), HISTORY: True}
    return orjson.dumps(dumped, option=orjson.OPT_SORT_KEYS)
