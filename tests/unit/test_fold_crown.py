"""The crown fold: reigns of the strongest open-weights model, in world-time order.

Scores are illustrative mid-2025 LMArena-style values (in the range its text board showed then,
https://lmarena.ai/leaderboard/text), dates are the real
release and hand-over dates of the July-2025 story.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service.projections import crown, crownview
from service.projections.digest import digest, fold_all
from service.projections.timeaxis import as_of, known_at
from tests.unit.eventbuilders import AUG_02, AUG_15, BOARD, JUL_18, JUN_17, Log, at, cast, race_log

NOW = "2025-09-01"


def view(states: dict[str, Any], now: str = NOW) -> dict[str, Any]:
    return crownview.crown_view(states["crown"], states["catalog"], BOARD, at(now))


def spans(result: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(r["model"], r["from"][:10], r["to"] and r["to"][:10]) for r in result["reigns"]]


def test_crown_changes_hands_three_times() -> None:
    """R1-0528 → Kimi K2 → Qwen3-2507 → GLM-4.5, each reign starting at its snapshot."""
    result = view(fold_all(race_log().events))
    assert spans(result) == [
        ("deepseek-r1-0528", "2025-06-17", "2025-07-18"),
        ("kimi-k2", "2025-07-18", "2025-08-02"),
        ("qwen3-235b-a22b-instruct-2507", "2025-08-02", "2025-08-15"),
        ("glm-4.5", "2025-08-15", None),
    ]
    assert [r["days"] for r in result["reigns"]] == [31, 15, 13, 17]
    assert result["holder"] == result["reigns"][-1]
    assert (result["holder"]["lab"], result["holder"]["city"]) == ("zhipu", "Beijing")
    assert result["reigns"][0]["city"] == "Hangzhou"


def test_closed_model_never_holds_the_open_crown() -> None:
    """Gemini leads every snapshot but is Proprietary, so it never appears in a reign."""
    result = view(fold_all(race_log().events))
    assert "gemini-2.5-pro" not in {r["model"] for r in result["reigns"]}


def test_days_of_the_current_reign_count_up_to_now() -> None:
    """The current reign's days run to the ``now`` passed in, with one decimal."""
    result = view(fold_all(race_log().events), now="2025-08-16T12:00:00Z")
    assert result["holder"]["days"] == 1.5
    assert result["holder"]["to"] is None


def test_backfilled_score_changes_a_past_reign_as_of_but_not_known_at() -> None:
    """An archived Jul-14 snapshot appended in September moves Kimi's reign start earlier."""
    log = race_log()
    with log.batch("2025-09-01T00:00:00Z"):
        log.snapshot(BOARD, "2025-07-14", {"kimi-k2": 1422, "deepseek-r1-0528": 1421})
    before_backfill = at("2025-08-31")

    now_view = spans(view(as_of(log.events, at(NOW))))
    shown_then = spans(view(known_at(log.events, before_backfill)))

    assert now_view[:2] == [
        ("deepseek-r1-0528", "2025-06-17", "2025-07-14"),
        ("kimi-k2", "2025-07-14", "2025-08-02"),
    ]
    assert shown_then[:2] == [
        ("deepseek-r1-0528", "2025-06-17", "2025-07-18"),
        ("kimi-k2", "2025-07-18", "2025-08-02"),
    ]


def test_as_of_ends_reigns_at_that_time() -> None:
    """As of Jul 20 Kimi holds (to=null) and nothing later is known."""
    result = view(as_of(race_log().events, at("2025-07-20")), now="2025-07-20")
    assert spans(result) == [
        ("deepseek-r1-0528", "2025-06-17", "2025-07-18"),
        ("kimi-k2", "2025-07-18", None),
    ]
    assert result["holder"]["days"] == 2


def test_backfill_gives_the_same_state_as_time_ordered_arrival() -> None:
    """Snapshots appended out of time order replay to the same reigns as in-order ones."""
    in_order = race_log()
    shuffled = cast(Log())
    for when, rows in (("2025-08-15", AUG_15), ("2025-06-17", JUN_17)):
        shuffled.snapshot(BOARD, when, rows)
    for when, rows in (("2025-08-02", AUG_02), ("2025-07-18", JUL_18)):
        shuffled.snapshot(BOARD, when, rows)
    assert view(fold_all(shuffled.events)) == view(fold_all(in_order.events))


