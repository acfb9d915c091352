"""``/metrics`` for notifications, read from the database at scrape time: deliveries are made
by workers, the API may run in another process, and the counts must agree across them."""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from jobs.notify import alertstore, targetstore
from service import appendsql

log = structlog.get_logger("crownlog.notify")


class NotifyCollector(Collector):
    """Per target: deliveries and failures so far, failures in a row, events behind the log."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.registered = False

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        if self.engine is None:
            return
        try:
            with self.engine.connect() as conn:
                states = targetstore.load_all(conn)
                head = appendsql.head(conn)[0]
                derived = alertstore.checkpoint(conn)
        except SQLAlchemyError as exc:  # the other metrics are still worth serving
            log.warning("notify metrics unavailable", error=str(exc)[:200])
            return
        deliveries = CounterMetricFamily(
            "crownlog_notify_deliveries",
            "Notification delivery attempts by target and outcome (live deliveries)",
            labels=["target", "outcome"],
        )
        errors = GaugeMetricFamily(
            "crownlog_notify_consecutive_errors",
            "Failed deliveries in a row per target (0: healthy)",
            labels=["target"],
        )
        lag = GaugeMetricFamily(
            "crownlog_notify_lag_events",
            "Log events after a target's cursor (it has not looked at them yet)",
            labels=["target"],
        )
        for state in states:
            deliveries.add_metric([state.name, "delivered"], state.delivered)
            deliveries.add_metric([state.name, "failed"], state.failed)
            errors.add_metric([state.name], state.consecutive_errors)
            lag.add_metric([state.name], max(0, head - state.position))
        derive_lag = GaugeMetricFamily(
            "crownlog_notify_derive_lag_events",
            "Log events whose alerts are not derived yet (absent until notify first runs)",
        )
        if derived is not None:
            derive_lag.add_metric([], max(0, head - derived))
        yield from (deliveries, errors, lag, derive_lag)


_COLLECTOR = NotifyCollector()


def expose(engine: Engine | None) -> None:
    """Serve the notify figures of ``engine`` at ``/metrics`` (one collector per process,
    registered on first use; None stops them)."""
    if not _COLLECTOR.registered:
        REGISTRY.register(_COLLECTOR)  # with no engine yet it names no series: no clash
        _COLLECTOR.registered = True
    _COLLECTOR.engine = engine
