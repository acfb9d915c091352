"""Light-snapshot parts in pieces: a piece whose members did not change keeps its compressed
bytes, a change touches one piece, and the pieces merge back into the part."""

from __future__ import annotations

from datetime import timedelta

import orjson

from bench.rebuild_folds import generate
from service import compression
from service.projections import catalog
from service.projections.digest import digests, fold_all
from service.projections.dumpcache import DumpCache
from service.projections.light import decode_light, encode_light
from service.projections.pieces import ANY, PER_PIECE, Pieces, merge


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
