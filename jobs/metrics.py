"""Prometheus metrics of polling (exposed at ``/metrics`` by the API)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

POLLS = Counter("crownlog_polls_total", "Polls by source and outcome", ["source", "status"])
POLL_ERRORS = Counter("crownlog_poll_errors_total", "Failed polls by source", ["source"])
POLL_BYTES = Counter("crownlog_poll_bytes_total", "Response bytes read by source", ["source"])
POLL_SECONDS = Histogram(
    "crownlog_poll_duration_seconds",
    "Time of one poll (fetch, parse, append)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
EVENTS_APPENDED = Counter("crownlog_events_appended_total", "Events appended by polls", ["source"])
SOURCE_ERRORS = Gauge(
    "crownlog_source_consecutive_errors", "Consecutive failed polls per source", ["source"]
)
