"""Response models of following the race (docs/design.md §6): a model's history on a board
and what changed between two times. Like ``service.api.models``, they describe the bodies the
handlers render and make the published schema exact."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service.api.models import Reign, Shape


class HistoryPoint(Shape):
    as_of: str = Field(description="The snapshot's as-of time.")
    status: Literal["listed", "left"] = Field(description="`left`: the board dropped the model.")
    method: str | None
    score: float | None
    ci_low: float | None
    ci_high: float | None
    votes: int | None
    rank: int | None = Field(description="Dense rank among the rows of that snapshot.")
    board_rank: int | None = Field(description="The rank the board itself published, if any.")
    weights: Literal["open", "claimed", "closed", "unknown"]
    position: int = Field(description="Log position of the event behind the point.")


class History(Shape):
    model: str
    leaderboard: str
    as_of: str | None
    known_at: str | None
    position: int
    points: list[HistoryPoint]


class Placed(Shape):
    model: str
    rank: int
    score: float


class Moved(Shape):
    model: str
    before: int
    after: int
    change: int = Field(description="Places gained (positive) or lost (negative).")


class BoardChanges(Shape):
    leaderboard: str
    method_before: str | None
    method_after: str | None = Field(description="Ranks are compared only under one method.")
    entered: list[Placed]
    left: list[Placed]
    moved: list[Moved]


class Release(Shape):
    model: str
    name: str | None
    lab: str | None
    city: str | None
    released_at: str
    before: str | None = Field(description="The release date known at the earlier end.")
    weights: str


class WeightsChange(Shape):
    model: str
    before: str
    after: str


class CrownChanges(Shape):
    leaderboard: str
    before: str | None = Field(description="The holder at the earlier end.")
    after: str | None = Field(description="The holder at the later end.")
    reigns: list[Reign] = Field(description="Reigns that began in the window.")


class Changes(Shape):
    from_: str = Field(alias="from")
    to: str | None
    axis: Literal["as_of", "known_at"]
    threshold: int
    from_position: int
    to_position: int
    boards: list[BoardChanges]
    releases: list[Release]
    weights: list[WeightsChange]
    crown: CrownChanges
