"""Light snapshots: each part compressed apart, so a view decodes only what it reads; the
first form (one compressed JSON object) still decodes."""

from __future__ import annotations

import zlib
from datetime import timedelta

import orjson
import pytest
import zstandard

from bench.rebuild_folds import generate
from service import compression
from service.clock import format_time, parse_time
from service.projections import catalog, crown, crown_codec, places, standings_codec
from service.projections.digest import digests, fold_all
from service.projections.dumpcache import DumpCache
from service.projections.light import MAGIC, crown_light, decode_light, encode_light
from service.projections.loadcache import PARTS, LoadCache

EVENTS = generate(3000)
CUTOFF = EVENTS[-1].occurred_at - timedelta(days=30)


def _states():  # type: ignore[no-untyped-def]
    return fold_all(EVENTS)


def test_a_view_decodes_only_the_parts_it_names() -> None:
    states = _states()
    blob = encode_light(states, CUTOFF)
    assert blob.startswith(MAGIC)
    whole = decode_light(blob)
    assert set(whole) == {"catalog", "standings", "crown", "places"}
    some = decode_light(blob, frozenset({"standings", "catalog"}))
    assert set(some) == {"standings", "catalog"}
    assert digests(some) == {name: digests(whole)[name] for name in some}
    assert digests(some) == {name: digests(states)[name] for name in some}


def test_a_part_left_out_is_never_read() -> None:
    """Corrupting the crown's bytes breaks a whole decode but not one without the crown."""
    blob = bytearray(encode_light(_states(), CUTOFF))
    crown_at = blob.index(crown_light(_states()["crown"]))
    blob[crown_at + 10 : crown_at + 20] = b"\x00" * 10
    assert set(decode_light(bytes(blob), frozenset({"standings"}))) == {"standings"}
    with pytest.raises((zstandard.ZstdError, orjson.JSONDecodeError)):
        decode_light(bytes(blob))  # the whole decode reads the corrupted crown part


def test_parts_are_zstandard_and_zlib_parts_still_decode() -> None:
    """Each part is one Zstandard frame; a blob of the parted form whose parts are zlib
    streams (as written before) loads the same states."""
    states = _states()
    blob = encode_light(states, CUTOFF)
    start = len(MAGIC) + 4
    body = start + int.from_bytes(blob[len(MAGIC) : start], "big")
    index = orjson.loads(blob[start:body])
    parts = {name: blob[body + at : body + at + size] for name, (at, size) in index.items()}
    assert all(part.startswith(compression.FRAME_MAGIC) for part in parts.values())
    old_index, old_parts, offset = {}, [], 0
    for name, part in parts.items():
        old_parts.append(zlib.compress(compression.decompress(part), 1))
        old_index[name] = (offset, len(old_parts[-1]))
        offset += len(old_parts[-1])
    head = orjson.dumps(old_index)
    old = b"".join([MAGIC, len(head).to_bytes(4, "big"), head, *old_parts])
    assert digests(decode_light(old)) == digests(decode_light(blob))
    assert digests(decode_light(old, frozenset({"catalog"}))) == {
        "catalog": digests(states)["catalog"]
    }


def test_the_first_form_still_decodes() -> None:
    """A blob written before the parted form (one zlib'd JSON object) loads the same states."""
    states = _states()
    first_form = zlib.compress(
        orjson.dumps(
            {
                "catalog": catalog.dump(states["catalog"]),
                "standings": standings_codec.dump(states["standings"]),
                "crown": crown_codec.dump_light(states["crown"]),
                "places": places.dump(states["places"]),
            }
        ),
        1,
    )
    assert digests(decode_light(first_form)) == digests(decode_light(encode_light(states, CUTOFF)))
    only = decode_light(first_form, frozenset({"catalog"}))
    assert set(only) == {"catalog"} and digests(only) == {"catalog": digests(states)["catalog"]}


def _texts(dumped: object) -> object:
    """``dumped`` with every part written as its JSON text replaced by that JSON, and every
    time in canonical form (a light dump lets orjson write some)."""
    if isinstance(dumped, str) and dumped[:1] == "{":
        return _texts(orjson.loads(dumped))
    if isinstance(dumped, str) and len(dumped) >= 25 and dumped[10:11] == "T":
        return format_time(parse_time(dumped))
    if isinstance(dumped, list):
        return [_texts(value) for value in dumped]
    if isinstance(dumped, dict):
        return {key: _texts(value) for key, value in dumped.items()}
    return dumped


