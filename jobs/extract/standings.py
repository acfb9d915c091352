"""Leaderboard snapshots: one ``ScoreReported`` per row, withdrawals, and method changes.

Standings never drop a row: a model the catalog does not know (closed ones included) is
registered with ``lab`` None under the slug of its leaderboard key. Scores are independent
measurements dated by the snapshot's ``as_of``; a row's licence and open-weights flag travel in
the ``ScoreReported`` payload, where the catalog projection reads them as hints that never
outrank a model's own reports. Rows of a partial snapshot (a source with ``complete = false``)
say ``complete: false``.

Decided against the snapshot's neighbours in world time (``jobs.extract.boards``), so the order
snapshots arrive in changes nothing users see (docs/design.md §3, §4):

- a snapshot whose method differs from the method in force at its ``as_of`` first records
  ``LeaderboardMethodChanged`` (a board with nothing in force records none: its first score
  sets its method). A complete snapshot carries its method (the standings rank by it), so a late
  snapshot needs no mark at its next neighbour — unless that one is a partial extract of another
  method, which it then marks there (as that extract would have been, decided after it);
- a complete snapshot withdraws (``ScoreWithdrawn`` at its ``as_of``) every model in force that
  it no longer lists, and, arriving late, every model it lists that the next snapshot does not
  (at that snapshot's time). A model listed again simply gets its ``ScoreReported``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jobs.extract.boardkeys import board_slugs
from jobs.extract.boards import Listing, Neighbours
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
    around: Neighbours | None = None,
) -> None:
    """Emit the method changes, registrations, scores and withdrawals of one snapshot.

    ``boards`` maps the board to the method in force at the snapshot's ``as_of``; ``around``
    holds its neighbours (withdrawals are decided only with them).
    """
    fields = emitter.observation.fields
    board = str(fields.get("leaderboard") or emitter.provenance.source_id)
    as_of = moment(fields.get("as_of")) or emitter.occurred_at
    stated = fields.get("method")
    in_force = boards.get(board)
    method = str(stated or in_force or DEFAULT_METHOD)
    stream = f"leaderboard:{slugify(board)}"
    if stated and in_force is not None and in_force != method:
        data = {"leaderboard": board, "method": method, "previous": in_force}
        emitter.emit(stream, "LeaderboardMethodChanged", data, emitter.key("method", board, method),
                     as_of)  # fmt: skip
    complete = fields.get("complete") is not False
    rows = [row for row in fields.get("rows") or [] if isinstance(row, dict)]
    slugs = board_slugs((str(row.get("model") or "").strip() for row in rows), names)
    listed: dict[str, float] = {}
    for row in rows:
        slug = slugs.get(str(row.get("model") or "").strip())
        if slug is not None:
            scored = _row(emitter, row, slug, board, method, as_of, state_of, names, complete)
            if scored is not None:
                listed[scored[0]] = scored[1]
    after = around.after if around is not None else None
    if stated and after is not None and not after.complete and after.method != method:
        _mark_next(emitter, stream, board, method, as_of, after)
    if complete and around is not None and listed:
        _withdraw(emitter, board, as_of, around.before, listed)
        following = around.following
        if following is not None and following.at is not None and following.models:
            gone = set(following.models) | following.withdrawn
            left = {model: (method, value) for model, value in listed.items() if model not in gone}
            _withdraw(emitter, board, following.at, Listing(method, left), {})


def _mark_next(
    emitter: Emitter, stream: str, board: str, method: str, as_of: datetime, after: Listing
) -> None:
    """The next snapshot, a partial extract, has another method: mark the change there, unless
    a mark after ``as_of`` already does."""
    assert after.at is not None and after.method is not None
    if after.mark is not None and after.mark[0] > as_of and after.mark[1] == after.method:
        return
    data = {"leaderboard": board, "method": after.method, "previous": method}
    key = emitter.key("method", board, after.method, format_time(after.at))
    emitter.emit(stream, "LeaderboardMethodChanged", data, key, after.at)


def _withdraw(
    emitter: Emitter,
    board: str,
    when: datetime,
    before: Listing | None,
    listed: Mapping[str, float],
) -> None:
    """``ScoreWithdrawn`` at ``when`` for each model of ``before`` that ``listed`` lacks."""
    if before is None:
        return
    for model in sorted(set(before.models) - set(listed)):
        method, value = before.models[model]
        data = {"model": model, "leaderboard": board, "method": method,
                "as_of": format_time(when), "value": value}  # fmt: skip
        key = emitter.key("withdrawn", board, model, format_time(when))
        emitter.emit(f"model:{model}", "ScoreWithdrawn", data, key, when)


def _row(
    emitter: Emitter,
    row: dict[str, Any],
    slug: str,
    board: str,
    method: str,
    as_of: datetime,
    state_of: Callable[[str], ModelState],
    names: NameResolver | None,
    complete: bool,
) -> tuple[str, float] | None:
    """Emit one row's score as model ``slug`` (registering it if new); ``(slug, value)``, or
    None."""
    name = str(row.get("model") or "").strip()
    score = row.get("score")
    if not name or isinstance(score, bool) or not isinstance(score, int | float):
        return None  # a row without a model or a numeric score cannot be ranked
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
    if not complete:
        data["complete"] = False
    key = emitter.key("score", board, method, slug, format_time(as_of), float(score))
    emitter.emit(f"model:{slug}", "ScoreReported", data, key, as_of)
    return slug, float(score)
