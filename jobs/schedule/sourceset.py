"""The sources a process uses: the last valid read of the sources file, and why a later read
was refused.

A worker reloads on SIGHUP; an API replica re-reads when the file changed on disk. Either way a
broken file never replaces the set in use: the error (file, line, reason) is logged, kept for
``crownlog sources`` / ``/api/v1/sources`` (``status()``) and exported as
``crownlog_sources_file_valid 0``; the next valid read clears it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.sourceload import SourceFileError, load_sources
from service.clock import format_time
from service.metrics import SOURCES_FILE_LOADED, SOURCES_FILE_VALID

log = structlog.get_logger("crownlog.sources")


class SourceSet:
    """``sources``: the last valid set; ``error``: why the file read last was refused, if it was."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sources: list[SourceConfig] = []
        self.error: SourceFileError | None = None
        self.loaded_at: datetime | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """The first read (start-up): a broken file raises ``SourceFileError``."""
        with self._lock:
            stamp = self._file_stamp()
            self._accept(load_sources(self.path), stamp)

    def reload(self) -> bool:
        """Read the file again; True if the set in use changed. A broken file keeps it."""
        with self._lock:
            stamp = self._file_stamp()
            try:
                sources = load_sources(self.path)
            except SourceFileError as exc:
                self._refuse(exc, stamp)
                return False
            changed = sources != self.sources
            self._accept(sources, stamp)
            return changed

    def refresh(self) -> None:
        """``reload`` only if the file changed on disk since it was read (cheap: one stat)."""
        if self._file_stamp() != self._stamp:
            self.reload()

    @property
    def enabled(self) -> list[SourceConfig]:
        return [source for source in self.sources if source.enabled]

    def status(self) -> dict[str, Any]:
        """The file's state, for the CLI, ``/api/v1/sources`` and ``/healthz``."""
        problem = self.error.problems[0] if self.error else None
        return {
            "path": str(self.path),
            "valid": self.error is None,
            "error": (
                {"line": problem.line, "message": str(self.error), "problems": self.error.lines()}
                if self.error and problem
                else None
            ),
            "loaded_at": format_time(self.loaded_at) if self.loaded_at else None,
            "sources": len(self.sources),
        }

    def _accept(self, sources: list[SourceConfig], stamp: tuple[int, int] | None) -> None:
        if self.error is not None:
            log.info("sources file valid again", file=str(self.path), sources=len(sources))
        self.sources, self.error, self._stamp = sources, None, stamp
        self.loaded_at = datetime.now(UTC)
        SOURCES_FILE_VALID.set(1)
        SOURCES_FILE_LOADED.set(self.loaded_at.timestamp())

    def _refuse(self, error: SourceFileError, stamp: tuple[int, int] | None) -> None:
        self.error, self._stamp = error, stamp
        SOURCES_FILE_VALID.set(0)
        first = error.problems[0]
        log.error(
            "sources file not reloaded; the last valid sources stay in use",
            file=str(self.path),
            line=first.line,
            reason=first.reason,
            problems=len(error.problems),
            in_use=len(self.sources),
        )

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)
