"""Parsing untrusted bodies in worker processes bounded in wall-clock time and address space.

A hostile or merely huge document must not hang a poll or exhaust the worker's memory. Each
parse runs in one of a few long-lived worker processes (forked from a forkserver, so threads in
the poller are never forked) with ``RLIMIT_AS`` set; a parse that runs past the timeout, or dies
of memory, costs only that worker: it is killed and replaced, and that call raises
``ParseError``. Calls on other workers are unaffected.
"""

from __future__ import annotations

import multiprocessing
import queue
import resource
import signal
import threading
import traceback
from collections.abc import Mapping
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

import structlog

from jobs.observation import ParseResult
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources import ADAPTERS, Adapter, ParseError
from service.errors import SourceError

__all__ = ["InlineParser", "ParseError", "ParseSandbox", "run_inline"]

log = structlog.get_logger("crownlog.sandbox")
_MIB = 2**20


class ParseSandbox:
    """A pool of ``workers`` parse processes; ``run`` is thread-safe and blocks for a free one.

    ``adapters`` defaults to ``jobs.sources.ADAPTERS``; its values must be module-level
    functions (they are sent to the workers by reference).
    """

    def __init__(
        self,
        workers: int = 2,
        timeout: float = 20.0,
        memory_bytes: int = 512 * _MIB,
        adapters: Mapping[str, Adapter] | None = None,
    ) -> None:
        if workers < 1 or timeout <= 0:
            raise ValueError("a parse sandbox needs at least one worker and a positive timeout")
        context = multiprocessing.get_context("forkserver")
        # Imported once in the forkserver, so a fresh worker starts in milliseconds; "__main__"
        # too, or every worker would re-run the main module (it must be import-safe anyway).
        context.set_forkserver_preload(["__main__", "jobs.fetch.sandbox"])
        self._timeout = timeout
        self._memory_bytes = memory_bytes
        self._workers = [
            _Worker(context, memory_bytes, dict(adapters or ADAPTERS)) for _ in range(workers)
        ]
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        for worker in self._workers:
            self._idle.put(worker)
        self._closed = threading.Event()

    def run(
        self,
        kind: str,
        body: bytes,
        headers: dict[str, str],
        source: SourceConfig,
        fetched_at: datetime,
    ) -> ParseResult:
        """``ADAPTERS[kind](body, headers, source, fetched_at)`` in a worker; ``ParseError`` on
        a bad document, a timeout or a memory overrun."""
        worker = self._idle.get()
        try:
            if self._closed.is_set():
                raise ParseError("the parse sandbox is closed (crownlog is shutting down)")
            return self._call(worker, (kind, body, headers, source, fetched_at), source.id)
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker (a parse still running in another thread then fails)."""
        self._closed.set()
        for worker in self._workers:
            worker.stop()

    def __enter__(self) -> ParseSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, worker: _Worker, request: tuple[Any, ...], source_id: str) -> ParseResult:
        try:
            reply = worker.call(request, self._timeout)
        except TimeoutError:
            log.warning("parse timed out", source=source_id, seconds=self._timeout)
            raise ParseError(
                f"parsing took longer than {self._timeout:g} s and was stopped — the document "
                "is too large or hostile; check the source url"
            ) from None
        except EOFError:
            log.warning("parse worker died", source=source_id, exit_code=worker.exit_code)
            raise ParseError(
                f"the parse worker died (exit code {worker.exit_code}), most likely out of "
                f"memory (limit {self._memory_bytes // _MIB} MiB) — the document is too large "
                "or hostile"
            ) from None
        status, payload = reply[0], reply[1]
        if status == "ok":
            return payload  # type: ignore[no-any-return]
        if status == "memory":
            worker.restart()  # a worker that hit its limit may be fragmented; start afresh
            log.warning("parse out of memory", source=source_id)
            raise ParseError(
                f"parsing needed more than {self._memory_bytes // _MIB} MiB and was stopped — "
                "the document is too large or hostile"
            )
        if status == "crash":
            log.error("parse adapter crashed", source=source_id, traceback=reply[2])
        raise ParseError(payload)


class InlineParser:
    """The sandbox's interface without processes or bounds (tests, debugging)."""

    def run(
        self,
        kind: str,
        body: bytes,
        headers: dict[str, str],
        source: SourceConfig,
        fetched_at: datetime,
    ) -> ParseResult:
        """Same as ``run_inline``."""
        return run_inline(kind, body, headers, source, fetched_at)

    def close(self) -> None:
        """Nothing to release."""


