"""Prometheus metrics of the API, on the default registry (``/metrics`` exposes all of it,
the poll metrics of ``jobs.metrics`` included when the process polls)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "crownlog_http_requests_total",
    "HTTP requests by method, route and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "crownlog_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route (streams: their whole life)",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60),
)
LOG_POSITION = Gauge("crownlog_log_position", "Position of the last event in the log")
PROJECTION_POSITION = Gauge(
    "crownlog_projection_position", "Position the persisted projections have folded up to"
)
PROJECTION_LAG = Gauge(
    "crownlog_projection_lag_events", "Events in the log the projections have not folded yet"
)
