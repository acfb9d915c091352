"""Light snapshots: each part compressed apart, so a view decodes only what it reads; the
first form (one compressed JSON object) still decodes."""

from __future__ import annotations

import zlib
from datetime import timedelta

import orjson

from bench.rebuild_folds import generate
from service.projections import catalog, crown_codec, places, standings_codec
from service.projections.digest import digests, fold_all
from service.projections.light import MAGIC, decode_light, encode_light

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
    crown_at = blob.index(
        zlib.compress(orjson.dumps(crown_codec.dump_light(_states()["crown"])), 1)
    )
    blob[crown_at + 10 : crown_at + 20] = b"\x00" * 10
    assert set(decode_light(bytes(blob), frozenset({"standings"}))) == {"standings"}
    try:
        decode_light(bytes(blob))
    except (zlib.error, orjson.JSONDecodeError):
        pass
    else:
        raise AssertionError("the corrupted crown part was not read")


def test_the_first_form_still_decodes() -> None:
    """A blob written before the parted form (one zlib'd JSON object) loads the same states."""
    states = _states()
    first_form = zlib.compress(
        orjson.dumps(
            {
                "catalog": catalog.dump(states["catalog"]),
                "standings": standings_codec.dump(states["standings"]),
                "crown": crown_codec.dump_light(states["crown"]),
                "places": places.dump(states["places"], since=CUTOFF),
            }
        ),
        1,
    )
    assert digests(decode_light(first_form)) == digests(decode_light(encode_light(states, CUTOFF)))
    only = decode_light(first_form, frozenset({"catalog"}))
    assert set(only) == {"catalog"} and digests(only) == {"catalog": digests(states)["catalog"]}