def test_reused_dumps_are_always_those_of_the_state_now() -> None:
    """Folding step by step, a dump through the cache, its parts read back from their JSON
    text, is the plain dump after every step: parts that changed are dumped again, the others
    reused."""
    cache, states = DumpCache(), fold_all([])
    reused = 0
    for start in range(0, len(EVENTS), 150):
        fold_all(EVENTS[start : start + 150], states)
        for codec in (catalog, standings_codec):
            name = "catalog" if codec is catalog else "standings"
            plain = orjson.loads(orjson.dumps(codec.dump(states[name])))
            cached = orjson.loads(orjson.dumps(codec.dump(states[name], cache)))
            assert _texts(cached) == plain
            assert digests({name: codec.load(cached)}) == digests({name: states[name]})
        before = dict(cache._kept)
        orjson.dumps(catalog.dump(states["catalog"], cache))
        reused += sum(1 for key, kept in cache._kept.items() if before.get(key) is kept)
    assert reused > 0


def _plain_light(state: object) -> object:
    """The crown's light dump with nothing reused (every cached dump forgotten first)."""
    crown_codec._REUSED._kept.clear()
    crown_codec._REUSED._groups.clear()
    return orjson.loads(orjson.dumps(crown_codec.dump_light(state)))  # type: ignore[arg-type]


def test_the_crowns_reused_dumps_are_those_of_the_race_now() -> None:
    """Folding step by step, the crown's light dump made with its boards' rows, reigns and
    facts reused while unchanged is the dump made afresh, after every step — and some were
    reused (the race's past methods and reigns so far)."""
    states = fold_all([])
    states["crown"] = crown.initial(checkpoint_every=64)  # replay checkpoints: a base race
    hits = 0
    for start in range(0, len(EVENTS), 160):
        fold_all(EVENTS[start : start + 150], states)
        crown_codec.dump_light(states["crown"])  # fills the cache from the state now
        kept = dict(crown_codec._REUSED._kept)
        reused = orjson.loads(orjson.dumps(crown_codec.dump_light(states["crown"])))
        hits += sum(1 for key, entry in crown_codec._REUSED._kept.items() if kept.get(key) is entry)
        assert reused == _plain_light(states["crown"])
        crown_codec.dump_light(states["crown"])
        fold_all(EVENTS[start + 150 : start + 160], states)  # change a little, dump again
        assert orjson.loads(orjson.dumps(crown_codec.dump_light(states["crown"]))) == (
            _plain_light(states["crown"])
        )
    assert hits > 0


def test_a_changed_part_is_dumped_again() -> None:
    cache = DumpCache(limit=2)
    part = {"a": (1, "x")}
    first = cache.fragment("k", part, dict)
    assert cache.fragment("k", part, dict) is first
    part["a"] = (2, "y")
    assert orjson.loads(orjson.dumps(cache.fragment("k", part, dict))) == '{"a":[2,"y"]}'
    cache.fragment("other", {}, dict)
    cache.fragment("third", {}, dict)  # over the limit: forgotten, still right
    assert orjson.loads(orjson.dumps(cache.fragment("k", part, dict))) == '{"a":[2,"y"]}'


def test_fragments_of_many_parts_redo_only_the_changed_ones() -> None:
    dumps: list[str] = []

    def dump(part: dict[str, object]) -> dict[str, object]:
        dumps.append(str(part))
        return part

    cache = DumpCache(as_text=False)
    parts = {"a": {"x": 1}, "b": {"x": 2}}
    first = cache.fragments("models", parts, dump)
    again = cache.fragments("models", parts, dump)
    assert len(dumps) == 2 and all(again[key] is first[key] for key in parts)
    parts["b"]["x"] = 3  # changed in place: the kept copy tells
    parts["c"] = {"x": 4}
    third = cache.fragments("models", parts, dump)
    assert len(dumps) == 4 and third["a"] is first["a"]
    assert orjson.loads(orjson.dumps(third)) == {"a": {"x": 1}, "b": {"x": 3}, "c": {"x": 4}}
    assert cache.fragments("labs", {"a": {"x": 9}}, dump)["a"] is not first["a"]  # own group