def test_tied_scores_crown_the_smaller_slug() -> None:
    """Equal scores at the top: the holder is the model whose slug sorts first."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-08-01", {"kimi-k2": 1420, "glm-4.5": 1420, "step-3": 1350})
    assert view(fold_all(log.events))["holder"]["model"] == "glm-4.5"


def test_co_holders_are_open_models_whose_interval_overlaps_the_leaders() -> None:
    """Style-controlled Dec-2025 CIs: three open models overlap Qwen3-2507, GLM-4.5 does not."""
    log = cast(Log())
    log.model("kimi-k2-0905", "Kimi K2 0905", "moonshot", "2025-09-05", family="kimi-k2")
    log.released(
        "kimi-k2-0905",
        "2025-09-05",
        "2025-09-05",
        license="Modified MIT",
        repo="moonshotai/Kimi-K2-Instruct-0905",
    )
    when = "2025-12-11"
    log.score(BOARD, "qwen3-235b-a22b-instruct-2507", 1421.2, when, ci=(1417.5, 1424.9))
    log.score(BOARD, "kimi-k2-0905", 1418.4, when, ci=(1411.8, 1424.9))
    log.score(BOARD, "deepseek-r1-0528", 1417.9, when, ci=(1412.3, 1423.5))
    log.score(BOARD, "kimi-k2", 1417.0, when, ci=(1412.2, 1421.8))
    log.score(BOARD, "glm-4.5", 1408.7, when, ci=(1403.8, 1413.6))
    log.score(BOARD, "gemini-2.5-pro", 1420.0, when, ci=(1415.0, 1425.0))
    holder = view(fold_all(log.events), now="2025-12-12")["holder"]
    assert holder["model"] == "qwen3-235b-a22b-instruct-2507"
    assert holder["co_holders"] == ["deepseek-r1-0528", "kimi-k2", "kimi-k2-0905"]


def test_changing_co_holders_alone_keeps_the_reign() -> None:
    """A challenger moving into the leader's CI updates co_holders but starts no new reign."""
    log = cast(Log())
    log.score(BOARD, "glm-4.5", 1430, "2025-08-10", ci=(1425, 1435))
    log.score(BOARD, "kimi-k2", 1410, "2025-08-10", ci=(1405, 1415))
    log.score(BOARD, "kimi-k2", 1421, "2025-08-20", ci=(1416, 1426))
    result = view(fold_all(log.events))
    assert spans(result) == [("glm-4.5", "2025-08-10", None)]
    assert result["holder"]["co_holders"] == ["kimi-k2"]


def test_ended_reign_keeps_the_co_holders_it_had_last() -> None:
    """When the crown passes, the old reign keeps the co-holders of its final moment."""
    log = cast(Log())
    log.score(BOARD, "glm-4.5", 1430, "2025-08-10", ci=(1425, 1435))
    log.score(BOARD, "kimi-k2", 1428, "2025-08-10", ci=(1423, 1433))
    log.score(BOARD, "qwen3-235b-a22b-instruct-2507", 1440, "2025-08-20", ci=(1436, 1444))
    reigns = view(fold_all(log.events))["reigns"]
    assert reigns[0]["co_holders"] == ["kimi-k2"]
    assert reigns[1]["co_holders"] == []


def test_a_proprietary_claim_never_closes_weights_whose_repository_is_known() -> None:
    """GLM-4.5 said Proprietary on Sep 1: its weights are still downloadable, its reign goes on."""
    log = race_log()
    log.license_changed("glm-4.5", "Proprietary", "2025-09-01", previous="MIT")
    result = view(fold_all(log.events), now="2025-09-10")
    assert spans(result)[-1] == ("glm-4.5", "2025-08-15", None)


def test_under_the_claimed_rule_a_claim_turning_proprietary_ends_the_reign() -> None:
    """A claimed-only model crowned under ``claimed`` loses the crown when it turns closed."""
    log = Log()
    log.append("CrownRuleChanged", "crown:rule", {"weights": "claimed"}, "1970-01-01")
    log.score(BOARD, "mystery-open", 1430, "2025-08-01", license="MIT")
    log.score(BOARD, "runner-up", 1420, "2025-08-01", license="Apache-2.0")
    log.license_changed("mystery-open", "Proprietary", "2025-09-01", previous="MIT")
    result = view(fold_all(log.events), now="2025-09-10")
    assert spans(result) == [
        ("mystery-open", "2025-08-01", "2025-09-01"),
        ("runner-up", "2025-09-01", None),
    ]


