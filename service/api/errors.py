"""One error body for every failure: ``{"error": {"code", "message"}}``.

Client input never reaches the catch-all: parameters are validated (422), unknown things are
404, and the service's own errors map to a status here, in one place.
"""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from service.errors import (
    ConcurrencyError,
    ConfigError,
    CrownlogError,
    DatabaseUnavailable,
    SchemaError,
)
from service.timepoint import BadTimeError

log = structlog.get_logger("crownlog.api")

_STATUS: dict[type[CrownlogError], int] = {
    BadTimeError: 422,
    ConcurrencyError: 409,
    SchemaError: 503,
    DatabaseUnavailable: 503,
    ConfigError: 500,
}
_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    503: "unavailable",
    422: "bad_request",
}


class ApiError(HTTPException):
    """An HTTP error with its own ``code`` (e.g. ``admin_disabled`` beside ``forbidden``)."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code


def unavailable() -> ApiError:
    """503 for a database that cannot answer (details go to the log, not to the client)."""
    return ApiError(503, "unavailable", "the database is unavailable; try again shortly")


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if part not in ("query", "path"))
        parts.append(f"{where}: {error['msg']}")
    return JSONResponse(error_body("bad_request", "; ".join(parts)), status_code=422)


def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = getattr(exc, "code", None) or _CODES.get(exc.status_code, "error")
    return JSONResponse(
        error_body(code, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def _crownlog(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CrownlogError)
    status = next((s for kind, s in _STATUS.items() if isinstance(exc, kind)), 400)
    code = "bad_request" if status == 422 else type(exc).__name__
    return JSONResponse(error_body(code, str(exc)), status_code=status)


def _database(_request: Request, exc: Exception) -> JSONResponse:
    log.error("database error", error=str(exc).splitlines()[0] if str(exc) else repr(exc))
    error = unavailable()
    return JSONResponse(error_body(error.code, str(error.detail)), status_code=503)


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", error=repr(exc))
    return JSONResponse(
        error_body("internal", "internal error; the request id in the logs has the details"),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the same body."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(CrownlogError, _crownlog)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)
