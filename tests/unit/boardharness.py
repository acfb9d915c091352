"""Leaderboard snapshots through ``decide`` and the folds, in memory: the board side of a poll.

``Arrivals`` does what ``jobs.boardreads.BoardReads`` and the store do, without a database:
it reads the snapshot's neighbours from the log so far (past states by ``as_of``, the next
snapshot of the source), decides, and appends the events whose key is new.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jobs.catalog import Catalog
from jobs.extract.boards import neighbours
from jobs.extract.decide import decide
from jobs.extract.names import NameResolver
from jobs.interpret import learned_models, model_states
from jobs.observation import Observation, content_hash
from service.clock import format_time
from service.events import NewEvent, Provenance
from service.projections import crownview, standings
from service.projections.digest import fold_all
from service.projections.timeaxis import as_of
from tests.unit.eventbuilders import Log

BOARD = "lmarena-text"
SOURCE = "lmarena-text"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: Open models (MIT rows) and closed ones (Proprietary rows), by arena key.
CLOSED = frozenset({"gemini-x", "gpt-y"})


def row(model: str, score: float, spread: float | None = 4.0) -> dict[str, Any]:
    """One row of a snapshot as the leaderboard adapter reads it."""
    low, high = (None, None) if spread is None else (score - spread, score + spread)
    licence = "Proprietary" if model in CLOSED else "MIT"
    return {"model": model, "score": score, "rank": None, "license": licence,
            "open_weights": licence != "Proprietary", "votes": 1000, "ci_low": low,
            "ci_high": high}  # fmt: skip


class Arrivals:
    """One board's snapshots arriving in any order, each decided against the log so far."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        #: Resolves board keys like a poll does: the catalog plus the models the log learned.
        self.catalog = catalog
        self.log = Log()
        self._keys: set[str] = set()
        self._arrived: list[datetime] = []

    def snapshot(
        self,
        when: datetime,
        rows: Mapping[str, float],
        method: str | None = "v1",
        complete: bool = True,
    ) -> list[NewEvent]:
        """Decide one snapshot dated ``when`` and append what it adds; return that."""
        fields: dict[str, Any] = {
            "leaderboard": BOARD,
            "method": method,
            "as_of": format_time(when),
            "rows": [row(model, score) for model, score in sorted(rows.items())],
        }
        if not complete:
            fields["complete"] = False
        item = f"{BOARD}@{format_time(when)}"
        observation = Observation(
            item_id=item, sha256=content_hash(fields), kind="leaderboard", published=when,
            fields=fields,
        )  # fmt: skip
        states = fold_all(self.log.events)
        around = neighbours(states["standings"], BOARD, when, self._past, self._next)
        before = around.before
        methods = {BOARD: before.method} if before is not None and before.method else {}
        provenance = Provenance(SOURCE, item, None, observation.sha256)
        names = None
        if self.catalog is not None:
            learned = learned_models(states["catalog"], self.catalog)
            names = NameResolver.from_catalog(self.catalog).with_models(learned)
        decided = decide(observation, provenance, [], model_states(states["catalog"]), NOW,
                         boards=methods, names=names, around=around)  # fmt: skip
        self._arrived.append(when)
        added = [event for event in decided if event.key not in self._keys]
        for event in added:
            assert event.key is not None
            self._keys.add(event.key)
            self.log.append(event.type, event.stream, event.data, event.occurred_at, SOURCE)
        return added

    def _past(self, moment: datetime) -> standings.Standings:
        result: standings.Standings = as_of(self.log.events, moment)["standings"]
        return result

    def _next(self, moment: datetime) -> datetime | None:
        return min((t for t in self._arrived if t > moment), default=None)

    def views(self, moment: datetime) -> dict[str, Any]:
        """Standings (with method) and crown as of ``moment``."""
        states = as_of(self.log.events, moment)
        catalog = states["catalog"]
        return {
            "standings": standings.standings_view(states["standings"], catalog, BOARD),
            "crown": crownview.crown_view(states["crown"], catalog, BOARD, moment),
        }

    def types(self) -> list[str]:
        return [event.type for event in self.log.events]
