"""Derived Hugging Face fetches: model API entries, model cards, and which targets are due."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import orjson

from jobs.catalog import load_catalog
from jobs.extract.decide import ModelState, decide
from jobs.extract.facts import Fact, extract
from jobs.extract.hfrepo import CARD_CONFIDENCE, card_facts
from jobs.extract.names import NameResolver
from jobs.schedule.derived import CARD, VERIFY, Target, pending, source_of, targets
from jobs.schedule.sourcestate import SourceState
from jobs.sources.hfrepo import parse_api, parse_card
from service.event_types import check_payload
from service.events import Provenance
from service.projections.digest import fold_all
from service.settings import HfSettings
from tests.unit.eventbuilders import Log

NOW = datetime(2025, 12, 10, tzinfo=UTC)
HF = HfSettings(base_url="http://127.0.0.1:8123")
KIMI = Target(VERIFY, "moonshotai/Kimi-K2-Thinking", ("kimi-k2-thinking", "kimi-k2-thinking-turbo"))


@cache
def names() -> NameResolver:
    root = Path(__file__).resolve().parents[2]
    return NameResolver.from_catalog(load_catalog(root / "config" / "catalog.toml"))


def api_entry(**changes: object) -> bytes:
    entry: dict[str, object] = {
        "_id": "690c...",
        "id": "moonshotai/Kimi-K2-Thinking",
        "author": "moonshotai",
        "private": False,
        "disabled": False,
        "gated": False,
        "createdAt": "2025-11-04T09:12:44.000Z",
        "siblings": [
            {"rfilename": ".gitattributes"},
            {"rfilename": "README.md"},
            {"rfilename": "model-00001-of-00062.safetensors"},
            {"rfilename": "model-00002-of-00062.safetensors"},
        ],
    }
    entry.update(changes)
    return orjson.dumps(entry)


def verified(body: bytes, state: dict[str, ModelState] | None = None) -> list[dict[str, object]]:
    source = source_of(KIMI, HF)
    (observation,) = parse_api(body, {}, source, NOW).observations
    events = decide(observation, Provenance(source.id, observation.item_id), [], state or {}, NOW)
    for event in events:
        check_payload(event.type, event.schema, event.data)
    return [{**e.data, "at": e.occurred_at.isoformat()} for e in events]


def test_derived_urls_and_ids_come_from_the_setting_and_the_repository() -> None:
    source = source_of(KIMI, HF)
    assert source.url == "http://127.0.0.1:8123/api/models/moonshotai/Kimi-K2-Thinking"
    assert (source.id, source.kind, source.models) == (
        "hf-api:moonshotai/Kimi-K2-Thinking", "hf-repo", KIMI.models,
    )  # fmt: skip
    card = source_of(Target(CARD, "zai-org/GLM-4.6", ("glm-4.6",)), HF)
    assert card.url == "http://127.0.0.1:8123/zai-org/GLM-4.6/raw/main/README.md"
    long = source_of(Target(CARD, "o/" + "x" * 120, ("m",)), HF)
    assert len(long.id) <= 100 and long.id.startswith("hf-card")


def test_a_public_repository_with_weights_verifies_every_linked_model_at_its_creation() -> None:
    events = verified(api_entry())
    assert [(e["model"], e["repo"], e["at"]) for e in events] == [
        (model, "moonshotai/Kimi-K2-Thinking", "2025-11-04T09:12:44+00:00") for model in KIMI.models
    ]
    assert "2 weight files" in str(events[0]["evidence"])


def test_placeholders_private_or_disabled_repositories_verify_nothing() -> None:
    assert verified(api_entry(siblings=[{"rfilename": "README.md"}])) == []
    assert verified(api_entry(private=True)) == []
    assert verified(api_entry(disabled=True)) == []


def test_an_entry_without_a_file_list_still_proves_the_repository_and_gating_is_kept() -> None:
    entry = orjson.loads(api_entry(gated="manual"))
    del entry["siblings"]
    events = verified(orjson.dumps(entry))
    assert events and events[0]["gated"] == "manual"


def test_a_model_already_open_is_not_verified_again() -> None:
    state = {"kimi-k2-thinking": ModelState(registered=True, weights_repo="moonshotai/x")}
    assert [e["model"] for e in verified(api_entry(), state)] == ["kimi-k2-thinking-turbo"]


def test_a_model_card_is_plain_text_without_front_matter() -> None:
    source = source_of(Target(CARD, "zai-org/GLM-4.6", ("glm-4.6",)), HF)
    body = (
        b"---\nlicense: mit\nlibrary_name: transformers\n---\n"
        b'<div align="center"><img src="logo.svg"/></div>\n\n# GLM-4.6\n\n'
        b"GLM-4.6 has 355B total parameters and 32B active parameters.\n"
    )
    (observation,) = parse_card(body, {}, source, NOW).observations
    assert observation.kind == "model-card" and "license: mit" not in observation.text
    assert "355B total parameters" in observation.text and "<div" not in observation.text
    assert observation.fields == {"repo": "zai-org/GLM-4.6", "models": ["glm-4.6"]}


def test_a_cards_facts_about_its_model_carry_lab_authority_and_no_mention() -> None:
    text = "GLM-4.5 has 355 billion total parameters. It rivals Kimi K2, a 1T model."
    facts = card_facts(extract(text, names(), topic="glm-4.5"), ["glm-4.5"])
    own = [f for f in facts if f.model == "glm-4.5"]
    assert own and all(f.confidence >= CARD_CONFIDENCE for f in own)
    assert not any(f.field == "mention" for f in facts)
    other = Fact("kimi-k2", "params_total", 10**12, "…", 0.6)
    assert card_facts([other], ["glm-4.5"]) == [other]


def test_targets_follow_the_log_verifications_first_and_cards_once() -> None:
    """A linked, unverified model calls for a verification; a known weights repository for a
    card; a card fetched once is done, a verification stays due while unverified."""
    log = Log()
    log.released("glm-4.6", "2025-09-30", "2025-09-30", repo="zai-org/GLM-4.6")
    for model in KIMI.models:
        data = {"model": model, "repo": KIMI.repo}
        log.append("ModelRepoLinked", f"model:{model}", data, "1970-01-01")
    catalog = fold_all(log.events)["catalog"]
    wanted = targets(catalog, verify=True, cards=True)
    assert wanted == [KIMI, Target(CARD, "zai-org/GLM-4.6", ("glm-4.6",))]
    assert targets(catalog, verify=False, cards=False) == []
    done = {
        source_of(t, HF).id: SourceState(source_of(t, HF).id, last_success_at=NOW) for t in wanted
    }
    assert [s.kind for s in pending(wanted, HF, done)] == ["hf-repo"]


def test_a_card_calls_its_model_by_the_repositorys_name() -> None:
    """The board key kimi-k2-thinking-turbo, the card "Kimi K2 Thinking": the card's figures go
    to the key's model, not to Kimi K2, whose name is a prefix of the card's."""
    from jobs.catalog import ModelEntry
    from jobs.interpret import model_card_facts
    from jobs.observation import Observation

    known = names().with_models([ModelEntry("kimi-k2-thinking-turbo", "Kimi-K2-Thinking (turbo)")])
    text = (
        "# Kimi K2 Thinking\n\nKimi K2 Thinking is a thinking agent built on Kimi K2. It has "
        "1 trillion total parameters and 32 billion activated parameters."
    )
    fields = {"repo": "moonshotai/Kimi-K2-Thinking", "models": ["kimi-k2-thinking-turbo"]}
    card = Observation("hf-card:moonshotai/Kimi-K2-Thinking", "s", "model-card", text=text,
                       fields=fields)  # fmt: skip
    facts = model_card_facts(card, known)
    sizes = {(f.model, f.field): f.value for f in facts if f.field != "mention"}
    assert sizes == {
        ("kimi-k2-thinking-turbo", "params_total"): 10**12,
        ("kimi-k2-thinking-turbo", "params_active"): 32 * 10**9,
    }
