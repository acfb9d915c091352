"""Programs the concurrency and crash tests run as separate processes.

python -m tests.procs write URL WRITER COUNT BATCH   append COUNT events in batches
python -m tests.procs hang URL COUNT                 append COUNT events, stall mid-transaction
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from sqlalchemy.engine import Connection

from service.bootstrap import projectors
from service.db import create_engine
from service.events import StoredEvent
from service.store import EventStore
from tests.builders import item


def write(url: str, writer: str, count: int, batch: int) -> None:
    store = EventStore(create_engine(url), projectors=projectors())
    for start in range(0, count, batch):
        store.append([item(n, source=writer) for n in range(start, min(start + batch, count))])


class _Stall:
    """A projector that announces it is inside the append transaction, then waits forever."""

    name = "stall"

    def apply(self, conn: Connection, events: Sequence[StoredEvent]) -> None:
        print(f"INSIDE {len(events)}", flush=True)
        time.sleep(600)


def hang(url: str, count: int) -> None:
    store = EventStore(create_engine(url), projectors=[*projectors(), _Stall()])
    store.append([item(n, source="crash") for n in range(count)])


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "write":
        write(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "hang":
        hang(args[0], int(args[1]))
    else:
        raise SystemExit(f"unknown command {command}")
