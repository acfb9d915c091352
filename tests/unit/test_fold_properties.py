"""Properties of the folds over random event sequences (Hypothesis).

The sequences are small but dense: few models, two boards, two methods, scores in a narrow
band (so ties and CI overlaps are common), licenses flipping, complete snapshots (models leave
and come back) beside partial rows and withdrawals, and occurred_at independent of the append
order (so backfills are common).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from service.projections import crown, crownview, digest, places, standings, timeaxis
from service.projections.catalog_view import lab_view, model_view
from service.projections.digest import digests, fold_all
from service.projections.weights import allowed
from tests.unit.eventbuilders import Log

MODELS = ("a-1", "b-2", "c-3", "d-4")
LABS = ("lab-x", "lab-y", "lab-z")
BOARDS = ("board-1", "board-2")
START = datetime(2025, 6, 1, tzinfo=UTC)
END = START + timedelta(days=90)

model = st.sampled_from(MODELS)
confidence = st.sampled_from([None, 0.5, 0.9])
license_name = st.sampled_from(["Apache-2.0", "MIT", "Proprietary", "proprietary"])
RULES = ["open", "open", "claimed"]

ops = st.one_of(
    st.tuples(
        st.just("score"),
        st.fixed_dictionaries(
            {
                "board": st.sampled_from(BOARDS),
                "model": model,
                "method": st.sampled_from(["m1", "m1", "m1", "m2"]),
                "value": st.integers(1395, 1400),
                "spread": st.none() | st.integers(0, 3),
                "hint": st.sampled_from([None, None, "Apache-2.0", "Proprietary"]),
            }
        ),
    ),
    st.tuples(
        st.just("snapshot"),
        st.fixed_dictionaries(
            {
                "board": st.sampled_from(BOARDS),
                "method": st.sampled_from(["m1", "m1", "m2"]),
                "rows": st.dictionaries(model, st.integers(1395, 1400), min_size=1, max_size=4),
            }
        ),
    ),
    st.tuples(
        st.just("withdraw"),
        st.fixed_dictionaries({"board": st.sampled_from(BOARDS), "model": model}),
    ),
    st.tuples(
        st.just("method"),
        st.fixed_dictionaries(
            {"board": st.sampled_from(BOARDS), "method": st.sampled_from(["m1", "m2"])}
        ),
    ),
    st.tuples(
        st.just("release"),
        st.fixed_dictionaries(
            {
                "model": model,
                "license": license_name,
                "confidence": confidence,
                "repo": st.booleans(),
            }
        ),
    ),
    st.tuples(st.just("verified"), st.fixed_dictionaries({"model": model})),
    st.tuples(st.just("rule"), st.fixed_dictionaries({"weights": st.sampled_from(RULES)})),
    st.tuples(
        st.just("license"),
        st.fixed_dictionaries({"model": model, "license": license_name, "confidence": confidence}),
    ),
    st.tuples(st.just("mention"), st.fixed_dictionaries({"model": model})),
    st.tuples(
        st.just("downloads"),
        st.fixed_dictionaries({"model": model, "downloads": st.integers(0, 10**6)}),
    ),
    st.tuples(
        st.just("lab"),
        st.fixed_dictionaries(
            {"lab": st.sampled_from(LABS), "city": st.sampled_from(["Beijing", "Hangzhou"])}
        ),
    ),
    st.tuples(
        st.just("register"),
        st.fixed_dictionaries({"model": model, "lab": st.sampled_from(LABS)}),
    ),
)
timed_op = st.tuples(ops, st.integers(0, 60 * 24 - 1))  # occurred_at: any hour of 60 days
batches = st.lists(st.lists(timed_op, min_size=1, max_size=6), min_size=1, max_size=10)


def _append(log: Log, op: tuple[str, dict[str, Any]], when: datetime) -> None:
    kind, p = op
    day = when.strftime("%Y-%m-%d")
    if kind == "score":
        fields: dict[str, Any] = {} if p["hint"] is None else {"license": p["hint"]}
        spread = p["spread"]
        ci = None if spread is None else (p["value"] - spread, p["value"] + spread)
        log.score(p["board"], p["model"], p["value"], when, p["method"], ci=ci, **fields)
    elif kind == "snapshot":
        log.snapshot(p["board"], when, p["rows"], p["method"])
    elif kind == "withdraw":
        log.withdrawn(p["board"], p["model"], 1397, when)
    elif kind == "method":
        log.method_changed(p["board"], p["method"], when.isoformat())
    elif kind in ("release", "license"):
        extra = {} if p["confidence"] is None else {"confidence": p["confidence"]}
        if kind == "release":
            if p["repo"]:  # a listing entry: the weights repository is evidence
                extra["repo"] = f"org/{p['model']}"
            log.released(p["model"], day, when.isoformat(), license=p["license"], **extra)
        else:
            log.license_changed(p["model"], p["license"], when.isoformat(), **extra)
    elif kind == "verified":
        data = {"model": p["model"], "repo": f"org/{p['model']}-v"}
        log.append("WeightsRepoVerified", f"model:{p['model']}", data, when)
    elif kind == "rule":
        log.append("CrownRuleChanged", "crown:rule", {"weights": p["weights"]}, when)
    elif kind == "mention":
        log.mention(p["model"], when)
    elif kind == "downloads":
        log.downloads(p["model"], p["downloads"], when.isoformat())
    elif kind == "lab":
        log.lab(p["lab"], p["lab"].upper(), p["city"], "CN", when.isoformat())
    else:
        log.model(p["model"], p["model"].upper(), p["lab"], when.isoformat())


def build(groups: list[list[tuple[tuple[str, dict[str, Any]], int]]]) -> Log:
    """Append each group as one batch, recorded after everything it reports occurred."""
    log = Log()
    for index, group in enumerate(groups):
        with log.batch(END + timedelta(hours=index)):
            for op, hour in group:
                _append(log, op, START + timedelta(hours=hour))
    return log


def views(states: dict[str, Any]) -> dict[str, Any]:
    """Everything a user can see of ``states``."""
    cat, now = states["catalog"], END
    return {
        "models": {slug: model_view(cat, slug) for slug in MODELS},
        "labs": {slug: lab_view(cat, slug) for slug in LABS},
        "standings": {b: standings.standings_view(states["standings"], cat, b) for b in BOARDS},
        "crown": {b: crownview.crown_view(states["crown"], cat, b, now) for b in BOARDS},
        "places": places.places_view(
            states["places"], cat, states["standings"], states["crown"], BOARDS[0], now
        ),
    }


@settings(max_examples=150, deadline=None)
@given(batches)
def test_incremental_fold_equals_full_rebuild(groups: Any) -> None:
    """Each fold's own ``apply``, event by event, gives the digests of ``fold_all``."""
    log = build(groups)
    states = digest.initial_states()
    for event in log.events:
        for name, (_initial, apply) in digest.FOLDS.items():
            states[name] = apply(states[name], event)
    assert digests(states) == digests(fold_all(log.events))