def test_method_change_restarts_the_crown_from_the_new_methods_scores() -> None:
    """After the Jul-23 method change the board is empty until new-method scores arrive."""
    log = race_log()
    log.method_changed(BOARD, "v2", "2025-08-20", previous="v1")
    log.snapshot(BOARD, "2025-08-25", {"kimi-k2": 1400, "glm-4.5": 1390}, method="v2")
    log.score(BOARD, "glm-4.5", 1500, "2025-08-26", method="v1")  # stale method: ignored
    result = view(fold_all(log.events))
    assert spans(result)[-2:] == [
        ("glm-4.5", "2025-08-15", "2025-08-20"),
        ("kimi-k2", "2025-08-25", None),
    ]


def test_method_change_with_the_same_leader_continues_the_reign() -> None:
    """If the leader under the new method is the same model, its reign goes on."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-07-18", {"kimi-k2": 1425, "deepseek-r1-0528": 1424})
    with log.batch("2025-09-01T00:00:00Z"):
        log.score(BOARD, "kimi-k2", 1419, "2025-07-23", method="v2")  # row before the change
        log.method_changed(BOARD, "v2", "2025-07-23", previous="v1")
        log.score(BOARD, "deepseek-r1-0528", 1415, "2025-07-23", method="v2")
    assert spans(view(fold_all(log.events))) == [("kimi-k2", "2025-07-18", None)]


def test_rows_of_one_snapshot_leave_no_zero_length_reign() -> None:
    """Rows sharing a snapshot time hand the crown over once, whatever their order."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-07-18", {"kimi-k2": 1425, "deepseek-r1-0528": 1424})
    log.snapshot(BOARD, "2025-08-02", {"kimi-k2": 1410, "deepseek-r1-0528": 1412, "glm-4.5": 1430})
    assert spans(view(fold_all(log.events))) == [
        ("kimi-k2", "2025-07-18", "2025-08-02"),
        ("glm-4.5", "2025-08-02", None),
    ]


def test_checkpoint_spacing_does_not_change_the_result() -> None:
    """Replaying from a checkpoint after a backfill equals replaying from the start."""
    log = race_log()
    settled_at = len(log.events)
    start = at("2025-06-01")
    for day in range(60):
        log.score(BOARD, "minimax-m1", 1300 + day, start + timedelta(days=day))
    states = {"crown": crown.initial(checkpoint_every=3)}
    plain = {"crown": crown.initial()}
    for number, event in enumerate(log.events):
        if number == settled_at:  # the race so far is settled: what follows is a backfill
            crown.settle(states["crown"])
            assert len(states["crown"].checkpoints) > 2
        crown.apply(states["crown"], event)
        crown.apply(plain["crown"], event)
    assert states["crown"].dirty_from is not None
    assert digest("crown", states["crown"]) == digest("crown", plain["crown"])


def test_no_board_means_no_holder() -> None:
    """A board nothing was reported for has no holder and no reigns."""
    result = view(fold_all(cast(Log()).events))
    assert result == {"leaderboard": BOARD, "holder": None, "reigns": [], "contenders": []}


def test_an_interval_that_only_touches_the_leaders_makes_a_co_holder() -> None:
    """Intervals are closed: a challenger whose upper bound equals the leader's lower bound
    overlaps it (a co-holder); one a hair below does not."""
    log = cast(Log())
    log.score(BOARD, "glm-4.5", 1430, "2025-08-10", ci=(1425.0, 1435.0))
    log.score(BOARD, "kimi-k2", 1420, "2025-08-10", ci=(1415.0, 1425.0))  # touches at 1425
    log.score(BOARD, "deepseek-r1-0528", 1419, "2025-08-10", ci=(1414.0, 1424.99))  # apart
    holder = view(fold_all(log.events))["holder"]
    assert holder["model"] == "glm-4.5"
    assert holder["co_holders"] == ["kimi-k2"]