def run_inline(
    kind: str, body: bytes, headers: dict[str, str], source: SourceConfig, fetched_at: datetime
) -> ParseResult:
    """Parse in this process, unbounded: the sandbox's contract (``ParseError`` for every
    failure) when sandboxing is disabled."""
    try:
        return _parse(ADAPTERS, kind, body, headers, source, fetched_at)
    except MemoryError:
        raise ParseError("parsing ran out of memory — the document is too large") from None
    except _AdapterCrash as crash:
        log.error("parse adapter crashed", source=source.id, traceback=crash.traceback)
        raise ParseError(str(crash)) from crash.__cause__


class _AdapterCrash(Exception):
    """An adapter raised something other than ``SourceError``: a bug, reported with its trace."""

    def __init__(self, message: str, trace: str) -> None:
        super().__init__(message)
        self.traceback = trace


def _parse(
    adapters: Mapping[str, Adapter],
    kind: str,
    body: bytes,
    headers: dict[str, str],
    source: SourceConfig,
    fetched_at: datetime,
) -> ParseResult:
    adapter = adapters.get(kind)
    if adapter is None:
        raise ParseError(f"unknown source kind {kind!r} (known: {', '.join(sorted(adapters))})")
    try:
        return adapter(body, headers, source, fetched_at)
    except (SourceError, MemoryError):
        raise
    except RecursionError:
        raise ParseError("the document is nested too deeply to parse") from None
    except Exception as exc:
        message = f"the {kind} adapter failed on this document: {type(exc).__name__}: {exc}"
        raise _AdapterCrash(message[:500], traceback.format_exc()) from exc


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context: Any, memory_bytes: int, adapters: dict[str, Adapter]) -> None:
        self._context = context
        self._memory_bytes = memory_bytes
        self._adapters = adapters
        self._process: Any = None
        self._conn: Connection | None = None
        self._retired = False
        self.exit_code: int | None = None

    def call(self, request: tuple[Any, ...], timeout: float) -> tuple[Any, ...]:
        """Send ``request``, wait for the reply; TimeoutError / EOFError kill the process."""
        if self._process is None or not self._process.is_alive():
            self.restart()
        conn = self._conn
        if conn is None:
            raise EOFError  # retired: the sandbox was closed
        try:
            conn.send(request)
            reply = conn.recv() if conn.poll(timeout) else None
        except (EOFError, OSError):  # the process died mid-call (or the sandbox was closed)
            self.restart()
            raise EOFError from None
        if reply is None:
            self.restart()  # the only way to stop a parse stuck in C code
            raise TimeoutError
        return reply  # type: ignore[no-any-return]

    def restart(self) -> None:
        """Kill the process (if any) and start a fresh one, unless the worker is retired."""
        self._end(graceful=False)
        if self._retired:
            return
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve,
            args=(child, self._memory_bytes, self._adapters),
            name="crownlog-parse",
            daemon=True,
        )
        try:
            process.start()
        finally:
            child.close()
        self._process, self._conn = process, parent

    def stop(self) -> None:
        """Retire the worker: ask the process to exit (else kill it); start no other."""
        self._retired = True
        self._end(graceful=True)

    def _end(self, graceful: bool) -> None:
        process, conn, self._process, self._conn = self._process, self._conn, None, None
        if process is None:
            return
        if graceful and conn is not None:
            try:
                conn.send(None)
                process.join(1.0)
            except OSError:
                pass
        if process.is_alive():
            process.kill()
        process.join(5.0)
        self.exit_code = process.exitcode
        if conn is not None:
            conn.close()


def _serve(conn: Connection, memory_bytes: int, adapters: dict[str, Adapter]) -> None:
    """Worker loop: parse requests until told to stop; exit after a memory error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        reply: tuple[Any, ...]
        try:
            reply = ("ok", _parse(adapters, *request))
        except MemoryError:
            reply = ("memory", "")
        except _AdapterCrash as crash:
            reply = ("crash", str(crash), crash.traceback)
        except SourceError as exc:
            reply = ("error", str(exc))
        conn.send(reply)
        if reply[0] == "memory":
            return
