"""JSON-safe dump and load of the crown state, for snapshots and digests.

The dump holds the timeline and the settled race (rows, weights claims and evidence, the crown
rule, leaders, reigns);
the checkpoint cache is left out and rebuilt by the first backfill after a load. Times are in
``service.clock.format_time`` form, which ``datetime.fromisoformat`` reads back exactly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.clock import format_time, shifted
from service.projections import weights
from service.projections.crown import SETTLE_MARGIN, Checkpoint, CrownState, settle
from service.projections.dumpcache import DumpCache
from service.projections.race import SCORE, Entry
from service.projections.reigns import Board, Race, Reign
from service.projections.timeline import Timeline

#: Dumps of the parts of light snapshots' races, as JSON in place, while they are unchanged.
_REUSED = DumpCache(as_text=False)

_time = datetime.fromisoformat  # exact inverse of format_time, and fast on 10^5 entries


def _dump_entry(entry: Entry) -> list[Any]:
    return [format_time(entry[0]), *entry[1:]]


def _dump_entries(timeline: Timeline, start: int) -> list[list[Any]]:
    """The dumped entries of ``timeline`` from ``start`` on. A light snapshot is taken every
    few thousand events and repeats the newest packed blocks: each block's dump is kept (by
    its immutable bytes) while it is among the newest few."""
    dumped: list[list[Any]] = []
    for blob, entries in timeline.segments(start):
        if blob is None:
            dumped += [_dump_entry(entry) for entry in entries]
            continue
        block = _block_dumps.get(blob)
        if block is None:
            if len(_block_dumps) >= 8:
                _block_dumps.clear()
            block = _block_dumps[blob] = [_dump_entry(entry) for entry in entries]
        dumped += block
    return dumped


#: Dumps of recently packed timeline blocks, by their bytes (equal bytes, equal entries).
_block_dumps: dict[bytes, list[list[Any]]] = {}


def _load_entry(dumped: list[Any]) -> Entry:
    entry = (_time(dumped[0]), *dumped[1:])
    if entry[2] == SCORE and len(entry) == 10:
        return (*entry, True)  # dumped before rows said whether their snapshot was complete
    return entry


def _dump_rows(rows: dict[str, tuple[Any, ...]]) -> dict[str, list[Any]]:
    return {m: [v, lo, hi, format_time(t)] for m, (v, lo, hi, t) in rows.items()}


def _dump_reigns(reigns: list[Reign]) -> list[list[Any]]:
    return [
        [r.model, format_time(r.start), format_time(r.end) if r.end is not None else None,
         list(r.co_holders)]
        for r in reigns
    ]  # fmt: skip


def _dump_board(board: Board, reused: tuple[str, str] | None = None) -> dict[str, Any]:
    """``reused``: ``(role, slug)`` under which a light snapshot's dumps of the board's parts
    are kept, made again only if they changed (its past methods' rows and its reigns so far
    rarely do); None: dump every part."""
    rows: dict[str, Any] = {}
    if reused is None:
        rows = {method: _dump_rows(by_model) for method, by_model in board.rows.items()}
        reigns: Any = _dump_reigns(board.reigns)
    else:
        for method, by_model in board.rows.items():
            rows[method] = _REUSED.fragment((*reused, method), by_model, _dump_rows)
        reigns = _REUSED.fragment((*reused, "reigns"), board.reigns, _dump_reigns)
    return {
        "first_method": board.first_method,
        "changed_method": board.changed_method,
        "leader": board.leader,
        "rows": rows,
        "listed": {method: format_time(t) for method, t in board.listed.items()},
        "instant": format_time(board.instant) if board.instant is not None else None,
        "before": list(board.before),
        "reigns": reigns,
    }


def _load_board(dumped: dict[str, Any]) -> Board:
    listed = {method: _time(t) for method, t in dumped.get("listed", {}).items()}
    instant = dumped.get("instant")
    return Board(
        first_method=dumped["first_method"],
        changed_method=dumped["changed_method"],
        leader=dumped["leader"],
        rows={
            method: {m: (v, lo, hi, _time(t)) for m, (v, lo, hi, t) in rows.items()}
            for method, rows in dumped["rows"].items()
        },
        reigns=[
            Reign(model, _time(start), _time(end) if end is not None else None, tuple(co))
            for model, start, end, co in dumped["reigns"]
        ],
        listed=listed,
        instant=_time(instant) if instant else None,
        before=tuple(dumped.get("before", ())),
    )


def _dump_facts(facts: dict[str, Any]) -> dict[str, list[Any]]:
    return {model: _dump_fact(fact) for model, fact in facts.items()}


def _dump_fact(fact: tuple[tuple[Any, ...], bool]) -> list[Any]:
    (tier, confidence, t, position), is_open = fact
    return [[tier, confidence, format_time(t), position], is_open]


def _dump_race(race: Race, role: str | None = None) -> dict[str, Any]:
    """``role``: which race of a light snapshot this is (``race``, ``base``): its parts'
    dumps are reused while they do not change (``_REUSED``)."""
    if role is None:
        boards = {slug: _dump_board(board) for slug, board in race.boards.items()}
        facts: Any = _dump_facts(race.facts)
    else:
        boards = {slug: _dump_board(board, (role, slug)) for slug, board in race.boards.items()}
        # One dump per model, made again only for the models whose fact changed: the race's
        # facts grow with the models of the whole log, and a few change between snapshots.
        facts = _REUSED.fragments((role, "facts"), race.facts, _dump_fact)
    return {
        "boards": boards,
        "facts": facts,
        "repos": sorted(race.repos),
        "rule": race.rule,
    }


def _load_race(dumped: dict[str, Any]) -> Race:
    facts = {
        model: ((tier, confidence, _time(t), position), is_open)
        for model, ((tier, confidence, t, position), is_open) in dumped["facts"].items()
    }
    race = Race(
        boards={slug: _load_board(board) for slug, board in dumped["boards"].items()},
        facts=facts,
        repos=set(dumped.get("repos", ())),
        rule=dumped.get("rule", weights.DEFAULT_RULE),
    )
    race.eligible = {
        model for model in {*facts, *race.repos} if weights.allowed(race.status(model), race.rule)
    }
    return race


def dump(state: CrownState, tail: int | None = None) -> dict[str, Any]:
    """A JSON-safe dict of ``state`` (settles it first).

    With ``tail``, only the newest ``tail`` timeline entries are kept: enough to fold newer
    entries on (light snapshots), not to replay a backfill reaching behind them.
    """
    race = settle(state).race
    timeline = state.timeline.entries() if tail is None else state.timeline.newest(tail)
    return {"timeline": [_dump_entry(entry) for entry in timeline], **_dump_race(race)}


def dump_light(state: CrownState) -> dict[str, Any]:
    """What a light snapshot keeps of ``state``: the race, and — from its newest replay
    checkpoint at least ``SETTLE_MARGIN`` older than its newest entry on — that checkpoint's
    race and the timeline after it, so that entries a little older than the newest (a board
    snapshot appended after a later-dated fact) replay from there instead of needing the whole
    history (``needs_full``; past reads then try an older light snapshot first)."""
    race = settle(state).race
    base = _base(state)
    if base is None:
        return dump(state, tail=1)
    replayed, (when, position), base_race = base
    return {
        "timeline": _dump_entries(state.timeline, replayed),
        **_dump_race(race, "race"),
        "base": {"key": [format_time(when), position], **_dump_race(base_race, "base")},
    }


def _base(state: CrownState) -> Checkpoint | None:
    """The newest checkpoint a margin older than the newest entry (a settled state's)."""
    if not state.timeline:
        return None
    oldest = shifted(state.timeline.last_key()[0], -SETTLE_MARGIN)
    for checkpoint in reversed(state.checkpoints):
        if checkpoint[0] <= len(state.timeline) and checkpoint[1][0] <= oldest:
            return checkpoint
    return None


def load(dumped: dict[str, Any]) -> CrownState:
    """The crown state ``dump`` (or ``dump_light``) was made from (settled; its checkpoint
    cache empty, or the light snapshot's base)."""
    timeline = Timeline(_load_entry(entry) for entry in dumped["timeline"])
    state = CrownState(timeline=timeline, race=_load_race(dumped))
    base = dumped.get("base")
    if base is not None:
        key = (_time(base["key"][0]), base["key"][1])
        state.checkpoints.append((0, key, _load_race(base)))
    return state