@settings(max_examples=150, deadline=None)
@given(batches, st.lists(st.integers(0, 60), max_size=4))
def test_folding_in_chunks_through_dump_and_load_equals_full_rebuild(
    groups: Any, cuts: list[int]
) -> None:
    """Stopping anywhere, dumping to JSON-safe dicts and loading back changes nothing."""
    log = build(groups)
    bounds = sorted({min(cut, len(log.events)) for cut in cuts} | {0, len(log.events)})
    states = None
    for low, high in pairwise(bounds):
        states = fold_all(log.events[low:high], states)
        states = digest.load_all(digest.dump_all(states))
    assert states is not None
    assert digests(states) == digests(fold_all(log.events))


@settings(max_examples=100, deadline=None)
@given(batches)
def test_as_of_the_end_of_time_is_the_current_state(groups: Any) -> None:
    """``as_of(+inf)`` folds every event, so it is today's state."""
    log = build(groups)
    forever = datetime.max.replace(tzinfo=UTC)
    assert digests(timeaxis.as_of(log.events, forever)) == digests(fold_all(log.events))


@settings(max_examples=100, deadline=None)
@given(batches, st.data())
def test_known_at_a_recorded_time_is_the_log_up_to_that_append(groups: Any, data: Any) -> None:
    """``known_at(recorded_at of event p)`` is the fold of the log through p's append batch."""
    log = build(groups)
    p = data.draw(st.integers(1, len(log.events)))
    recorded = log.events[p - 1].recorded_at
    last = max(e.position for e in log.events if e.recorded_at == recorded)
    expected = digests(fold_all(log.events[:last]))
    assert digests(timeaxis.known_at(log.events, recorded)) == expected
    assert digests(timeaxis.at_position(log.events, last)) == expected


