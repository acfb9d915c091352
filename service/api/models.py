"""Response models (the JSON shapes of DESIGN §6)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class EventPage(BaseModel):
    items: list[dict[str, Any]]
    next: str | None


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    ready: bool
    database: str
    migration: str | None
    head: str | None
    message: str
