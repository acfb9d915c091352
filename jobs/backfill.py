"""Backfill: ingest archived snapshots (leaderboard JSON/CSV/Parquet files) in ``as_of`` order.

Each file is parsed by the source's own adapter in the parse sandbox, exactly as a poll would
parse it; the snapshots are then appended oldest first, one transaction per snapshot, so a
crash part-way leaves whole snapshots and a re-run appends only what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import structlog

from jobs.observation import Observation
from jobs.poll import Parse, Poller
from jobs.schedule.sourcefile import SourceConfig
from service.errors import SourceError

log = structlog.get_logger("crownlog.backfill")
MAX_FILE = 64 * 2**20


@dataclass(frozen=True, slots=True)
class BackfillReport:
    files: int
    snapshots: int
    appended: int


def read_snapshots(source: SourceConfig, paths: Sequence[Path], parser: Parse) -> list[Observation]:
    """Every observation in ``paths``, oldest first; a bad file raises naming the file."""
    observations: list[Observation] = []
    for path in paths:
        if not path.is_file():
            raise SourceError(f"backfill: {path} is not a file")
        if path.stat().st_size > MAX_FILE:
            raise SourceError(f"backfill: {path} is larger than {MAX_FILE} bytes")
        fetched_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        try:
            parsed = parser.run(source.kind, path.read_bytes(), {}, source, fetched_at)
        except SourceError as exc:
            raise SourceError(f"backfill: {path}: {exc}") from None
        uri = path.resolve().as_uri()
        observations.extend(replace(o, url=o.url or uri) for o in parsed.observations)
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(observations, key=lambda o: (o.published or epoch, o.item_id))


def backfill(
    poller: Poller, source: SourceConfig, paths: Sequence[Path], parser: Parse, now: datetime
) -> BackfillReport:
    """Append the snapshots in ``paths`` for ``source`` in date order."""
    snapshots = read_snapshots(source, paths, parser)
    appended = 0
    for observation in snapshots:
        count = len(poller.ingest(source, [observation], now))
        appended += count
        log.info("snapshot", source=source.id, item=observation.item_id, appended=count)
    return BackfillReport(files=len(paths), snapshots=len(snapshots), appended=appended)
