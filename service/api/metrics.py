"""Prometheus metrics of the API (``/metrics`` exposes the whole default registry: these, the
per-source state of ``service.sourcemetrics``, and the poll metrics when the process polls).
Names and help come from ``service.metrics``."""

from __future__ import annotations

from service.metrics import counter, gauge, histogram

REQUESTS = counter("crownlog_http_requests_total")
LATENCY = histogram("crownlog_http_request_duration_seconds")
LOG_POSITION = gauge("crownlog_log_position")
PROJECTION_POSITION = gauge("crownlog_projection_position")
PROJECTION_LAG = gauge("crownlog_projection_lag_events")
