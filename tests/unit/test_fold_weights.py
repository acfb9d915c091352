"""Weights status (open | claimed | closed | unknown) and the crown that needs evidence.

The cast of the fall 2025 board: Kimi K2 Thinking was on the board before anyone could tell its
weights apart from the licence claim; Qwen3-Max carried an open licence in the board's metadata
but its weights were never published; GLM-4.6 was listed on Hugging Face.
"""

from __future__ import annotations

from typing import Any

from service.projections import crownview, standings
from service.projections.catalog_view import model_view
from service.projections.digest import digests, fold_all
from service.projections.timeaxis import as_of, known_at
from service.projections.weights import allowed, of_fields, open_weights_flag, status
from tests.unit.eventbuilders import Log, at

BOARD = "lmarena-text"
EPOCH = "1970-01-01"


def claim(log: Log, model: str, licence: str, open_weights: bool) -> None:
    """The board's metadata claim: undated (the epoch), low confidence."""
    data = {"model": model, "license": licence, "open_weights": open_weights, "confidence": 0.5}
    log.append("ModelLicenseChanged", f"model:{model}", data, EPOCH, "lmarena-text-models")


def board_log() -> Log:
    log = Log()
    claim(log, "qwen3-max-preview", "Apache-2.0", True)  # a wrong claim: never published
    claim(log, "kimi-k2-thinking-turbo", "Modified-MIT", True)
    claim(log, "gemini-3-pro", "Proprietary", False)
    log.released("glm-4.6", "2025-09-30", "2025-09-30T08:00:00Z", repo="zai-org/GLM-4.6")
    for when, rows in [
        ("2025-10-15", {"qwen3-max-preview": 1470, "glm-4.6": 1460, "gemini-3-pro": 1490}),
        ("2025-11-20", {"qwen3-max-preview": 1470, "kimi-k2-thinking-turbo": 1465,
                        "glm-4.6": 1460, "gemini-3-pro": 1490}),
    ]:  # fmt: skip
        log.snapshot(BOARD, when, rows)
    return log


def weights_of(states: dict[str, Any]) -> dict[str, tuple[str, bool | None]]:
    rows = standings.standings_view(states["standings"], states["catalog"], BOARD)["rows"]
    return {row["model"]: (row["weights"], row["open_weights"]) for row in rows}


def crown_view(states: dict[str, Any], now: str = "2025-12-01") -> dict[str, Any]:
    return crownview.crown_view(states["crown"], states["catalog"], BOARD, at(now))


def test_the_status_rules() -> None:
    """A repository makes open; otherwise the claim decides; open_weights follows strictly."""
    assert status(True, False) == "open" and status(False, True) == "claimed"
    assert status(False, False) == "closed" and status(False, None) == "unknown"
    assert [open_weights_flag(s) for s in ("open", "claimed", "closed", "unknown")] == [
        True, None, False, None,
    ]  # fmt: skip
    assert allowed("claimed", "claimed") and not allowed("claimed", "open")
    assert of_fields(None) == "unknown"


def test_every_row_carries_its_status_and_only_evidence_is_open() -> None:
    states = fold_all(board_log().events)
    assert weights_of(states) == {
        "gemini-3-pro": ("closed", False),
        "qwen3-max-preview": ("claimed", None),
        "kimi-k2-thinking-turbo": ("claimed", None),
        "glm-4.6": ("open", True),
    }
    view = model_view(states["catalog"], "glm-4.6")
    assert view is not None
    assert (view["weights"], view["open_weights"], view["weights_repo"]) == (
        "open", True, "zai-org/GLM-4.6",
    )  # fmt: skip


def test_the_open_filter_keeps_only_evidenced_models() -> None:
    states = fold_all(board_log().events)
    rows = standings.standings_view(states["standings"], states["catalog"], BOARD, True)["rows"]
    assert [row["model"] for row in rows] == ["glm-4.6"]


def test_claimed_models_above_the_holder_are_its_contenders() -> None:
    """GLM-4.6 holds the open crown; Qwen3-Max and Kimi K2 Thinking rank above it, claimed."""
    result = crown_view(fold_all(board_log().events))
    assert result["holder"]["model"] == "glm-4.6"
    assert [(c["model"], c["rank"], c["weights"]) for c in result["contenders"]] == [
        ("qwen3-max-preview", 2, "claimed"),
        ("kimi-k2-thinking-turbo", 3, "claimed"),
    ]


