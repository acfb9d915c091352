"""Delisting: standings and crown follow the snapshot in force (docs/design.md §3, §4).

A complete snapshot lists every model the board ranks; a model it no longer lists is off the
board from that snapshot on, at every ``as_of``, whatever order the snapshots arrived in.
"""

from __future__ import annotations

from typing import Any

from service.projections import crownview, standings
from service.projections.digest import fold_all
from service.projections.timeaxis import as_of
from tests.unit.eventbuilders import BOARD, Log, at, cast

SEP = {"deepseek-r1-0528": 1421, "kimi-k2": 1420, "gemini-2.5-pro": 1460, "minimax-m1": 1373}
OCT = {"deepseek-r1-0528": 1423, "gemini-2.5-pro": 1461, "minimax-m1": 1374}  # Kimi K2 left
NOV = {"deepseek-r1-0528": 1422, "kimi-k2": 1420, "gemini-2.5-pro": 1462}  # Kimi K2 back, M1 gone


def board(states: dict[str, Any]) -> list[tuple[str, float]]:
    view = standings.standings_view(states["standings"], states["catalog"], BOARD)
    return [(row["model"], row["score"]) for row in view["rows"]]


def models_at(log: Log, when: str) -> set[str]:
    return {model for model, _score in board(as_of(log.events, at(when)))}


def reigns(states: dict[str, Any], now: str = "2025-12-31") -> list[tuple[str, str, str | None]]:
    result = crownview.crown_view(states["crown"], states["catalog"], BOARD, at(now))
    return [(r["model"], r["from"][:10], r["to"] and r["to"][:10]) for r in result["reigns"]]


def three_snapshots(order: tuple[int, ...] = (0, 1, 2)) -> Log:
    log = cast(Log())
    dated = (("2025-09-01", SEP), ("2025-10-01", OCT), ("2025-11-01", NOV))
    for index in order:
        log.snapshot(BOARD, *dated[index])
    return log


def test_a_model_the_newer_snapshot_does_not_list_is_not_ranked() -> None:
    """Kimi K2 is off the October board; the current view ranks exactly November's."""
    log = three_snapshots()
    assert models_at(log, "2025-09-15") == set(SEP)
    assert models_at(log, "2025-10-15") == set(OCT)
    assert board(fold_all(log.events)) == sorted(NOV.items(), key=lambda item: -item[1])


def test_row_count_equals_the_snapshot_in_force_at_every_as_of() -> None:
    """Before the first snapshot nothing; then each snapshot's own models, no more."""
    log = three_snapshots()
    assert models_at(log, "2025-02-28") == set()
    for when, rows in (("2025-09-01", SEP), ("2025-10-30", OCT), ("2025-11-01", NOV)):
        assert len(board(as_of(log.events, at(when)))) == len(rows)


def test_a_late_snapshot_is_in_force_only_until_the_next_one() -> None:
    """October arrives last (backfilled): it is the board until November; after that
    November's list holds, and minimax-m1 (listed in October, not in November) stays off."""
    late = three_snapshots((0, 2, 1))
    for when in ("2025-09-10", "2025-10-10", "2025-11-10"):
        assert models_at(late, when) == models_at(three_snapshots(), when)
    assert "minimax-m1" not in models_at(late, "2025-11-10")


def test_a_returning_model_is_ranked_with_its_new_score() -> None:
    """Kimi K2 left in October and is listed again in November: ranked again from then."""
    log = three_snapshots()
    assert "kimi-k2" not in models_at(log, "2025-10-20")
    assert ("kimi-k2", 1420) in board(fold_all(log.events))


def test_partial_rows_update_models_without_removing_others() -> None:
    """A top-N extract (``complete: false``) newer than the snapshot changes only its rows."""
    log = three_snapshots()
    log.score(BOARD, "kimi-k2", 1430, "2025-11-10")  # partial by default
    log.score(BOARD, "glm-4.5", 1440, "2025-11-10")
    got = dict(board(fold_all(log.events)))
    assert got == {**NOV, "kimi-k2": 1430, "glm-4.5": 1440}


def test_an_older_partial_row_does_not_bring_back_a_delisted_model() -> None:
    """A top-N row dated before the snapshot in force is not on the board now."""
    log = three_snapshots()
    log.score(BOARD, "minimax-m1", 1380, "2025-10-20")
    assert "minimax-m1" not in models_at(log, "2025-11-02")
    assert "minimax-m1" in models_at(log, "2025-10-25")


def test_a_withdrawal_takes_the_model_off_until_it_is_listed_again() -> None:
    """``ScoreWithdrawn`` later than the model's row removes it; a newer row restores it."""
    log = three_snapshots()
    log.withdrawn(BOARD, "kimi-k2", 1420, "2025-11-20")
    assert "kimi-k2" not in dict(board(fold_all(log.events)))
    assert "kimi-k2" in models_at(log, "2025-11-19")
    log.score(BOARD, "kimi-k2", 1419, "2025-11-25")
    assert dict(board(fold_all(log.events)))["kimi-k2"] == 1419


