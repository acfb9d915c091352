"""Readiness: is the database reachable and at the migration head?

The answer names the dependency that is down, never the driver's message (host, port, user,
database name): anonymous clients read ``/readyz``. The driver's words go to the log.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from service import migrate

log = structlog.get_logger("crownlog.health")


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    database: str
    migration: str | None
    head: str | None
    message: str


def check_ready(engine: Engine) -> Readiness:
    """Report whether the service can serve: database reachable, schema at the head revision."""
    head = migrate.head_revision()
    try:
        current = migrate.current_revision(engine)
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable", error=str(exc).splitlines()[0][:500])
        return Readiness(
            False, "unreachable", None, head, "database unreachable (the server log has details)"
        )
    if current != head:
        return Readiness(
            False,
            "ok",
            current,
            head,
            f"database at migration {current or 'none'}, expected {head}: run crownlog db upgrade",
        )
    return Readiness(True, "ok", current, head, "ready")
