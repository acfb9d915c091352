"""A point on crownlog's two time axes, as readers ask for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.errors import CrownlogError


class BadTimeError(CrownlogError):
    """A time-axis parameter that cannot be honoured (e.g. known_at and position together)."""


@dataclass(frozen=True, slots=True)
class At:
    """``as_of``: the world at T by all that is known now (events by ``occurred_at``);
    ``known_at`` / ``position``: what the service knew at T / after position N."""

    as_of: datetime | None = None
    known_at: datetime | None = None
    position: int | None = None

    def __post_init__(self) -> None:
        if self.known_at is not None and self.position is not None:
            raise BadTimeError("give known_at or position, not both")
        if self.position is not None and self.position < 0:
            raise BadTimeError("position must be 0 or more")

    @property
    def is_now(self) -> bool:
        return self.as_of is None and self.known_at is None and self.position is None
