"""Response models of the operational routes (sources, audit, poll, health, errors): the JSON
shapes of docs/design.md §6, as OpenAPI documents them (see ``service.api.models``)."""

from __future__ import annotations

from typing import Any

from service.api.models import Shape


class SourceRow(Shape):
    id: str
    kind: str
    url: str
    every_seconds: int
    enabled: bool
    healthy: bool | None
    last_status: str | None
    http_status: int | None
    consecutive_errors: int
    last_error: str | None
    bozo_reason: str | None
    effective_url: str | None
    last_poll_at: str | None
    last_success_at: str | None
    next_due_at: str | None
    items_seen: int
    events_appended: int


class SourcesFileError(Shape):
    line: int | None
    message: str
    problems: list[str]


class SourcesFile(Shape):
    """The sources file as this process last read it; a broken file keeps the last valid set."""

    path: str
    valid: bool
    error: SourcesFileError | None
    loaded_at: str | None
    sources: int


class SourcePage(Shape):
    items: list[SourceRow]
    next: str | None
    sources_file: SourcesFile | None = None


class Audit(Shape):
    ok: bool
    events: int
    first_bad_position: int | None
    problems: list[str]


class AuditHead(Shape):
    """An anchored head; ``signature`` and ``public_key`` (base64) when heads are signed."""

    position: int
    hash: str
    recorded_at: str | None
    signature: str | None = None
    public_key: str | None = None


class PollOutcome(Shape):
    source_id: str
    status: str
    items: int
    appended: int
    bytes: int
    duration: float
    error: str | None
    next_due_at: str | None
    polled_at: str | None
    consecutive_errors: int


class Ping(Shape):
    ok: bool


class Health(Shape):
    status: str


class Ready(Shape):
    ready: bool
    database: str
    migration: str | None
    head: str | None
    message: str


class ErrorDetail(Shape):
    code: str
    message: str


class Error(Shape):
    error: ErrorDetail


#: Documented on every router: a bad parameter is a 422 with the error body (not FastAPI's).
BAD_REQUEST: dict[int | str, dict[str, Any]] = {
    422: {"model": Error, "description": "A parameter is malformed or cannot be honoured."}
}
