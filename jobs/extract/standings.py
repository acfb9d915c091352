"""Leaderboard snapshots: one ``ScoreReported`` per row, and method changes of the board.

Standings never drop a row: a model the catalog does not know (closed ones included) is
registered with ``lab`` None under the slug of its leaderboard key. Scores are independent
measurements dated by the snapshot's ``as_of``; a row's licence and open-weights flag travel in
the ``ScoreReported`` payload, where the catalog projection reads them as hints that never
outrank a model's own reports. A snapshot whose method differs from the board's
current one first records ``LeaderboardMethodChanged``, so scores of different methods are
never ranked together (docs/design.md §4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jobs.extract.emitter import Emitter, moment
from jobs.extract.licenses import is_open, normalize_licence
from jobs.extract.names import NameResolver, slugify
from service.clock import format_time

if TYPE_CHECKING:
    from jobs.extract.decide import ModelState

#: The method of a board whose snapshots never name one.
DEFAULT_METHOD = "default"
_OPTIONAL = ("ci_low", "ci_high", "votes", "rank")


def leaderboard_events(
    emitter: Emitter,
    state_of: Callable[[str], ModelState],
    boards: Mapping[str, str],
    names: NameResolver | None,
) -> None:
    """Emit the method change (if any), registrations and scores of one snapshot."""
    fields = emitter.observation.fields
    board = str(fields.get("leaderboard") or emitter.provenance.source_id)
    as_of = moment(fields.get("as_of")) or emitter.occurred_at
    stated = fields.get("method")
    method = str(stated or boards.get(board) or DEFAULT_METHOD)
    if stated and boards.get(board) != method:
        data = {"leaderboard": board, "method": method, "previous": boards.get(board)}
        key = emitter.key("method", board, method)
        emitter.emit(f"leaderboard:{slugify(board)}", "LeaderboardMethodChanged", data, key, as_of)
    for row in fields.get("rows") or []:
        if isinstance(row, dict):
            _row(emitter, row, board, method, as_of, state_of, names)


def _row(
    emitter: Emitter,
    row: dict[str, Any],
    board: str,
    method: str,
    as_of: datetime,
    state_of: Callable[[str], ModelState],
    names: NameResolver | None,
) -> None:
    name = str(row.get("model") or "").strip()
    score = row.get("score")
    if not name or isinstance(score, bool) or not isinstance(score, int | float):
        return  # a row without a model or a numeric score cannot be ranked
    slug = (names.resolve(name) if names else None) or slugify(name)
    if not (state_of(slug).registered or (names and names.knows(slug))):
        emitter.register(slug, name, None, [name], as_of)
    licence = normalize_licence(row.get("license"))
    open_weights = row.get("open_weights")
    if not isinstance(open_weights, bool):
        open_weights = is_open(licence)
    data: dict[str, Any] = {
        "model": slug,
        "leaderboard": board,
        "method": method,
        "value": float(score),
        "as_of": format_time(as_of),
        "provenance": "independent",
        "name": name,
    }
    data.update({field: row[field] for field in _OPTIONAL if row.get(field) is not None})
    if open_weights is not None:
        data["open_weights"] = open_weights
    if licence is not None:
        data["license"] = licence
    key = emitter.key("score", board, method, slug, format_time(as_of), float(score))
    emitter.emit(f"model:{slug}", "ScoreReported", data, key, as_of)
