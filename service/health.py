"""Readiness: is the database reachable and at the migration head?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from service import migrate


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
        reason = str(exc).splitlines()[0]
        return Readiness(False, "unreachable", None, head, f"database unreachable: {reason}")
    if current != head:
        return Readiness(
            False,
            "ok",
            current,
            head,
            f"database at migration {current or 'none'}, expected {head}: run crownlog db upgrade",
        )
    return Readiness(True, "ok", current, head, "ready")
