"""The notify follower of a worker (and of ``serve`` with its scheduler): a thread of its own.

Each tick it derives the alerts of new appends (``Deriver``) and lets every target deliver
in a small pool, at most one delivery run per target at a time — a slow or failing endpoint
holds up neither the polls (their own threads) nor the other targets.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import structlog

from jobs.notify.channel import channel_for, url_policy
from jobs.notify.deliverer import Deliverer
from jobs.notify.deriver import Deriver
from service.bootstrap import Services

log = structlog.get_logger("crownlog.notify")
TICK = 1.0


class NotifyFollower:
    """Derives and delivers alerts in the background until stopped."""

    def __init__(self, services: Services, tick: float = TICK) -> None:
        targets = services.settings.notify
        self._client = httpx.Client(follow_redirects=False)
        policy = url_policy(services)
        self.deriver = Deriver(services.engine, services.reads, services.clock)
        self.deliverers = [
            Deliverer(
                services.engine, target, channel_for(target, self._client, policy), services.clock
            )
            for target in targets
        ]
        self._tick = tick
        self._pool = ThreadPoolExecutor(max(1, min(4, len(targets))), "notify")
        self._running: dict[str, Future[int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notify-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()
        names = [d.target.name for d in self.deliverers]
        log.info("notify follower started", targets=names)

    def run_once(self) -> bool:
        """One tick: derive, then start each idle target's delivery run; True if the deriver
        has more to read right away."""
        more = False
        try:
            self.deriver.step()
            more = self.deriver.behind
        except Exception:  # the next tick tries again; polling is unaffected
            log.exception("deriving alerts failed")
        for deliverer in self.deliverers:
            running = self._running.get(deliverer.target.name)
            if running is None or running.done():
                self._running[deliverer.target.name] = self._pool.submit(self._deliver, deliverer)
        return more

    def _deliver(self, deliverer: Deliverer) -> int:
        try:
            return deliverer.step()
        except Exception:
            log.exception("notify delivery run failed", target=deliverer.target.name)
            return 0

    def _run(self) -> None:
        more = False
        while not self._stop.wait(0 if more else self._tick):
            more = self.run_once()

    def stop(self) -> None:
        """Stop after the deliveries in flight (each bounded by its target's timeout)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=True)
        self._client.close()
        log.info("notify follower stopped")


def build_follower(services: Services) -> NotifyFollower | None:
    """A follower (not started) if any ``[[notify]]`` target is configured, else None; a
    target the channels cannot use raises ``ConfigError`` before anything starts."""
    return NotifyFollower(services) if services.settings.notify else None
