"""catalog.toml: identity of labs and models, validated, and synced into the log as events."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jobs.catalog import Catalog, Lab, ModelEntry, catalog_events, load_catalog, parse_catalog
from service.errors import ConfigError
from service.event_types import check_payload

CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog.toml"
NOW = datetime(2025, 8, 1, tzinfo=UTC)
CHINESE_CITIES = {"Beijing", "Shanghai", "Hangzhou", "Shenzhen", "Hefei"}


def test_the_bundled_catalog_loads_with_real_labs_and_cities() -> None:
    """Every lab of the race is there, in its real city."""
    catalog = load_catalog(CATALOG)
    cities = {lab.slug: (lab.city, lab.country) for lab in catalog.labs}
    assert cities["alibaba"] == ("Hangzhou", "CN") and cities["deepseek"] == ("Hangzhou", "CN")
    assert cities["moonshot"] == ("Beijing", "CN") and cities["zhipu"] == ("Beijing", "CN")
    assert cities["minimax"] == ("Shanghai", "CN") and cities["stepfun"] == ("Shanghai", "CN")
    assert cities["tencent"] == ("Shenzhen", "CN") and cities["meta"] == ("Menlo Park", "US")
    assert cities["openai"][0] == "San Francisco" and cities["mistral"] == ("Paris", "FR")
    assert {lab.city for lab in catalog.labs if lab.country == "CN"} == CHINESE_CITIES


def test_the_bundled_catalog_has_every_model_of_the_2025_race() -> None:
    """The models of the mid-2025 race, with their HF repo ids and arena keys as aliases."""
    catalog = load_catalog(CATALOG)
    for slug, lab, alias in [
        ("deepseek-r1-0528", "deepseek", "deepseek-ai/DeepSeek-R1-0528"),
        ("kimi-k2", "moonshot", "kimi-k2-0711-preview"),
        ("kimi-k2-0905", "moonshot", "kimi-k2-0905-preview"),
        ("glm-4.5-air", "zhipu", "zai-org/GLM-4.5-Air"),
        ("qwen3-coder", "alibaba", "qwen3-coder-480b-a35b-instruct"),
        ("minimax-m1", "minimax", "MiniMaxAI/MiniMax-M1-80k"),
        ("step-3", "stepfun", "stepfun-ai/step3"),
        ("hunyuan-a13b", "tencent", "tencent/Hunyuan-A13B-Instruct"),
        ("llama-4-maverick", "meta", "llama-4-maverick-17b-128e-instruct"),
        ("gpt-oss-120b", "openai", "openai/gpt-oss-120b"),
        ("gemma-3-27b-it", "google", "google/gemma-3-27b-it"),
        ("mistral-small-3.2", "mistral", "mistral-small-2506"),
        ("claude-sonnet-4", "anthropic", "claude-sonnet-4-20250514"),
    ]:
        model = catalog.model(slug)
        assert model is not None and model.lab == lab and alias in model.aliases, slug


def document(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lab": [{"slug": "zhipu", "name": "Zhipu AI", "city": "Beijing", "country": "CN"}],
        "model": [{"slug": "glm-4.5", "name": "GLM-4.5", "lab": "zhipu", "aliases": []}],
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"model": [{"slug": "glm-4.5", "name": "GLM-4.5", "lab": "nobody"}]}, "unknown lab"),
        ({"model": [{"slug": "GLM 4.5", "name": "GLM-4.5", "lab": "zhipu"}]}, "model #1"),
        ({"lab": [{"slug": "zhipu", "name": "", "city": "Beijing"}]}, "lab #1 (zhipu)"),
        ({"lab": [{"slug": "zhipu", "name": "Z", "town": "Beijing"}]}, "unknown keys ['town']"),
        ({"model": [{"slug": "m", "name": "M", "lab": "zhipu", "aliases": "x"}]}, "aliases"),
        ({"extra": 1}, "unknown top-level keys"),
    ],
)
def test_invalid_entries_name_the_file_and_the_entry(changes: dict[str, Any], message: str) -> None:
    """Each problem raises ConfigError with the file and the entry in the message."""
    with pytest.raises(ConfigError, match=r"catalog\.toml") as caught:
        parse_catalog(document(**changes), "catalog.toml")
    assert message in str(caught.value)


def test_two_models_may_not_share_a_name() -> None:
    """An alias that is another model's name (in any spelling) is rejected."""
    models = [
        {"slug": "glm-4.5", "name": "GLM-4.5", "lab": "zhipu"},
        {"slug": "glm-4.5-alt", "name": "Alt", "lab": "zhipu", "aliases": ["glm 4.5"]},
    ]
    expected = "'glm-4.5-alt' alias 'glm 4.5' is already a name"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        parse_catalog(document(model=models), "catalog.toml")


