"""The race replayed in world-time order: who leads each board, and the reigns so far.

The crown fold keeps a timeline of crown-relevant entries sorted by ``(occurred_at,
position)``; a ``Race`` is what feeding those entries, oldest first, to ``advance`` gives.
Entries are plain tuples (cheap to build, sort and copy):

- ``(t, position, SCORE, board, model, method, value, ci_low, ci_high, row_open_weights,
  complete)``
- ``(t, position, METHOD, board, method)``
- ``(t, position, OPEN, model, tier, confidence, open_weights)`` — a licence claim
- ``(t, position, REPO, model)`` — a weights repository is known from ``t`` (evidence)
- ``(t, position, RULE, weights)`` — the crown rule (``open`` or ``claimed``)
- ``(t, position, WITHDRAW, board, model)`` — the board no longer lists the model

Rules (the standings fold's, ``service.projections.standings``, replayed in time): a board
ranks only scores of its current method (the latest change or complete snapshot, else its first
score's); a method change keeps only that method's scores from the change on (a mark of the
method already in force changes nothing). The first row of a complete snapshot newer than the
method's last one starts a new listing: its method is in force and that method's older rows are
dropped (models the new snapshot lists come back with it, row by row), so a model the board
stopped listing leaves the race — and the crown — at that snapshot. A withdrawal drops the
model's rows at once.

A model may hold the crown while its weights status so far (``service.projections.weights``: a
repository makes it open, else its winning claim makes it claimed or closed) is one the crown
rule allows. The leader is the eligible model with the highest score, ties to the smaller slug.
When the leader changes at ``t`` the old reign ends at ``t`` with the co-holders it had just
before the instant ``t`` (``service.projections.reigns``); a reign that would last zero time
(several rows of one snapshot share ``t``) is dropped, and one ended at ``t`` resumes if its
model leads again at ``t``. Co-holders: eligible models whose CI overlaps the leader's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.projections import weights
from service.projections.facts import HINT, FactKey
from service.projections.reigns import (
    Board,
    Race,
    beats,
    begin_instant,
    best,
    board_of,
    hand_over,
)

SCORE, METHOD, OPEN, REPO, RULE, WITHDRAW = 0, 1, 2, 3, 4, 5

Entry = tuple[Any, ...]


def _score(race: Race, entry: Entry) -> None:
    when, position, _kind, slug, model, method, value, low, high, row_open, complete = entry
    if row_open is not None:
        known = race.facts.get(model)
        if known is None or known[0][0] == HINT:  # an own fact always outranks a row's hint
            _open(race, when, model, (HINT, 1.0, when, position), row_open)
    board = race.boards.get(slug) or board_of(race, slug)
    if board.instant != when:  # rows of one snapshot share their instant: once per snapshot
        begin_instant(board, race.eligible, when)
    if board.first_method is None:
        board.first_method = method
    rows = board.rows.get(method)
    if rows is None:
        rows = board.rows[method] = {}
    listed = board.listed.get(method)
    if complete and (listed is None or when > listed):
        board.listed[method] = when
        _new_listing(board, race.eligible, entry)
        return
    if method != (board.changed_method or board.first_method):
        rows[model] = (value, low, high, when)
        return
    leader, eligible = board.leader, race.eligible
    new = leader
    if model in eligible:
        if model == leader and value < rows[model][0]:
            new = best(rows, eligible, override=(model, value))
        elif model == leader or beats(rows, model, value, leader):
            new = model
    if new != leader:
        hand_over(board, eligible, when, new)
        board.leader = new
    rows[model] = (value, low, high, when)


def _new_listing(board: Board, eligible: set[str], entry: Entry) -> None:
    """The first row of a newer complete snapshot: it is the board now — its method is in
    force, and the method's older rows leave (its own come back row by row)."""
    when, _position, _kind, _slug, model, method, value, low, high = entry[:9]
    fresh = {m: row for m, row in board.rows[method].items() if row[3] >= when}
    fresh[model] = (value, low, high, when)
    new = best(fresh, eligible)
    if new != board.leader:
        hand_over(board, eligible, when, new)  # co-holders from the listing that ends
        board.leader = new
    board.rows[method] = fresh
    board.changed_method = method


def _withdraw(race: Race, entry: Entry) -> None:
    when, _position, _kind, slug, model = entry
    board = race.boards.get(slug)
    if board is None:
        return
    begin_instant(board, race.eligible, when)
    if model == board.leader:
        rows = board.current_rows()
        new = best(rows, race.eligible, skip=model)
        hand_over(board, race.eligible, when, new)
        board.leader = new
    for rows in board.rows.values():
        rows.pop(model, None)


def _method(race: Race, entry: Entry) -> None:
    when, _position, _kind, slug, method = entry
    board = board_of(race, slug)
    if method == (board.changed_method or board.first_method):
        return  # the method already in force: a late snapshot's leftover mark, no change
    begin_instant(board, race.eligible, when)
    fresh = {m: row for m, row in board.rows.get(method, {}).items() if row[3] >= when}
    new = best(fresh, race.eligible)
    if new != board.leader:
        hand_over(board, race.eligible, when, new)
        board.leader = new
    board.rows[method] = fresh
    board.changed_method = method


def _open(race: Race, when: datetime, model: str, key: FactKey, is_open: bool) -> None:
    known = race.facts.get(model)
    if known is not None and key < known[0]:
        return  # a stronger report stands
    race.facts[model] = (key, is_open)
    _recheck(race, when, model)


def _repo(race: Race, when: datetime, model: str) -> None:
    if model not in race.repos:
        race.repos.add(model)
        _recheck(race, when, model)


def _rule(race: Race, when: datetime, rule: str) -> None:
    race.rule = rule
    for model in sorted({*race.facts, *race.repos, *race.eligible}):
        _recheck(race, when, model)


def _recheck(race: Race, when: datetime, model: str) -> None:
    """Hand the crown over where ``model``'s eligibility changed at ``when``."""
    is_open = weights.allowed(race.status(model), race.rule)
    eligible = race.eligible
    if (model in eligible) == is_open:
        return
    for board in race.boards.values():
        rows = board.current_rows()
        if model not in rows:
            continue
        begin_instant(board, eligible, when)
        leader = board.leader
        if is_open:
            new = model if beats(rows, model, rows[model][0], leader) else leader
        elif model == leader:
            new = best(rows, eligible, skip=model)
        else:
            continue
        if new != leader:
            hand_over(board, eligible, when, new)  # co-holders from before the change
            board.leader = new
    if is_open:
        eligible.add(model)
    else:
        eligible.discard(model)


def advance(race: Race, entry: Entry) -> None:
    """Apply one timeline entry (the newest in time so far) to ``race``, in place."""
    kind = entry[2]
    if kind == SCORE:
        _score(race, entry)
    elif kind == METHOD:
        _method(race, entry)
    elif kind == WITHDRAW:
        _withdraw(race, entry)
    elif kind == OPEN:
        _, position, _kind, model, tier, confidence, is_open = entry
        _open(race, entry[0], model, (tier, confidence, entry[0], position), is_open)
    elif kind == REPO:
        _repo(race, entry[0], entry[3])
    else:
        _rule(race, entry[0], entry[3])
