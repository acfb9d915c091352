"""One list of metric names (``service.metrics.METRICS``): the code builds its metrics from it
and docs/operations.md shows exactly its table."""

from __future__ import annotations

import re

from prometheus_client import REGISTRY

import jobs.metrics  # noqa: F401  (registers the poll metrics)
import service.api.metrics  # noqa: F401  (registers the API metrics)
from jobs.notify.metrics import expose
from service.db import create_engine
from service.metrics import BY_NAME, METRICS, markdown_table
from service.sourcemetrics import SOURCE_STATE, SourceStateCollector
from tests.conftest import ROOT

OPERATIONS = ROOT / "docs" / "operations.md"


def _registered() -> set[str]:
    """Names of every crownlog metric family on the default registry (counters with _total)."""
    names = set()
    for family in REGISTRY.collect():
        if family.name.startswith("crownlog_"):
            names.add(family.name + "_total" if family.type == "counter" else family.name)
    return names


def test_the_code_exports_exactly_the_listed_metrics() -> None:
    """Every crownlog metric on the registry is listed, and every listed one is registered
    (with the collectors ``serve`` adds: notifications read from an empty database)."""
    SOURCE_STATE.attach(lambda: [])
    expose(create_engine("sqlite://"))
    try:
        assert _registered() == set(BY_NAME)
    finally:
        expose(None)


def test_operations_md_shows_the_generated_table() -> None:
    """The metrics table in docs/operations.md is ``markdown_table()``, unchanged."""
    text = OPERATIONS.read_text()
    found = re.search(r"<!-- metrics:begin[^\n]*-->\n(.*?)\n<!-- metrics:end -->", text, re.S)
    assert found, "docs/operations.md lost its metrics markers"
    assert found.group(1) == markdown_table(), (
        "regenerate the table: python -c "
        '"from service.metrics import markdown_table; print(markdown_table())"'
    )
    for metric in METRICS:
        assert f"`{metric.name}" in found.group(1)


def test_source_state_keeps_the_last_rows_when_the_database_fails() -> None:
    """The per-source families export the last rows read once reading fails."""
    rows = [{"id": "s1", "consecutive_errors": 3, "last_success_at": None,
             "next_due_at": "2025-07-01T00:00:00+00:00", "events_appended": 7}]  # fmt: skip
    answers: list[object] = [rows, RuntimeError("database down")]

    def read() -> list[dict[str, object]]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    collector = SourceStateCollector()
    collector.attach(read)
    first = {f.name: f.samples for f in collector.collect()}
    second = {f.name: f.samples for f in collector.collect()}
    assert first == second
    errors = first["crownlog_source_consecutive_errors"]
    assert [(s.labels, s.value) for s in errors] == [({"source": "s1"}, 3.0)]
    assert first["crownlog_source_last_success_timestamp_seconds"] == []
    assert [
        s.value for s in first["crownlog_source_events_appended"] if s.name.endswith("_total")
    ] == [7.0]
