"""Light-snapshot parts in pieces: a piece whose members did not change keeps its compressed
bytes, a change touches one piece, and the pieces merge back into the part."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from bench import scalelog
from bench.rebuild_folds import generate
from service import compression
from service.events import FoldEvent
from service.projections import catalog
from service.projections.changes import Changes
from service.projections.digest import digests, fold_all
from service.projections.dumpcache import DumpCache
from service.projections.light import decode_light, encode_light
from service.projections.pieces import ANY, PER_PIECE, Journaled, Pieces, merge


def _fragments(cache: DumpCache, models: dict[str, dict[str, int]]) -> dict[str, object]:
    return {"labs": {}, "models": cache.fragments("model", models, lambda part: part)}


def _unpacked(packed: dict[str, bytes]) -> dict[str, object]:
    whole: dict[str, object] = {}
    for blob in packed.values():
        merge(whole, orjson.loads(compression.decompress(blob)))
    return whole


def test_unchanged_pieces_keep_their_bytes_and_a_change_touches_one() -> None:
    cache, pieces = DumpCache(as_text=False), Pieces()
    models = {f"model-{n}": {"facts": n} for n in range(400)}
    first = pieces.pack("catalog", _fragments(cache, models), ("models", ANY))
    assert len(first) > 4  # the part and its pieces
    assert _unpacked(first) == {"labs": {}, "models": models}
    again = pieces.pack("catalog", _fragments(cache, models), ("models", ANY))
    assert all(again[name] is first[name] for name in first if name != "catalog")
    models["model-123"]["facts"] = -1  # changed in place
    models["model-new"] = {"facts": 7}  # a new one, at the end
    third = pieces.pack("catalog", _fragments(cache, models), ("models", ANY))
    redone = [n for n in third if n != "catalog" and (n not in again or third[n] is not again[n])]
    assert 1 <= len(redone) <= 2  # the piece of model-123 and the last one
    assert _unpacked(third) == {"labs": {}, "models": models}


def test_alone_makes_a_piece_of_every_member_and_nested_paths_merge_back() -> None:
    cache, pieces = DumpCache(as_text=False), Pieces()
    boards = {
        slug: {
            "first": None,
            "rows": {m: cache.fragment((slug, m), {"a": [1, m]}, dict) for m in "xyz"},
        }
        for slug in ("text", "vision")
    }
    plain = orjson.loads(orjson.dumps({"boards": boards}))
    packed = pieces.pack("standings", {"boards": boards}, ("boards", ANY, "rows", ANY), alone=True)
    assert len(packed) == 1 + 6
    assert orjson.loads(compression.decompress(packed["standings"])) == {
        "boards": {"text": {"first": None, "rows": {}}, "vision": {"first": None, "rows": {}}}
    }
    assert _unpacked(packed) == plain
    reversed_order: dict[str, object] = {}
    for blob in reversed(list(packed.values())):  # pieces before their part: the same
        merge(reversed_order, orjson.loads(compression.decompress(blob)))
    assert reversed_order == plain


def test_light_snapshots_in_pieces_load_the_states_folded() -> None:
    events = generate(3000)
    states = fold_all(events[:1500])
    cutoff = events[-1].occurred_at - timedelta(days=30)
    names = frozenset({"catalog", "standings"})
    first, at_first = encode_light(states, cutoff), digests(states)
    fold_all(events[1500:], states)
    second, at_second = encode_light(states, cutoff), digests(states)
    assert len(catalog.dump(states["catalog"])["models"]) > PER_PIECE  # more than one piece
    for blob, expected in ((first, at_first), (second, at_second)):
        loaded = decode_light(blob, names)
        assert digests(loaded) == {name: expected[name] for name in names}


def _scratch(models: dict[str, dict[str, list[int]]]) -> dict[str, bytes]:
    """The pieces ``Pieces`` cuts from scratch, with the same dumps as ``Journaled``."""
    fragments = DumpCache().fragments("model", models, catalog.dump_facts)
    packed = Pieces().pack("catalog", {"models": fragments}, ("models", ANY))
    del packed["catalog"]  # the part without its members: not ``Journaled``'s
    return packed


def test_changes_name_what_was_touched_since_a_count_latest_first() -> None:
    changes = Changes()
    for key in ("a", "b", "c", "a"):
        changes.touch(key)
    assert changes.since(0) == ["a", "c", "b"]
    assert changes.since(2) == ["a", "c"]  # b's only change was the second
    assert changes.since(changes.count) == []
    assert len(changes.latest) == 3  # one entry per key, not per change


def test_journaled_pieces_are_the_pieces_cut_from_scratch_and_cost_what_changed() -> None:
    events = [  # the scale bench's log: models arrive all along (120 at first)
        FoldEvent(n, e.type, e.data, e.occurred_at, e.occurred_at)
        for n, e in enumerate(scalelog.generate(20_000), 1)
    ]
    state, journaled = catalog.initial(), Journaled("catalog", "models", catalog.dump_facts)
    before: dict[str, bytes] = {}
    for start in range(0, len(events), 1000):
        seen = state.changes.count
        for event in events[start : start + 1000]:
            catalog.apply(state, event)
        packed = journaled.pack(state.models, state.changes)
        assert packed == _scratch(state.models)
        # A piece none of whose models was touched keeps its bytes (the very same object).
        touched = set(state.changes.since(seen))
        for name, blob in packed.items():
            members = orjson.loads(compression.decompress(blob))["models"]
            if name in before and not touched & set(members):
                assert blob is before[name]
        before = packed
    assert len(before) > 2  # more than two pieces


def test_journaled_redoes_only_the_pieces_of_changed_models() -> None:
    state = catalog.initial()
    state.models.update({f"m-{n}": {} for n in range(300)})  # loaded: not in the journal
    journaled = Journaled("catalog", "models", catalog.dump_facts)
    first = journaled.pack(state.models, state.changes)
    assert first == _scratch(state.models)
    key = (1, 0.9, datetime(2026, 1, 1, tzinfo=UTC), 7)
    catalog._model(state, "m-42")["license"] = (key, "mit")
    catalog._model(state, "m-7")  # touched, not changed: its piece keeps its bytes
    catalog._model(state, "m-new")["license"] = (key, "apache-2.0")
    second = journaled.pack(state.models, state.changes)
    assert second == _scratch(state.models)
    redone = {name for name in second if name not in first or second[name] is not first[name]}
    piece_42 = next(n for n, b in second.items() if b"m-42" in compression.decompress(b))
    assert redone <= {piece_42, f"catalog/{len(second)}"}  # m-42's piece and the last
    assert piece_42 in redone
    other = catalog.copy(state)  # another journal: starts over, same pieces
    assert journaled.pack(other.models, other.changes) == second