def test_immutable_parts_are_kept_as_they_are_and_redone_when_replaced() -> None:
    dumps: list[object] = []

    def dump(part: tuple[int, str]) -> list[object]:
        dumps.append(part)
        return list(part)

    cache = DumpCache(as_text=False)
    parts = {"a": (1, "x"), "b": (2, "y")}
    first = cache.fragments("facts", parts, dump)
    equal = tuple([1, "x"])  # made at run time: another object than the literal above
    assert equal is not parts["a"]
    parts["a"] = equal  # another tuple, equal: reused
    assert cache.fragments("facts", parts, dump)["a"] is first["a"] and len(dumps) == 2
    parts["b"] = (3, "z")  # replaced by a different value: dumped again
    third = cache.fragments("facts", parts, dump)
    assert len(dumps) == 3 and third["a"] is first["a"] and third["b"] is not first["b"]
    assert orjson.loads(orjson.dumps(third)) == {"a": [1, "x"], "b": [3, "z"]}


def test_the_crowns_facts_are_dumped_again_only_for_the_models_that_changed() -> None:
    """A light snapshot dumps the race's facts model by model: after a fold that changes one
    model's fact, that model's dump is new and every other model's is the one kept."""
    states = fold_all([])
    states["crown"] = crown.initial(checkpoint_every=64)  # a base race: the light form
    fold_all(EVENTS[:3000], states)
    crown_codec._REUSED._groups.clear()
    race = crown.settle(states["crown"]).race
    crown_codec.dump_light(states["crown"])
    kept = dict(crown_codec._REUSED._groups[("race", "facts")])
    changed = sorted(race.facts)[0]
    (tier, confidence, when, position), is_open = race.facts[changed]
    race.facts[changed] = ((tier, confidence, when, position + 1), is_open)
    dumped = orjson.loads(orjson.dumps(crown_codec.dump_light(states["crown"])))
    now = crown_codec._REUSED._groups[("race", "facts")]
    assert [m for m in race.facts if now[m] is not kept[m]] == [changed]
    assert dumped["facts"][changed][0][3] == position + 1
    assert len(race.facts) > 1


def test_a_part_is_decoded_once_and_loaded_states_are_independent() -> None:
    """Two snapshots of one catalog share the text of every unchanged model: the second load
    builds none of them again, and folding on one load leaves the other (and the cache) as
    it was."""
    states = _states()
    blob = encode_light(states, CUTOFF)
    PARTS._kept.clear()
    first = decode_light(blob, frozenset({"catalog", "standings"}))
    kept = len(PARTS)
    assert kept >= len(states["catalog"].models)
    second = decode_light(blob, frozenset({"catalog", "standings"}))
    assert len(PARTS) == kept  # nothing new to decode
    model = next(iter(first["catalog"].models))
    assert first["catalog"].models[model] is not second["catalog"].models[model]
    board = next(iter(first["standings"].boards))
    expected = digests(second)
    fold_all(generate(4000)[3000:], first)
    first["catalog"].models[model].clear()
    first["standings"].boards[board].rows.clear()
    assert digests(second) == expected
    assert digests(decode_light(blob, frozenset({"catalog", "standings"}))) == expected


def test_the_cache_has_a_bound_in_size() -> None:
    cache = LoadCache(limit=100)
    for n in range(50):
        text = orjson.dumps({"n": n, "pad": "x" * 20}).decode()
        assert cache.load(text, dict) == {"n": n, "pad": "x" * 20}
        assert 0 < cache.size <= 100 and len(cache) <= 100 // len(text)
    assert cache.load(text, dict) is cache.load(text, dict)  # kept until the bound is reached


def test_light_mentions_keep_only_models_mentioned_in_the_window() -> None:
    """Models not mentioned since the cutoff are left out of a light snapshot, and every
    count a view makes from the cutoff on is the same as from the whole index."""
    state = fold_all(EVENTS)["places"]
    end = max(times[-1] for times in state.mentions.values())
    cutoff = end - timedelta(hours=18)
    light = places.load(orjson.loads(orjson.dumps(places.dump_light(state, cutoff))))
    stale = [m for m, times in state.mentions.items() if times and times[-1] < cutoff]
    assert stale and not set(stale) & set(light.mentions)
    for model in state.mentions:
        for start in (cutoff, cutoff + timedelta(hours=5)):
            assert places.mentions_between(light, model, start, end) == (
                places.mentions_between(state, model, start, end)
            )