@settings(max_examples=100, deadline=None)
@given(batches, st.data())
def test_a_snapshot_is_unchanged_by_folding_on(groups: Any, data: Any) -> None:
    """Snapshot on or off: the snapshot keeps the prefix state, the original reaches the end."""
    log = build(groups)
    p = data.draw(st.integers(0, len(log.events)))
    states = fold_all(log.events[:p])
    kept = digest.snapshot(states)
    prefix = digests(kept)
    fold_all(log.events[p:], states)
    assert digests(kept) == prefix == digests(fold_all(log.events[:p]))
    assert digests(states) == digests(fold_all(log.events))


@settings(max_examples=100, deadline=None)
@given(batches)
def test_checkpoint_spacing_never_changes_the_crown(groups: Any) -> None:
    """Replaying from checkpoints after backfills equals replaying from the start."""
    log = build(groups)
    tight = crown.initial(checkpoint_every=2)
    for index, event in enumerate(log.events):
        crown.apply(tight, event)
        following = log.events[index + 1] if index + 1 < len(log.events) else None
        if following is None or following.recorded_at != event.recorded_at:
            crown.settle(tight)  # as a catch-up does after each append
    assert digest.digest("crown", tight) == digest.digest("crown", fold_all(log.events)["crown"])


@settings(max_examples=150, deadline=None)
@given(st.lists(ops, min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_what_users_see_does_not_depend_on_arrival_order(op_list: Any, rnd: Any) -> None:
    """With distinct occurred_at, appending in any order gives the same views as in time order."""
    slots = list(range(len(op_list)))
    rnd.shuffle(slots)
    timed = list(zip(op_list, (slot * 7 for slot in slots), strict=True))
    arrival = build([timed])
    in_time = build([sorted(timed, key=lambda item: item[1])])
    assert views(fold_all(arrival.events)) == views(fold_all(in_time.events))


# The first score (m1) sets the method; the m2 mark starts m2's run, so b-2's earlier m2 row
# is ranked by neither fold (the standings once ranked it: the first score was not a method).
_METHOD_RUN = [[
    (("verified", {"model": "b-2"}), 0),
    (("score", {"board": "board-1", "model": "a-1", "method": "m1", "value": 1395,
                "spread": None, "hint": None}), 1),
    (("score", {"board": "board-1", "model": "b-2", "method": "m2", "value": 1395,
                "spread": None, "hint": None}), 2),
    (("method", {"board": "board-1", "method": "m2"}), 3),
]]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(batches)
@example(_METHOD_RUN)
def test_crown_holder_is_the_best_open_row_of_the_standings(groups: Any) -> None:
    """Two folds, one answer: the holder is the first row whose weights status the crown rule
    allows (``open``, or ``open``/``claimed`` under the claimed rule)."""
    states = fold_all(build(groups).events)
    rule = states["crown"].race.rule
    for board in BOARDS:
        rows = standings.standings_view(states["standings"], states["catalog"], board)["rows"]
        best = next((row["model"] for row in rows if allowed(row["weights"], rule)), None)
        holder = crownview.crown_view(states["crown"], states["catalog"], board, END)["holder"]
        assert (holder and holder["model"]) == best


def test_every_fold_ignores_event_types_it_does_not_fold() -> None:
    """Source-item events (and any other type a fold has no handler for) change nothing."""
    log = build([[(("score", {"board": "board-1", "model": "a-1", "method": "m1",
                              "value": 1398, "spread": 2, "hint": "MIT"}), 5)]])  # fmt: skip
    before = digests(fold_all(log.events))
    data = {"source_id": "lmarena", "item_id": "snap-1", "sha256": "0" * 64}
    log.append("ItemObserved", "source:lmarena", data, END)
    states = fold_all(log.events[:-1])
    for name, (_initial, apply) in digest.FOLDS.items():
        states[name] = apply(states[name], log.events[-1])
    assert digests(states) == before
