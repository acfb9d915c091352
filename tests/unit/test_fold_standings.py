"""The standings fold and view: latest score per model under the board's current method."""

from __future__ import annotations

from typing import Any

from service.projections import standings, standings_codec
from service.projections.digest import fold_all
from tests.unit.eventbuilders import Log, cast

BOARD = "lmarena-text"


def view(log: Log, **filters: Any) -> dict[str, Any]:
    states = fold_all(log.events)
    return standings.standings_view(states["standings"], states["catalog"], BOARD, **filters)


def ranking(result: dict[str, Any]) -> list[tuple[int, str, float]]:
    return [(row["rank"], row["model"], row["score"]) for row in result["rows"]]


def test_rows_are_ranked_by_score_with_lab_city_and_open_weights() -> None:
    """Given one snapshot, rows come best first with their lab, city, weights, and the
    board's interval and votes where it published them (null where it did not)."""
    log = cast(Log())
    log.score(BOARD, "gemini-2.5-pro", 1457, "2025-08-15", ci=(1453.5, 1460.5), votes=32880,
              complete=True)  # fmt: skip
    log.snapshot(BOARD, "2025-08-15", {"glm-4.5": 1438, "kimi-k2": 1426})
    result = view(log)
    assert result["leaderboard"] == BOARD
    assert result["method"] == "v1"
    assert result["rows"][0] == {
        "rank": 1,
        "model": "gemini-2.5-pro",
        "lab": "google",
        "city": "London",
        "score": 1457,
        "ci_low": 1453.5,
        "ci_high": 1460.5,
        "votes": 32880,
        "open_weights": False,
        "weights": "closed",
        "board_rank": None,
    }
    assert ranking(result)[1:] == [(2, "glm-4.5", 1438), (3, "kimi-k2", 1426)]
    assert (result["rows"][1]["ci_low"], result["rows"][1]["votes"]) == (None, None)


def test_latest_score_per_model_wins_by_occurred_at() -> None:
    """A newer snapshot replaces a model's score; an older one appended later does not."""
    log = cast(Log())
    log.score(BOARD, "kimi-k2", 1425, "2025-07-18")
    log.score(BOARD, "kimi-k2", 1426, "2025-08-02")
    log.score(BOARD, "kimi-k2", 1401, "2025-07-01")  # backfilled archive row
    assert ranking(view(log)) == [(1, "kimi-k2", 1426)]


def test_equal_scores_share_a_dense_rank_in_slug_order() -> None:
    """Ties get the same rank, ordered by slug; the next score gets the next rank."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-08-01", {"kimi-k2": 1420, "step-3": 1350, "glm-4.5": 1420})
    assert ranking(view(log)) == [(1, "glm-4.5", 1420), (1, "kimi-k2", 1420), (2, "step-3", 1350)]


def test_closed_models_appear_and_can_be_filtered_out() -> None:
    """The open_weights filter keeps board ranks, so an open model can be rank 2."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-08-15", {"glm-4.5": 1438, "gemini-2.5-pro": 1457})
    assert ranking(view(log, open_weights=True)) == [(2, "glm-4.5", 1438)]
    assert ranking(view(log, open_weights=False)) == [(1, "gemini-2.5-pro", 1457)]


def test_lab_and_city_filters() -> None:
    """Filters by lab slug and by city name (any case)."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-08-15", {"glm-4.5": 1438, "kimi-k2": 1426, "step-3": 1350})
    assert [r["model"] for r in view(log, city="beijing")["rows"]] == ["glm-4.5", "kimi-k2"]
    assert [r["model"] for r in view(log, lab="stepfun")["rows"]] == ["step-3"]


def test_board_rank_is_kept_and_a_row_licence_is_only_a_claim() -> None:
    """An unknown model's open licence column makes it claimed (not open); the rank is kept."""
    log = Log()
    log.score(BOARD, "mystery-model", 1300, "2025-08-01", rank=7, license="Apache-2.0")
    log.score(BOARD, "other-model", 1290, "2025-08-01")
    rows = view(log)["rows"]
    assert (rows[0]["weights"], rows[0]["board_rank"], rows[0]["lab"]) == ("claimed", 7, None)
    assert rows[0]["open_weights"] is None
    assert (rows[1]["weights"], rows[1]["open_weights"]) == ("unknown", None)


def test_method_change_starts_fresh_standings() -> None:
    """After a method change only the new method's scores from then on are ranked."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-07-18", {"kimi-k2": 1425, "deepseek-r1-0528": 1424})
    log.method_changed(BOARD, "v2", "2025-07-23", previous="v1")
    assert view(log)["rows"] == []
    log.score(BOARD, "kimi-k2", 1419, "2025-07-24", method="v2")
    log.score(BOARD, "deepseek-r1-0528", 1500, "2025-07-25", method="v1")  # old method: ignored
    result = view(log)
    assert (result["method"], ranking(result)) == ("v2", [(1, "kimi-k2", 1419)])


def test_score_of_another_method_is_not_ranked_before_any_change() -> None:
    """Without a change event the board keeps the method of its earliest score."""
    log = cast(Log())
    log.score(BOARD, "kimi-k2", 1425, "2025-07-18", method="v1")
    log.score(BOARD, "glm-4.5", 63.2, "2025-07-28", method="self-reported-avg12")
    assert ranking(view(log)) == [(1, "kimi-k2", 1425)]


def test_a_mark_changing_the_first_scores_method_drops_that_methods_earlier_rows() -> None:
    """The board's first score sets its method; a later mark of another method starts that
    method's run at the mark, so its partial rows from before the mark are not ranked."""
    log = cast(Log())
    log.score(BOARD, "kimi-k2", 1425, "2025-07-18", method="v1")
    log.score(BOARD, "glm-4.5", 1430, "2025-07-20", method="v2")
    log.method_changed(BOARD, "v2", "2025-07-23", previous="v1")
    result = view(log)
    assert (result["method"], result["rows"]) == ("v2", [])
    log.score(BOARD, "glm-4.5", 1431, "2025-07-24", method="v2")
    assert ranking(view(log)) == [(1, "glm-4.5", 1431)]


def test_unknown_board_is_empty() -> None:
    """A board nothing was reported for has no rows and no method."""
    assert view(Log()) == {"leaderboard": BOARD, "method": None, "rows": []}


def test_copy_is_a_snapshot() -> None:
    """Folding on after a copy leaves the copy as it was."""
    log = cast(Log())
    log.score(BOARD, "kimi-k2", 1425, "2025-07-18")
    state = fold_all(log.events)["standings"]
    kept = standings_codec.copy(state)
    log.score(BOARD, "glm-4.5", 1438, "2025-08-15")
    standings.apply(state, log.events[-1])
    assert standings_codec.dump(kept) != standings_codec.dump(state)
    assert list(standings.ranks(kept, BOARD)) == ["kimi-k2"]


def test_dump_load_round_trip() -> None:
    """A dumped state loads back to an equal state."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-07-18", {"kimi-k2": 1425, "deepseek-r1-0528": 1424})
    log.method_changed(BOARD, "v2", "2025-07-23", previous="v1")
    state = fold_all(log.events)["standings"]
    dumped = standings_codec.dump(state)
    assert standings_codec.dump(standings_codec.load(dumped)) == dumped