def test_a_withdrawal_older_than_the_row_changes_nothing() -> None:
    """A withdrawal recorded late for an older date does not remove a newer listing."""
    log = three_snapshots()
    log.withdrawn(BOARD, "kimi-k2", 1420, "2025-10-01")
    assert "kimi-k2" in dict(board(fold_all(log.events)))


def test_the_snapshot_of_a_new_method_is_the_board_after_the_change() -> None:
    """After a method change, only the new method's latest complete snapshot is ranked."""
    log = three_snapshots()
    log.method_changed(BOARD, "v2", "2025-11-15", previous="v1")
    log.snapshot(BOARD, "2025-11-15", {"kimi-k2": 1400, "glm-4.5": 1405}, method="v2")
    log.snapshot(BOARD, "2025-11-20", {"glm-4.5": 1406}, method="v2")
    assert board(fold_all(log.events)) == [("glm-4.5", 1406)]
    assert models_at(log, "2025-11-16") == {"kimi-k2", "glm-4.5"}


def test_a_delisted_holder_loses_the_crown_at_that_snapshot() -> None:
    """R1-0528 leads in September; the October board no longer lists it, so Kimi K2 holds
    until R1-0528 is listed again in November."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-09-01", SEP)
    log.snapshot(BOARD, "2025-10-01", {"kimi-k2": 1420, "minimax-m1": 1374})
    log.snapshot(BOARD, "2025-11-01", NOV)
    assert reigns(fold_all(log.events)) == [
        ("deepseek-r1-0528", "2025-09-01", "2025-10-01"),
        ("kimi-k2", "2025-10-01", "2025-11-01"),
        ("deepseek-r1-0528", "2025-11-01", None),
    ]


def test_a_withdrawal_event_ends_the_holders_reign_then() -> None:
    """A withdrawal of the holder between snapshots hands the crown over at its time."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-09-01", SEP)
    log.withdrawn(BOARD, "deepseek-r1-0528", 1421, "2025-09-10")
    assert reigns(fold_all(log.events)) == [
        ("deepseek-r1-0528", "2025-09-01", "2025-09-10"),
        ("kimi-k2", "2025-09-10", None),
    ]


def test_co_holders_leave_with_their_model() -> None:
    """A model off the board is no co-holder of the current reign, nor of a reign that ends
    after it left (Kimi K2 leaves on Aug 20; GLM-4.5's reign ends on Aug 30)."""
    log = cast(Log())
    log.score(BOARD, "glm-4.5", 1430, "2025-08-10", ci=(1425, 1435), complete=True)
    log.score(BOARD, "kimi-k2", 1428, "2025-08-10", ci=(1423, 1433), complete=True)
    log.score(BOARD, "step-3", 1427, "2025-08-10", ci=(1422, 1432), complete=True)
    assert _holder(log)["co_holders"] == ["kimi-k2", "step-3"]
    log.score(BOARD, "glm-4.5", 1430, "2025-08-20", ci=(1425, 1435), complete=True)
    log.score(BOARD, "step-3", 1427, "2025-08-20", ci=(1422, 1432), complete=True)
    assert _holder(log)["co_holders"] == ["step-3"]
    log.score(BOARD, "qwen3-235b-a22b-instruct-2507", 1440, "2025-08-30", ci=(1436, 1444),
              complete=True)  # fmt: skip
    ended = crownview.crown_view(
        fold_all(log.events)["crown"], fold_all(log.events)["catalog"], BOARD, at("2025-09-01")
    )["reigns"][0]
    assert (ended["model"], ended["co_holders"]) == ("glm-4.5", ["step-3"])


def test_reigns_follow_a_late_snapshot_that_delists_the_holder() -> None:
    """An archived snapshot found later, without the holder, ends its reign in the past."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-09-01", SEP)
    log.snapshot(BOARD, "2025-11-01", NOV)
    with log.batch("2025-12-10T00:00:00Z"):
        log.snapshot(BOARD, "2025-10-01", {"kimi-k2": 1420, "gemini-2.5-pro": 1461})
    assert reigns(fold_all(log.events)) == [
        ("deepseek-r1-0528", "2025-09-01", "2025-10-01"),
        ("kimi-k2", "2025-10-01", "2025-11-01"),
        ("deepseek-r1-0528", "2025-11-01", None),
    ]


def _holder(log: Log) -> dict[str, Any]:
    states = fold_all(log.events)
    holder = crownview.crown_view(states["crown"], states["catalog"], BOARD, at("2025-09-01"))
    return holder["holder"]  # type: ignore[no-any-return]
