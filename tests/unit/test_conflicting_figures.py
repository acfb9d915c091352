"""Conflicting figures (docs/design.md §4): whose statement a figure is, plausibility flags, the
lab's figure outranking a secondary page's, and the model page's disputes."""

from __future__ import annotations

from typing import Any

import orjson

from jobs.extract.authority import LAB, PRESS, authority_of
from jobs.extract.collect import Fact
from jobs.extract.decide import ModelState
from service.projections import catalog
from service.projections.catalog_view import fact, provenance
from service.projections.digest import digest, fold_all
from service.projections.disputes import disputes_view
from service.projections.plausibility import count_flags
from tests.unit.eventbuilders import Log
from tests.unit.test_decide import news, registered, run

B = 1_000_000_000
LABS = {"glm-4.5": "zhipu", "kimi-k2": "moonshot"}


def _fact(model: str, nominal: bool = False) -> Fact:
    return Fact(model, "params_total", 355 * B, "…", 0.9, nominal)


# -- whose statement ----------------------------------------------------------------------


def test_a_labs_own_source_speaks_with_lab_authority_about_its_own_models_only() -> None:
    """A source whose lab is the model's lab is the lab's statement; a rival named in the same
    item, a press source, or a size read from a name are secondary."""
    own = authority_of("entry", "zhipu", LABS.get)
    assert own(_fact("glm-4.5")) == LAB
    assert own(_fact("kimi-k2")) == PRESS
    assert own(_fact("glm-4.5", nominal=True)) == PRESS
    assert authority_of("entry", None, LABS.get)(_fact("glm-4.5")) == PRESS
    for kind in ("hf-model", "release", "commit"):
        assert authority_of(kind, "zhipu", LABS.get)(_fact("glm-4.5")) == LAB
    assert authority_of("leaderboard", "zhipu", LABS.get)(_fact("glm-4.5")) == PRESS


def test_a_model_card_speaks_for_its_own_model_not_for_the_rivals_in_its_tables() -> None:
    card = authority_of("model-card", None, LABS.get, ["glm-4.5"])
    assert card(_fact("glm-4.5")) == LAB and card(_fact("kimi-k2")) == PRESS


# -- plausibility -------------------------------------------------------------------------


def test_plausibility_flags() -> None:
    """Active above total, an implausible MoE share, ten times off, swapped columns."""
    none: dict[str, int | None] = {"params_total": None, "params_active": None}
    known = {"params_total": 355 * B, "params_active": 32 * B}
    assert count_flags("params_active", 400 * B, none, {"params_total": {355 * B}}) == (
        "active_exceeds_total",
    )
    assert count_flags("params_active", 1 * B, none, {"params_total": {355 * B}}) == ("moe_share",)
    assert count_flags("params_total", 3550 * B, known, {}) == ("moe_share", "magnitude")
    assert "magnitude" in count_flags("params_total", 35 * B, known, {})
    assert "swapped" in count_flags("params_total", 32 * B, known, {})
    # A hundred times off either way (a dropped or an added pair of digits).
    assert "magnitude" in count_flags("params_total", 35_500 * B, known, {})
    assert "magnitude" in count_flags("params_total", 3_550_000_000, known, {})
    # Plausible: the right share, a rounding difference, a dense model's equal counts.
    assert count_flags("params_total", 358 * B, known, {"params_active": {32 * B}}) == ()
    assert count_flags("params_active", 22 * B, none, {"params_total": {235 * B}}) == ()
    assert count_flags("params_active", 8 * B, none, {"params_total": {8 * B}}) == ()


def test_a_flagged_count_is_reported_with_its_flags_at_half_confidence() -> None:
    state = {"glm-4.5": ModelState(registered=True, params_total=355 * B, params_active=32 * B)}
    events = run(news("GLM-4.5 has 3.55 trillion parameters, a source says."), state)
    spec = next(e for e in events if e.type == "ModelSpecReported")
    assert spec.data["params_total"] == 3550 * B
    assert spec.data["flags"] == ["moe_share", "magnitude"]
    assert spec.data["confidence"] < 0.5 and spec.data["authority"] == PRESS


def test_a_dropped_digit_in_the_same_item_is_flagged() -> None:
    """32亿 for 320亿 beside the right total: a 0.9% active share is no 2025 MoE."""
    events = run(news("GLM-4.5总参数3550亿，激活参数32亿。"), registered("glm-4.5"))
    specs = {key: e.data for e in events if e.type == "ModelSpecReported" for key in e.data}
    assert specs["params_active"]["params_active"] == 32 * 10**8
    assert specs["params_active"]["flags"] == ["moe_share"]
    assert "flags" not in specs["params_total"] or specs["params_total"]["flags"] == ["moe_share"]


