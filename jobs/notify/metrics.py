"""``/metrics`` for notifications, read from the database at scrape time: deliveries are made
by workers, the API may run in another process, and the counts must agree across them. Names
and help come from ``service.metrics``; while the database is down the last values read are
exported again (``/metrics`` keeps answering)."""

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
from service.metrics import BY_NAME

log = structlog.get_logger("crownlog.notify")


def _help(name: str) -> str:
    return BY_NAME[name].help


class NotifyCollector(Collector):
    """Per target: deliveries and failures so far, failures in a row, events behind the log."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.registered = False
        self._last: tuple[list[targetstore.TargetState], int, int | None] = ([], 0, None)

    def _read(self, engine: Engine) -> tuple[list[targetstore.TargetState], int, int | None]:
        try:
            with engine.connect() as conn:
                states = targetstore.load_all(conn)
                head = appendsql.head(conn)[0]
                derived = alertstore.checkpoint(conn)
        except SQLAlchemyError as exc:  # the database is down: export the last values read
            log.warning("notify state not read; exporting the last known", error=str(exc)[:200])
            return self._last
        self._last = (list(states), head, derived)
        return self._last

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        if self.engine is None:
            return
        states, head, derived = self._read(self.engine)
        deliveries = CounterMetricFamily(
            "crownlog_notify_deliveries",
            _help("crownlog_notify_deliveries_total"),
            labels=["target", "outcome"],
        )
        errors = GaugeMetricFamily(
            "crownlog_notify_consecutive_errors",
            _help("crownlog_notify_consecutive_errors"),
            labels=["target"],
        )
        lag = GaugeMetricFamily(
            "crownlog_notify_lag_events", _help("crownlog_notify_lag_events"), labels=["target"]
        )
        for state in states:
            deliveries.add_metric([state.name, "delivered"], state.delivered)
            deliveries.add_metric([state.name, "failed"], state.failed)
            errors.add_metric([state.name], state.consecutive_errors)
            lag.add_metric([state.name], max(0, head - state.position))
        derive_lag = GaugeMetricFamily(
            "crownlog_notify_derive_lag_events", _help("crownlog_notify_derive_lag_events")
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
