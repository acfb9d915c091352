"""Response models: the JSON shapes of docs/design.md §6, as OpenAPI documents them.

Handlers return pre-rendered bytes (see ``service.api.httpcache``), so these models describe
rather than validate; the API tests validate real bodies against them, and ``extra="forbid"``
makes the published schema exact, so schemathesis catches any drift.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: docs/design.md §4: open (a weights repository is known), claimed (an open licence, no
#: repository), closed (proprietary), unknown.
Weights = Literal["open", "claimed", "closed", "unknown"]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Provenance(Shape):
    source_id: str
    item_id: str | None
    url: str | None
    sha256: str | None


class Envelope(Shape):
    position: int
    stream: str
    version: int
    type: str
    schema_: int = Field(alias="schema")
    data: dict[str, Any]
    occurred_at: str
    recorded_at: str
    source: Provenance | None
    key: str | None
    prev_hash: str
    hash: str


class EventPage(Shape):
    items: list[Envelope]
    next: str | None


class SourceItem(Shape):
    """The feed item behind an event, as its ``ItemObserved`` recorded it."""

    source_id: str
    item_id: str | None
    url: str | None
    title: str | None
    position: int | None = Field(description="Log position of the item's latest observation.")


class ModelEvent(Envelope):
    item: SourceItem | None


class ModelEventPage(Shape):
    items: list[ModelEvent]
    next: str | None


class StandingsRow(Shape):
    rank: int
    model: str
    lab: str | None
    city: str | None
    score: float
    ci_low: float | None = Field(description="The board's interval, where it publishes one.")
    ci_high: float | None
    votes: int | None = Field(description="Votes (battles) behind the score, where published.")
    open_weights: bool | None
    weights: Weights
    board_rank: int | None = Field(description="The rank the board itself published, if any.")


class Standings(Shape):
    leaderboard: str
    method: str | None
    as_of: str | None
    known_at: str | None
    position: int
    rows: list[StandingsRow]


class Reign(Shape):
    model: str
    lab: str | None
    city: str | None
    from_: str = Field(alias="from")
    to: str | None
    days: float
    co_holders: list[str]


class Contender(Shape):
    """A model ranked above the crown holder whose open weights are only claimed."""

    model: str
    lab: str | None
    city: str | None
    rank: int
    score: float
    weights: Weights


class Crown(Shape):
    leaderboard: str
    holder: Reign | None
    reigns: list[Reign]
    contenders: list[Contender] = Field(
        description="Claimed (not evidenced) models ranked above the holder: why they are not it."
    )


class Model(Shape):
    slug: str
    name: str | None
    lab: str | None
    city: str | None
    country: str | None
    params_total: int | None
    params_active: int | None
    architecture: str | None
    license: str | None
    open_weights: bool | None
    weights: Weights
    weights_repo: str | None = Field(
        description="The weights repository that makes the weights open (listed or verified)."
    )
    released_at: str | None
    context_length: int | None
    modality: str | list[str] | None
    downloads: int | None
    likes: int | None
    aliases: list[str]


class Spell(Shape):
    from_: str = Field(alias="from")
    to: str | None = Field(description="When a snapshot no longer listed it; null: listed.")


class ModelBoard(Shape):
    """A board the model was listed on: its rank there (null when off the board) and the
    spells it was listed, oldest first (a model that left and came back has several)."""

    leaderboard: str
    rank: int | None
    spells: list[Spell]


class DisputedReport(Shape):
    """One value a source reported for a figure the sources disagree on."""

    value: int | str
    current: bool
    authority: Literal["lab", "press"]
    confidence: float
    occurred_at: str
    position: int
    flags: list[str]
    evidence: str | None = None
    source_id: str | None = None
    url: str | None = None
    title: str | None = None


class ModelDetail(Model):
    """One model's facts, per field the sources disagree on each side's report, and its
    boards."""

    disputes: dict[str, list[DisputedReport]] = {}
    boards: list[ModelBoard] = Field(
        description="Each board the model was listed on: its rank there and when it was "
        "listed, left and rejoined."
    )


class ModelPage(Shape):
    items: list[Model]
    next: str | None


class Place(Shape):
    slug: str
    name: str | None
    kind: Literal["lab", "city"]
    city: str | None
    country: str | None
    models_released: int
    released_30d: int
    released_90d: int
    best_rank: int | None
    top10: int
    crown_days: float
    mentions_7d: int
    mentions_30d: int


class PlacePage(Shape):
    items: list[Place]
    next: str | None
