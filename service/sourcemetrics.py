"""Per-source state from the database as Prometheus metrics, on every API replica.

Poll counters live in the process that polled; under compose that is a worker, which an API
replica never sees. What every replica can export is what all workers wrote to ``source_state``:
read at each scrape through the ``rows`` callable the composition root attaches (the rows of
``/api/v1/sources``). When the database does not answer, the last rows read are exported again
(``crownlog_database_up``, set by the route, says 0), so ``/metrics`` keeps answering.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import structlog
from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from service.metrics import BY_NAME

Rows = Callable[[], list[dict[str, Any]]]
log = structlog.get_logger("crownlog.metrics")

#: metric name → (row field, value conversion)
_FIELDS: dict[str, tuple[str, Callable[[Any], float | None]]] = {
    "crownlog_source_consecutive_errors": ("consecutive_errors", lambda v: float(v or 0)),
    "crownlog_source_last_success_timestamp_seconds": ("last_success_at", lambda v: _epoch(v)),
    "crownlog_source_next_due_timestamp_seconds": ("next_due_at", lambda v: _epoch(v)),
    "crownlog_source_events_appended_total": ("events_appended", lambda v: float(v or 0)),
}


def _epoch(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


class SourceStateCollector(Collector):
    """Yields the ``crownlog_source_*`` families from the attached rows callable."""

    def __init__(self) -> None:
        self._rows: Rows | None = None
        self._last: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def attach(self, rows: Rows | None) -> None:
        """Export the rows of ``rows`` (the app built last in this process wins)."""
        with self._lock:
            self._rows, self._last = rows, []

    def _current(self) -> list[dict[str, Any]]:
        with self._lock:
            if self._rows is None:
                return []
            try:
                self._last = self._rows()
            except Exception as exc:  # the database is down: export what was known
                log.warning("source state not read; exporting the last known", error=str(exc))
            return self._last

    def collect(self) -> Iterator[Metric]:
        yield from families(self._current())

    def describe(self) -> Iterable[Metric]:
        return []  # collected lazily: no database query at registration


def families(rows: list[dict[str, Any]]) -> Iterator[Metric]:
    """The per-source metric families of ``rows``."""
    for name, (field, convert) in _FIELDS.items():
        spec = BY_NAME[name]
        family: GaugeMetricFamily | CounterMetricFamily
        if spec.kind == "counter":
            family = CounterMetricFamily(name, spec.help, labels=["source"])
        else:
            family = GaugeMetricFamily(name, spec.help, labels=["source"])
        for row in rows:
            value = convert(row.get(field))
            if value is not None:
                family.add_metric([str(row["id"])], value)
        yield family


SOURCE_STATE = SourceStateCollector()
REGISTRY.register(SOURCE_STATE)
