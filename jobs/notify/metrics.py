"""``/metrics`` for notifications, read from the database at scrape time: deliveries are made
by workers, the API may run in another process, and the counts must agree across them."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from jobs.notify import alertstore, targetstore
from service import appendsql


class NotifyCollector(Collector):
    """Per target: deliveries and failures so far, failures in a row, events behind the log."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self._engine.connect() as conn:
            states = targetstore.load_all(conn)
            head = appendsql.head(conn)[0]
            derived = alertstore.checkpoint(conn)
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
