"""The places view: labs and cities compared by releases, ranks, crown-days and mentions."""

from __future__ import annotations

from typing import Any

from service.projections import places
from service.projections.digest import fold_all
from service.projections.timeaxis import as_of
from tests.unit.eventbuilders import BOARD, Log, at, race_log

KEYS = {
    "slug",
    "name",
    "kind",
    "city",
    "country",
    "models_released",
    "released_30d",
    "released_90d",
    "best_rank",
    "top10",
    "crown_days",
    "mentions_7d",
    "mentions_30d",
}


def mentioned_log() -> Log:
    """The three-hand-over race plus news mentions (one appended late)."""
    log = race_log()
    for when in ("2025-07-12", "2025-08-05", "2025-08-20", "2025-08-28", "2025-08-31T18:00:00Z"):
        log.mention("kimi-k2", when)
    log.mention("glm-4.5", "2025-08-29")
    log.mention("kimi-k2", "2025-08-25T12:00:00Z")  # an older news item found late
    return log


def table(states: dict[str, Any], now: str, kind: str | None = None) -> dict[str, dict[str, Any]]:
    rows = places.places_view(
        states["places"],
        states["catalog"],
        states["standings"],
        states["crown"],
        BOARD,
        at(now),
        kind=kind,
    )
    return {row["slug"]: row for row in rows}


def test_every_lab_and_city_has_the_design_shape() -> None:
    """One row per lab and per city, sorted by kind then slug, with every docs/design.md key."""
    rows = places.places_view(*_parts(fold_all(mentioned_log().events)), BOARD, at("2025-09-01"))
    assert [(r["kind"], r["slug"]) for r in rows][:4] == [
        ("city", "beijing"),
        ("city", "hangzhou"),
        ("city", "london"),
        ("city", "shanghai"),
    ]
    assert all(set(row) == KEYS for row in rows)
    hangzhou = next(r for r in rows if r["slug"] == "hangzhou")
    assert (hangzhou["name"], hangzhou["city"], hangzhou["country"]) == (
        "Hangzhou",
        "Hangzhou",
        "CN",
    )


def test_crown_days_per_city() -> None:
    """Hangzhou held 31 + 13 days, Beijing 15 + 17 by Sep 1; Shanghai never."""
    cities = table(fold_all(mentioned_log().events), "2025-09-01", kind="city")
    assert {slug: row["crown_days"] for slug, row in cities.items()} == {
        "beijing": 32.0,
        "hangzhou": 44.0,
        "london": 0.0,
        "shanghai": 0.0,
    }


def test_crown_days_as_of_a_past_date_stop_there() -> None:
    """As of Aug 10 Qwen's running reign counts 8 days."""
    states = as_of(mentioned_log().events, at("2025-08-10"))
    assert table(states, "2025-08-10")["hangzhou"]["crown_days"] == 39.0
    assert table(states, "2025-08-10")["qwen"]["crown_days"] == 8.0


def test_best_rank_and_top10_count_closed_models_too() -> None:
    """Ranks are board ranks: Gemini is #1, so GLM-4.5 (Beijing's best) is #2."""
    rows = table(fold_all(mentioned_log().events), "2025-09-01")
    assert (rows["beijing"]["best_rank"], rows["beijing"]["top10"]) == (2, 2)
    assert (rows["hangzhou"]["best_rank"], rows["hangzhou"]["top10"]) == (3, 2)
    assert (rows["shanghai"]["best_rank"], rows["shanghai"]["top10"]) == (6, 1)
    assert (rows["stepfun"]["best_rank"], rows["stepfun"]["top10"]) == (None, 0)
    assert rows["google"]["best_rank"] == 1


def test_mentions_in_7_and_30_day_windows() -> None:
    """Windows are (now - N days, now]; a late-found item counts by when it was published."""
    rows = table(fold_all(mentioned_log().events), "2025-09-01")
    assert (rows["moonshot"]["mentions_7d"], rows["moonshot"]["mentions_30d"]) == (3, 5)
    assert (rows["zhipu"]["mentions_7d"], rows["zhipu"]["mentions_30d"]) == (1, 1)
    assert (rows["beijing"]["mentions_7d"], rows["beijing"]["mentions_30d"]) == (4, 6)
    assert rows["hangzhou"]["mentions_30d"] == 0


def test_releases_counted_by_release_date() -> None:
    """By Aug 15: Qwen3-2507, GLM-4.5 and Step 3 fall in the last 30 days."""
    rows = table(fold_all(mentioned_log().events), "2025-08-15")
    assert {s: rows[s]["released_30d"] for s in ("hangzhou", "beijing", "shanghai")} == {
        "hangzhou": 1,
        "beijing": 1,
        "shanghai": 1,
    }
    assert rows["hangzhou"]["released_90d"] == 2
    assert rows["google"]["released_90d"] == 0
    assert rows["google"]["models_released"] == 1
    assert table(fold_all(mentioned_log().events), "2025-06-01")["zhipu"]["models_released"] == 0


def test_kind_filter() -> None:
    """``kind='lab'`` returns labs only."""
    rows = table(fold_all(mentioned_log().events), "2025-09-01", kind="lab")
    assert {row["kind"] for row in rows.values()} == {"lab"}
    assert rows["moonshot"]["city"] == "Beijing"


def test_mention_index_copy_and_round_trip() -> None:
    """A copy keeps its mentions; dump/load keeps times in order."""
    state = fold_all(mentioned_log().events)["places"]
    kept = places.copy(state)
    places.apply(state, Log().mention("kimi-k2", "2025-09-01"))
    assert len(kept.mentions["kimi-k2"]) == 6
    assert places.load(places.dump(state)).mentions == state.mentions
    assert state.mentions["kimi-k2"] == sorted(state.mentions["kimi-k2"])


def _parts(states: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    return states["places"], states["catalog"], states["standings"], states["crown"]
