"""Prometheus metrics of polling, exported by every process that polls (``worker
--metrics-port``, ``serve`` with its scheduler). Names and help come from ``service.metrics``."""

from __future__ import annotations

from service.metrics import counter, gauge, histogram

POLLS = counter("crownlog_polls_total")
POLL_ERRORS = counter("crownlog_poll_errors_total")
POLL_BYTES = counter("crownlog_poll_bytes_total")
POLL_SECONDS = histogram("crownlog_poll_duration_seconds")
EVENTS_APPENDED = counter("crownlog_events_appended_total")
DATABASE_UNAVAILABLE = counter("crownlog_poll_database_unavailable_total")
SCHEDULER_JOBS = gauge("crownlog_scheduler_jobs")