def test_a_missing_or_broken_file_is_a_config_error(tmp_path: Path) -> None:
    """Missing file and bad TOML both raise ConfigError naming the path."""
    with pytest.raises(ConfigError, match="does not exist"):
        load_catalog(tmp_path / "none.toml")
    broken = tmp_path / "catalog.toml"
    broken.write_text("[[lab]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_catalog(broken)


ZHIPU = Lab("zhipu", "Zhipu AI", ("zai-org",), "Beijing", "CN")
GLM = ModelEntry("glm-4.5", "GLM-4.5", "zhipu", ("zai-org/GLM-4.5",))


def known_after(events: list[Any]) -> dict[str, dict[str, Any]]:
    """What the log knows after ``events`` (a tiny fold of the identity events)."""
    known: dict[str, dict[str, Any]] = {}
    for event in events:
        known.setdefault(event.stream, {"version": 0})
        known[event.stream].update({k: v for k, v in event.data.items() if k != "slug"})
        known[event.stream]["version"] += 1
    return known


def test_an_empty_log_gets_every_lab_and_model_registered() -> None:
    """Labs first, then models, with payloads of the current schema."""
    events = catalog_events(Catalog((ZHIPU,), (GLM,)), {}, NOW)
    assert [(e.stream, e.type) for e in events] == [
        ("lab:zhipu", "LabRegistered"),
        ("model:glm-4.5", "ModelRegistered"),
    ]
    assert events[0].data == {
        "slug": "zhipu",
        "name": "Zhipu AI",
        "aliases": ["zai-org"],
        "city": "Beijing",
        "country": "CN",
    }
    for event in events:
        check_payload(event.type, event.schema, event.data)
        assert event.occurred_at == NOW and event.key and event.key.startswith("catalog:")


def test_a_synced_log_gets_nothing() -> None:
    """Running the sync twice appends nothing the second time."""
    catalog = Catalog((ZHIPU,), (GLM,))
    known = known_after(catalog_events(catalog, {}, NOW))
    assert catalog_events(catalog, known, NOW) == []


def test_a_changed_city_is_one_lab_updated_with_the_changed_field_only() -> None:
    """A lab that moved gets LabUpdated {slug, city}; keys differ from the registration."""
    first = catalog_events(Catalog((ZHIPU,), ()), {}, NOW)
    known = known_after(first)
    moved = Lab("zhipu", "Zhipu AI", ("zai-org",), "Shanghai", "CN")
    (update,) = catalog_events(Catalog((moved,), ()), known, NOW)
    assert (update.type, update.data) == ("LabUpdated", {"slug": "zhipu", "city": "Shanghai"})
    check_payload(update.type, update.schema, update.data)
    assert update.key != first[0].key
    back = catalog_events(Catalog((ZHIPU,), ()), known_after([*first, update]), NOW)
    assert [e.data for e in back] == [{"slug": "zhipu", "city": "Beijing"}]
    assert back[0].key not in {first[0].key, update.key}


def test_the_same_sync_from_two_workers_has_the_same_keys() -> None:
    """Keys derive from content, so a race appends the catalog once."""
    catalog = Catalog((ZHIPU,), (GLM,))
    assert [e.key for e in catalog_events(catalog, {}, NOW)] == [
        e.key for e in catalog_events(catalog, {}, datetime(2025, 9, 1, tzinfo=UTC))
    ]


def test_a_new_alias_re_registers_the_model_keeping_learned_aliases() -> None:
    """Model identity changes re-register the model; aliases learned from sources stay."""
    known = {"model:glm-4.5": {"name": "GLM-4.5", "lab": "zhipu", "aliases": ["glm-4.5"]}}
    (event,) = catalog_events(Catalog((), (GLM,)), known, NOW)
    assert event.type == "ModelRegistered"
    assert event.data["aliases"] == ["glm-4.5", "zai-org/GLM-4.5"]