def test_verified_weights_open_a_model_from_the_repositorys_creation_only() -> None:
    """Kimi K2 Thinking's repository, verified in December, was created on Nov 6: it holds
    the crown from the Nov-20 snapshot on, and as of Nov 1 it was still only claimed."""
    log = board_log()
    data = {
        "model": "kimi-k2-thinking-turbo",
        "repo": "moonshotai/Kimi-K2-Thinking",
        "created_at": "2025-11-06T00:00:00Z",
    }
    with log.batch("2025-12-05T00:00:00Z"):
        log.append("WeightsRepoVerified", "model:kimi-k2-thinking-turbo", data, "2025-11-06")
    states = fold_all(log.events)
    assert weights_of(states)["kimi-k2-thinking-turbo"] == ("open", True)
    reigns = [
        (r["model"], r["from"][:10], r["to"] and r["to"][:10]) for r in crown_view(states)["reigns"]
    ]
    assert reigns == [("glm-4.6", "2025-10-15", "2025-11-20"),
                      ("kimi-k2-thinking-turbo", "2025-11-20", None)]  # fmt: skip
    early = as_of(log.events, at("2025-11-01"))
    assert model_view(early["catalog"], "kimi-k2-thinking-turbo")["weights"] == "claimed"  # type: ignore[index]
    shown_before = crown_view(known_at(log.events, at("2025-12-01")))
    assert shown_before["holder"]["model"] == "glm-4.6"


def test_a_listing_created_after_a_models_first_test_opens_it_only_from_then() -> None:
    """A model on the board on Oct 15 whose listing was created on Nov 1: not open as of Oct 20."""
    log = board_log()
    log.released("qwen3-max-preview", "2025-11-01", "2025-11-01T00:00:00Z", repo="Qwen/Qwen3-Max")
    assert weights_of(as_of(log.events, at("2025-10-20")))["qwen3-max-preview"][0] == "claimed"
    reigns = crown_view(fold_all(log.events))["reigns"]
    assert [(r["model"], r["from"][:10]) for r in reigns] == [
        ("glm-4.6", "2025-10-15"), ("qwen3-max-preview", "2025-11-01"),
    ]  # fmt: skip


def test_the_claimed_rule_crowns_claims_for_the_whole_history_once_recorded() -> None:
    """``CrownRuleChanged`` (claimed), dated at the epoch, recorded in December: Qwen3-Max's
    claim crowns it from its first appearance; what the service showed before stays."""
    log = board_log()
    with log.batch("2025-12-05T00:00:00Z"):
        log.append(
            "CrownRuleChanged", "crown:rule", {"weights": "claimed", "previous": "open"}, EPOCH
        )
    result = crown_view(fold_all(log.events))
    assert [r["model"] for r in result["reigns"]] == ["qwen3-max-preview"]
    assert result["contenders"] == []
    assert crown_view(known_at(log.events, at("2025-12-01")))["holder"]["model"] == "glm-4.6"


def test_the_rule_survives_dump_and_load_and_digests_match_a_fresh_fold() -> None:
    """A folded state with a backfill and a rule change digests like a fold in one go."""
    from service.projections.digest import dump_all, load_all

    log = board_log()
    first = fold_all(log.events)
    log.append("CrownRuleChanged", "crown:rule", {"weights": "claimed"}, EPOCH)
    log.snapshot(BOARD, "2025-10-01", {"qwen3-max-preview": 1450})  # a backfilled snapshot
    incremental = fold_all(log.events[len(log.events) - 2 :], first)
    assert digests(incremental) == digests(fold_all(log.events))
    reloaded = load_all(dump_all(incremental))
    assert crown_view(reloaded) == crown_view(incremental)
    assert reloaded["crown"].race.rule == "claimed"


def test_the_model_page_history_says_what_placed_linked_and_verified_a_model() -> None:
    """One readable line per new event type (the dashboard's history table)."""
    from service.api.eventtext import describe

    family = {"model": "m", "lab": "xai", "by": "family", "pattern": "grok-*"}
    assert describe("ModelPlaced", family) == "placed in lab xai (by name pattern grok-*)"
    placed = {"model": "m", "lab": "zhipu", "by": "organization", "organization": "Z.ai"}
    assert describe("ModelPlaced", placed) == "placed in lab zhipu (by organization Z.ai)"
    assert "candidate" in describe("ModelRepoLinked", {"model": "m", "repo": "o/r"})
    verified = {"model": "m", "repo": "o/r", "created_at": "2025-11-06T00:00:00Z"}
    assert describe("WeightsRepoVerified", verified) == (
        "weights repository o/r verified, created 2025-11-06: open weights"
    )