def test_an_interval_that_starts_where_the_leaders_ends_makes_a_co_holder() -> None:
    """The other side of a closed interval: a challenger tied on score (the leader wins the tie
    by slug) whose lower bound equals the leader's upper bound overlaps it; a hair above does
    not. Together with the test above, both ends of the overlap rule are pinned."""
    log = cast(Log())
    log.score(BOARD, "glm-4.5", 1430, "2025-08-10", ci=(1420.0, 1430.0))
    log.score(BOARD, "kimi-k2", 1430, "2025-08-10", ci=(1430.0, 1440.0))  # touches at 1430
    log.score(BOARD, "qwen3-235b-a22b-instruct-2507", 1430, "2025-08-10", ci=(1430.01, 1440.0))
    holder = view(fold_all(log.events))["holder"]
    assert holder["model"] == "glm-4.5"
    assert holder["co_holders"] == ["kimi-k2"]


def _fold(events: list[Any], state: crown.CrownState) -> crown.CrownState:
    for event in events:
        crown.apply(state, event)
    return state


def test_a_batch_out_of_order_among_itself_needs_no_replay() -> None:
    """Entries wait for ``settle``, which sorts them: a batch whose entries come in any order
    (none older than what the race has seen) is merely advanced through, with the result of
    folding them in time order."""
    events = race_log().events
    shuffled = crown.initial()
    _fold(events[::-1], shuffled)  # newest first: every entry out of order
    assert shuffled.dirty_from is None  # nothing settled yet, so nothing to replay
    plain = _fold(events, crown.initial())
    assert digest("crown", crown.settle(shuffled)) == digest("crown", crown.settle(plain))


def test_an_entry_older_than_the_race_marks_a_replay() -> None:
    log = race_log()
    state = crown.settle(_fold(log.events, crown.initial()))
    log.score(BOARD, "minimax-m1", 1500, "2025-07-01")  # behind the newest entry settled
    crown.apply(state, log.events[-1])
    assert state.dirty_from is not None and state.dirty_from[0] == at("2025-07-01")
    assert crown.replay_cost(state) > 1
    assert digest("crown", crown.settle(state)) == digest("crown", fold_all(log.events)["crown"])


def test_settle_older_keeps_the_newest_margin_waiting() -> None:
    """Between chunks of a long fold only entries a margin older than the newest advance the
    race; the rest wait, so a score dated a little back in the next chunk costs no replay."""
    log = race_log()
    state = _fold(log.events, crown.initial())
    newest = max(entry[0] for entry in state.pending)
    crown.settle_older(state, margin=timedelta(days=20))
    assert state.pending and all(e[0] >= newest - timedelta(days=20) for e in state.pending)
    assert len(state.timeline) > 0
    assert all(e[0] < newest - timedelta(days=20) for e in state.timeline.entries())
    log.score(BOARD, "minimax-m1", 1500, newest - timedelta(days=5))  # in the margin
    crown.apply(state, log.events[-1])
    assert state.dirty_from is None
    assert digest("crown", crown.settle(state)) == digest("crown", fold_all(log.events)["crown"])


def test_old_replay_checkpoints_are_thinned() -> None:
    """The newest checkpoints stay dense and older ones sparse: their number (race copies)
    grows with the timeline only by a ``SPARSE_EVERY``-th, and a replay from a sparse one still
    gives the same result."""
    log = cast(Log())
    start = at("2025-06-01")
    for step in range(400):
        log.score(BOARD, "kimi-k2", 1300 + step % 7, start + timedelta(hours=step))
    state = crown.settle(_fold(log.events, crown.initial(checkpoint_every=2)))
    entries = len(state.timeline)
    counts = [replayed for replayed, _key, _race in state.checkpoints]
    dense = crown.DENSE_CHECKPOINTS
    assert len(counts) <= dense + entries // (2 * crown.SPARSE_EVERY) + 1
    assert counts[-dense:] == list(range(counts[-1] - 2 * (dense - 1), counts[-1] + 1, 2))
    assert all(n % (2 * crown.SPARSE_EVERY) == 0 for n in counts[:-dense])
    log.score(BOARD, "glm-4.5", 1600, start + timedelta(hours=3))  # far back: a sparse base
    crown.apply(state, log.events[-1])
    assert digest("crown", crown.settle(state)) == digest("crown", fold_all(log.events)["crown"])
