"""Deciding a leaderboard snapshot against its neighbours in world time (docs/design.md §3-§5).

Withdrawals and method marks are decided against the snapshot in force at the new snapshot's
``as_of`` and, for a snapshot that arrives late, against the next one — never against the
board's latest state.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.unit.boardharness import BOARD, Arrivals


def day(month: int, date: int) -> datetime:
    return datetime(2025, month, date, tzinfo=UTC)


MAR = {"deepseek-r1-0528": 1421.0, "kimi-k2-0711-preview": 1420.0, "gemini-x": 1460.0}
APR = {"deepseek-r1-0528": 1423.0, "gemini-x": 1461.0}


def of_type(events: list[Any], type_name: str) -> list[Any]:
    return [event for event in events if event.type == type_name]


def test_a_first_snapshot_records_no_method_change() -> None:
    """Nothing is in force before a board's first snapshot: no ``previous: null`` change."""
    board = Arrivals()
    events = board.snapshot(day(3, 1), MAR, method="clt-2025-07-23")
    assert of_type(events, "LeaderboardMethodChanged") == []
    assert len(of_type(events, "ScoreReported")) == 3


def test_a_method_other_than_the_one_in_force_is_marked_before_the_scores() -> None:
    """The change names the method in force at the snapshot's as_of as ``previous``."""
    board = Arrivals()
    board.snapshot(day(3, 1), MAR, method="v1")
    events = board.snapshot(day(4, 1), APR, method="v2")
    change = events[0]
    assert (change.type, change.data) == (
        "LeaderboardMethodChanged",
        {"leaderboard": BOARD, "method": "v2", "previous": "v1"},
    )
    assert change.occurred_at == day(4, 1)


def test_a_complete_snapshot_withdraws_what_it_no_longer_lists() -> None:
    """Kimi is not on the April board: one ``ScoreWithdrawn`` at April, with its last value."""
    board = Arrivals()
    board.snapshot(day(3, 1), MAR)
    events = board.snapshot(day(4, 1), APR)
    (withdrawn,) = of_type(events, "ScoreWithdrawn")
    assert withdrawn.stream == "model:kimi-k2-0711-preview"
    assert withdrawn.data == {
        "model": "kimi-k2-0711-preview",
        "leaderboard": BOARD,
        "method": "v1",
        "as_of": "2025-04-01T00:00:00.000000+00:00",
        "value": 1420.0,
    }
    assert withdrawn.occurred_at == day(4, 1)


def test_a_partial_snapshot_withdraws_nothing_and_says_so_on_its_rows() -> None:
    """A top-N extract (``complete: false``) leaves the models it omits on the board."""
    board = Arrivals()
    board.snapshot(day(3, 1), MAR)
    events = board.snapshot(day(4, 1), {"gemini-x": 1462.0}, complete=False)
    assert of_type(events, "ScoreWithdrawn") == []
    assert [e.data["complete"] for e in of_type(events, "ScoreReported")] == [False]
    models = {row["model"] for row in board.views(day(4, 2))["standings"]["rows"]}
    assert models == set(MAR)


def test_a_model_that_returns_is_reported_again_with_an_unchanged_value() -> None:
    """Kimi leaves in April and comes back in May at the value it left with."""
    board = Arrivals()
    board.snapshot(day(3, 1), MAR)
    board.snapshot(day(4, 1), APR)
    events = board.snapshot(day(5, 1), MAR)
    scores = of_type(events, "ScoreReported")
    kimi = [e for e in scores if e.data["model"] == "kimi-k2-0711-preview"]
    assert [(e.data["value"], e.occurred_at) for e in kimi] == [(1420.0, day(5, 1))]
    assert of_type(events, "ScoreWithdrawn") == []


def test_a_late_snapshot_withdraws_against_both_neighbours() -> None:
    """March and May are in the log; April arrives: Kimi (March, not April) leaves in April,
    and GLM (April only) leaves again in May."""
    board = Arrivals()
    board.snapshot(day(3, 1), MAR)
    board.snapshot(day(5, 1), MAR)
    events = board.snapshot(day(4, 1), {**APR, "glm-4.5": 1430.0})
    gone = {(e.data["model"], e.occurred_at) for e in of_type(events, "ScoreWithdrawn")}
    assert gone == {("kimi-k2-0711-preview", day(4, 1)), ("glm-4.5", day(5, 1))}
    april = {row["model"] for row in board.views(day(4, 15))["standings"]["rows"]}
    may = {row["model"] for row in board.views(day(5, 15))["standings"]["rows"]}
    assert (april, may) == ({*APR, "glm-4.5"}, set(MAR))


def test_a_late_snapshot_under_an_older_method_records_no_change_anywhere() -> None:
    """Poll first (v2, July), then the archive (v1, March): nothing was in force before
    either, and a complete snapshot carries its method, so no mark is needed — each date
    ranks its own snapshot's method."""
    board = Arrivals()
    board.snapshot(day(7, 1), MAR, method="v2")
    events = board.snapshot(day(3, 1), MAR, method="v1")
    assert of_type(events, "LeaderboardMethodChanged") == []
    assert board.views(day(3, 2))["standings"]["method"] == "v1"
    assert board.views(day(7, 2))["standings"]["method"] == "v2"


def test_a_late_snapshot_marks_a_partial_next_snapshot_of_another_method() -> None:
    """A top-N extract (v2, July) came first; the archive (v1, March) marks v2 at July, as
    the extract would have been marked had it been decided after March."""
    board = Arrivals()
    board.snapshot(day(7, 1), APR, method="v2", complete=False)
    events = board.snapshot(day(3, 1), MAR, method="v1")
    (change,) = of_type(events, "LeaderboardMethodChanged")
    assert (change.data["method"], change.data["previous"], change.occurred_at) == (
        "v2",
        "v1",
        day(7, 1),
    )
    assert board.views(day(7, 2))["standings"]["method"] == "v2"


def test_a_change_already_marked_after_the_late_snapshot_is_not_marked_again() -> None:
    """With v2 marked in June, a late v1 snapshot in May adds no mark at the July extract."""
    board = Arrivals()
    board.snapshot(day(3, 1), MAR, method="v1")
    board.snapshot(day(6, 1), MAR, method="v2")
    board.snapshot(day(7, 1), MAR, method="v2", complete=False)
    events = board.snapshot(day(5, 1), MAR, method="v1")
    assert of_type(events, "LeaderboardMethodChanged") == []


def test_deciding_the_same_snapshot_again_adds_nothing() -> None:
    """Same item, same facts, same keys: nothing is appended twice."""
    board = Arrivals()
    board.snapshot(day(3, 1), MAR)
    board.snapshot(day(4, 1), APR)
    assert board.snapshot(day(4, 1), APR) == []
