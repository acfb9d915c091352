"""Every Prometheus metric crownlog exports, in one literal (``METRICS``).

The code creates its metrics from this list (``counter``, ``gauge``, ``histogram``, and the
families read from the database by ``service.sourcemetrics`` and ``jobs.notify.metrics``), and
the table in ``docs/operations.md`` is rendered from it (``markdown_table``; a test keeps the
two identical). ``exported_by`` says which process answers with the metric: ``api``
(``serve``'s ``/metrics``), ``poller`` (a process that polls: ``worker --metrics-port`` and
``serve`` with its scheduler) or ``all``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from prometheus_client import Counter, Gauge, Histogram

from service import __version__

Kind = Literal["counter", "gauge", "histogram"]
Role = Literal["api", "poller", "all"]


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    kind: Kind
    labels: tuple[str, ...]
    exported_by: Role
    help: str


METRICS: tuple[Metric, ...] = (
    Metric(
        "crownlog_build_info",
        "gauge",
        ("version",),
        "all",
        "Always 1, labelled with the running version",
    ),
    Metric(
        "crownlog_database_up",
        "gauge",
        (),
        "all",
        "1 if the last database query of this process succeeded, else 0 (other values are "
        "then the last known ones)",
    ),
    Metric(
        "crownlog_sources_file_valid",
        "gauge",
        (),
        "all",
        "1 if the sources file read last is valid; 0: a broken file, the last valid one in use",
    ),
    Metric(
        "crownlog_sources_file_loaded_timestamp_seconds",
        "gauge",
        (),
        "all",
        "When the sources in use were read (Unix time)",
    ),
    Metric(
        "crownlog_http_requests_total",
        "counter",
        ("method", "route", "status"),
        "api",
        "HTTP requests by method, route template and status",
    ),
    Metric(
        "crownlog_http_request_duration_seconds",
        "histogram",
        ("method", "route"),
        "api",
        "Time to answer an HTTP request (streams: their whole life)",
    ),
    Metric("crownlog_log_position", "gauge", (), "api", "Position of the last event in the log"),
    Metric(
        "crownlog_projection_position",
        "gauge",
        (),
        "api",
        "Position the persisted projections have folded up to",
    ),
    Metric(
        "crownlog_projection_lag_events",
        "gauge",
        (),
        "api",
        "Events in the log the projections have not folded yet (0 in normal operation)",
    ),
    Metric(
        "crownlog_source_consecutive_errors",
        "gauge",
        ("source",),
        "api",
        "Failed polls in a row per configured source, from the database (alert when above 0)",
    ),
    Metric(
        "crownlog_source_last_success_timestamp_seconds",
        "gauge",
        ("source",),
        "api",
        "Last successful poll per source (Unix time; absent until the first success)",
    ),
    Metric(
        "crownlog_source_next_due_timestamp_seconds",
        "gauge",
        ("source",),
        "api",
        "When each source is next due (Unix time; backoff moves it out)",
    ),
    Metric(
        "crownlog_source_events_appended_total",
        "counter",
        ("source",),
        "api",
        "Events appended by each source's polls, from the database (every worker's)",
    ),
    Metric(
        "crownlog_notify_deliveries_total",
        "counter",
        ("target", "outcome"),
        "api",
        "Notification delivery attempts by target and outcome (delivered, failed), from the "
        "database",
    ),
    Metric(
        "crownlog_notify_consecutive_errors",
        "gauge",
        ("target",),
        "api",
        "Failed deliveries in a row per notify target (0: healthy)",
    ),
    Metric(
        "crownlog_notify_lag_events",
        "gauge",
        ("target",),
        "api",
        "Log events after a target's cursor (it has not looked at them yet)",
    ),
    Metric(
        "crownlog_notify_derive_lag_events",
        "gauge",
        (),
        "api",
        "Log events whose alerts are not derived yet (absent until notify first runs)",
    ),
    Metric(
        "crownlog_polls_total",
        "counter",
        ("source", "status"),
        "poller",
        "Polls by this process, by source and outcome (ok, not_modified, error)",
    ),
    Metric(
        "crownlog_poll_errors_total", "counter", ("source",), "poller", "Failed polls by source"
    ),
    Metric("crownlog_poll_bytes_total", "counter", ("source",), "poller", "Response bytes read"),
    Metric(
        "crownlog_poll_duration_seconds",
        "histogram",
        (),
        "poller",
        "Time of one poll (fetch, parse, append)",
    ),
    Metric(
        "crownlog_events_appended_total",
        "counter",
        ("source",),
        "poller",
        "Events appended by this process's polls",
    ),
    Metric(
        "crownlog_poll_database_unavailable_total",
        "counter",
        (),
        "poller",
        "Polls skipped because the database did not answer (the source is not blamed)",
    ),
    Metric(
        "crownlog_scheduler_jobs",
        "gauge",
        (),
        "poller",
        "Sources this process has scheduled (a broken sources file keeps the last valid set)",
    ),
)
BY_NAME = {metric.name: metric for metric in METRICS}
_BUCKETS = {
    "crownlog_http_request_duration_seconds": (
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60,
    ),
    "crownlog_poll_duration_seconds": (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
}  # fmt: skip


def counter(name: str) -> Counter:
    """The counter ``name`` of ``METRICS`` on the default registry."""
    metric = _spec(name, "counter")
    return Counter(name, metric.help, metric.labels)


def gauge(name: str) -> Gauge:
    metric = _spec(name, "gauge")
    return Gauge(name, metric.help, metric.labels)


def histogram(name: str) -> Histogram:
    metric = _spec(name, "histogram")
    return Histogram(name, metric.help, metric.labels, buckets=_BUCKETS[name])


def _spec(name: str, kind: Kind) -> Metric:
    metric = BY_NAME[name]
    if metric.kind != kind:
        raise ValueError(f"{name} is a {metric.kind}, not a {kind}")
    return metric


def markdown_table() -> str:
    """The metrics table of ``docs/operations.md``."""
    rows = ["| metric | type | exported by | meaning |", "|---|---|---|---|"]
    for metric in METRICS:
        labels = "{" + ",".join(metric.labels) + "}" if metric.labels else ""
        rows.append(f"| `{metric.name}{labels}` | {metric.kind} | {metric.exported_by} | "
                    f"{metric.help} |")  # fmt: skip
    return "\n".join(rows)


# Exported by every process (the per-role ones live in service.api.metrics and jobs.metrics).
BUILD_INFO = gauge("crownlog_build_info")
DATABASE_UP = gauge("crownlog_database_up")
SOURCES_FILE_VALID = gauge("crownlog_sources_file_valid")
SOURCES_FILE_LOADED = gauge("crownlog_sources_file_loaded_timestamp_seconds")
BUILD_INFO.labels(__version__).set(1)
