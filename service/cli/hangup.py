"""SIGHUP never ends ``serve`` or ``worker``: it asks for the sources file to be read again.

Python leaves SIGHUP at its default action, which ends the process; uvicorn handles only SIGINT
and SIGTERM. So both long-running commands install ``Hangups`` as their first step, before the
sources file, the database or the scheduler: a SIGHUP from then on only sets a flag, and one
reload thread does the work once the command has routed it somewhere (the scheduler's reload in
a polling process, the sources set's in an API replica). A signal that arrives during start-up
(a backfill can take minutes) is kept and served once the reload is routed. Nothing runs inside
the signal handler but ``Event.set``, so a reload never interrupts the main thread while it
holds a lock, and nothing a reload raises reaches the process.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger("crownlog")


class Hangups:
    """The SIGHUP handler of one process; ``route(reload)`` says what a SIGHUP does."""

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._reload: Callable[[], object] | None = None
        self._thread: threading.Thread | None = None
        self.received = 0

    @classmethod
    def install(cls) -> Hangups:
        """Catch SIGHUP in this process from now on (call it from the main thread)."""
        hangups = cls()
        signal.signal(signal.SIGHUP, hangups._on_signal)
        return hangups

    def _on_signal(self, _signum: int, _frame: object) -> None:
        self.received += 1
        self._wanted.set()

    def route(self, reload: Callable[[], object]) -> None:
        """Run ``reload`` (in one background thread) for every SIGHUP, starting with any that
        arrived before this call."""
        self._reload = reload
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sighup-reload", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            reload = self._reload
            if reload is None:  # pragma: no cover - route() sets it before starting the thread
                continue
            log.info("SIGHUP: reading the sources file again")
            try:
                reload()
            except Exception:
                log.exception("sources reload failed; the sources in use stay")
