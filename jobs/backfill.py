"""Backfill: ingest archived snapshots (leaderboard JSON/CSV/Parquet files) in ``as_of`` order.

Each file is parsed by the source's own adapter in the parse sandbox, exactly as a poll would
parse it; the snapshots are then appended oldest first, one transaction per snapshot, so a
crash part-way leaves whole snapshots and a re-run appends only what is missing.

A snapshot is dated (docs/design.md §5) by its document's own ``as_of``, else by a date in its
file name (``jobs.sources.filedates``), else by the ``--as-of`` the user gave for it, else — with
a warning, since a copied file's modification time is the day of the copy — by its mtime.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import structlog

from jobs.observation import Observation
from jobs.poll import Parse, Poller
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources.filedates import date_in_name
from service.clock import format_time
from service.errors import SourceError

log = structlog.get_logger("crownlog.backfill")
MAX_FILE = 64 * 2**20


#: How a snapshot got its time.
DOCUMENT, FILE_NAME, GIVEN, MTIME = "its as_of", "its file name", "--as-of", "its modification time"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One archived snapshot, read: where from and how it was dated."""

    observation: Observation
    path: Path
    dated_by: str


@dataclass(frozen=True, slots=True)
class BackfillReport:
    files: int
    snapshots: int
    appended: int
    #: One line per snapshot dated by its mtime, or sharing its date with another file.
    warnings: tuple[str, ...] = ()


#: Called after each snapshot is appended: ``(snapshot, events appended)``.
Progress = Callable[[Snapshot, int], None]


def read_snapshots(
    source: SourceConfig, paths: Sequence[Path], parser: Parse, as_of: datetime | None = None
) -> list[Snapshot]:
    """Every snapshot in ``paths``, oldest first; a bad file raises naming the file.

    ``as_of`` dates the one file given when its document states no time (a document that
    states another one is an error: the document's own time wins, so the option would lie).
    """
    if as_of is not None and len(paths) != 1:
        raise SourceError(f"backfill: --as-of dates one file, not {len(paths)}")
    snapshots: list[Snapshot] = []
    for path in paths:
        if not path.is_file():
            raise SourceError(f"backfill: {path} is not a file")
        if path.stat().st_size > MAX_FILE:
            raise SourceError(f"backfill: {path} is larger than {MAX_FILE} bytes")
        named = date_in_name(path)
        fallback, origin = (
            (as_of, GIVEN) if as_of is not None
            else (named, FILE_NAME) if named is not None
            else (datetime.fromtimestamp(path.stat().st_mtime, UTC), MTIME)
        )  # fmt: skip
        try:
            parsed = parser.run(source.kind, path.read_bytes(), {}, source, fallback)
        except SourceError as exc:
            raise SourceError(f"backfill: {path}: {exc}") from None
        uri = path.resolve().as_uri()
        for observation in parsed.observations:
            dated_by = origin if observation.published == fallback else DOCUMENT
            if as_of is not None and dated_by == DOCUMENT:
                stated = format_time(observation.published) if observation.published else "?"
                raise SourceError(
                    f"backfill: {path} states its own as_of ({stated}); --as-of is for "
                    "undated files — leave it out"
                )
            snapshots.append(Snapshot(replace(observation, url=observation.url or uri), path,
                                      dated_by))  # fmt: skip
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(
        snapshots, key=lambda s: (s.observation.published or epoch, s.observation.item_id)
    )


def warnings(snapshots: Sequence[Snapshot]) -> list[str]:
    """What the user should know about the dates: guessed from mtimes, or shared by files."""
    lines = [
        f"warning: {s.path} states no date (no as_of inside, none in its name): dated by its "
        f"modification time {format_time(s.observation.published)} — rename it with its date "
        "(board-2025-03-07.json) or give --as-of"
        for s in snapshots
        if s.dated_by == MTIME and s.observation.published is not None
    ]
    by_time: dict[datetime | None, list[Path]] = {}
    for snapshot in snapshots:
        by_time.setdefault(snapshot.observation.published, []).append(snapshot.path)
    for moment, files in by_time.items():
        if len(set(files)) > 1 and moment is not None:
            names = ", ".join(str(path) for path in sorted(set(files)))
            lines.append(
                f"warning: {names} share the date {format_time(moment)}: one snapshot, the "
                "later file revising the earlier"
            )
    return lines


def backfill(
    poller: Poller,
    source: SourceConfig,
    paths: Sequence[Path],
    parser: Parse,
    now: datetime,
    as_of: datetime | None = None,
    progress: Progress | None = None,
) -> BackfillReport:
    """Append the snapshots in ``paths`` for ``source`` in date order."""
    snapshots = read_snapshots(source, paths, parser, as_of)
    notes = warnings(snapshots)
    for line in notes:
        log.warning("backfill date", source=source.id, message=line)
    appended = 0
    for snapshot in snapshots:
        count = len(poller.ingest(source, [snapshot.observation], now))
        appended += count
        log.info("snapshot", source=source.id, item=snapshot.observation.item_id, appended=count)
        if progress is not None:
            progress(snapshot, count)
    return BackfillReport(len(paths), len(snapshots), appended, tuple(notes))