def test_spec_reports_name_their_authority() -> None:
    """The lab's own feed reports at lab authority, and repeats a figure a secondary page set
    (so the lab's word is on record); a figure the lab already holds is no news."""
    text = "GLM-4.5 is a 355B-parameter MoE model with 32B active parameters."
    press_set = {"glm-4.5": ModelState(registered=True, params_total=355 * B, lab="zhipu")}
    events = run(news(text), press_set, lab_hint="zhipu")
    totals = [e for e in events if e.type == "ModelSpecReported" and "params_total" in e.data]
    assert [e.data["authority"] for e in totals] == [LAB]
    held = {"glm-4.5": ModelState(registered=True, params_total=355 * B, lab="zhipu",
                                  lab_held=frozenset({"params_total"}))}  # fmt: skip
    events = run(news(text), held, lab_hint="zhipu")
    assert not [e for e in events if e.type == "ModelSpecReported" and "params_total" in e.data]
    press = run(news(text), registered("glm-4.5"))
    assert {e.data["authority"] for e in press if e.type == "ModelSpecReported"} == {PRESS}


# -- the conflict rule in the catalog -----------------------------------------------------


def _conflict(order: list[str]) -> Log:
    """Three reports of GLM-4.5's total: a press typo, the lab's card, a press 10× error."""
    reports: dict[str, dict[str, Any]] = {
        "press": dict(when="2025-07-28", params_total=335 * B, confidence=0.9, authority="press"),
        "lab": dict(when="2025-07-29", params_total=355 * B, confidence=0.8, authority="lab"),
        "late": dict(when="2025-08-02", params_total=3550 * B, confidence=0.9, authority="press"),
    }
    log = Log()
    for name in order:
        data = dict(reports[name])
        log.spec("glm-4.5", data.pop("when"), **data)
    return log


def test_the_labs_figure_outranks_a_more_confident_and_later_secondary_page() -> None:
    for order in (["press", "lab", "late"], ["late", "press", "lab"], ["lab", "late", "press"]):
        fields = fold_all(_conflict(order).events)["catalog"].models["glm-4.5"]
        assert fact(fields, "params_total") == 355 * B, order


def test_without_the_lab_the_usual_rule_holds() -> None:
    fields = fold_all(_conflict(["press", "late"]).events)["catalog"].models["glm-4.5"]
    assert fact(fields, "params_total") == 3550 * B  # equal confidence: the later report
    assert disputes_view(fields)["params_total"][1]["flags"] == ["magnitude"]


def test_disputes_show_the_current_figure_and_each_disagreeing_one() -> None:
    log = _conflict(["press", "lab", "late"])
    log.spec("glm-4.5", "2025-08-03", params_total=356 * B, confidence=0.5)  # rounding: agrees
    state = fold_all(log.events)["catalog"]
    disputes = disputes_view(state.models["glm-4.5"])
    assert list(disputes) == ["params_total"]
    rows = disputes["params_total"]
    assert [(r["value"], r["current"], r["authority"]) for r in rows] == [
        (355 * B, True, "lab"),
        (3550 * B, False, "press"),
        (335 * B, False, "press"),
    ]
    assert rows[1]["flags"] == ["magnitude"] and rows[2]["flags"] == []
    assert rows[0]["position"] == provenance(state, "model", "glm-4.5")["params_total"]
    assert "reports" not in provenance(state, "model", "glm-4.5")


def test_no_dispute_when_sources_agree_or_report_one_figure() -> None:
    log = Log()
    log.spec("kimi-k2", "2025-07-11", params_total=1000 * B, authority="lab")
    log.spec("kimi-k2", "2025-07-12", params_total=1040 * B, params_active=32 * B)
    assert disputes_view(fold_all(log.events)["catalog"].models["kimi-k2"]) == {}


def test_disputes_survive_a_snapshot_and_keep_the_digest() -> None:
    log = _conflict(["press", "lab"])
    state = fold_all(log.events)["catalog"]
    loaded = catalog.load(orjson.loads(orjson.dumps(catalog.dump(state))))
    assert disputes_view(loaded.models["glm-4.5"]) == disputes_view(state.models["glm-4.5"])
    more = _conflict(["late"]).events[0]
    catalog.apply(loaded, more)
    catalog.apply(state, more)
    assert disputes_view(loaded.models["glm-4.5"]) == disputes_view(state.models["glm-4.5"])
    assert digest("catalog", loaded) == digest("catalog", state)
