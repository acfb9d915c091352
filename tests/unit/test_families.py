"""Lab families: patterns that place unknown keys, the most specific first, in the catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobs.catalog import IDENTITY_TIME, Catalog, Lab, catalog_events, load_catalog, parse_catalog
from jobs.catalogsync import family_placements
from jobs.extract.families import Families, Family, check_pattern
from jobs.extract.names import NameResolver
from service.errors import ConfigError
from service.events import Provenance
from service.projections import catalog as catalog_fold
from service.projections.catalog_view import lab_of
from tests.unit.eventbuilders import Log

CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog.toml"
NOW = datetime(2025, 12, 1, tzinfo=UTC)


def families() -> Families:
    return Families(
        [
            Family("meta", "llama-*"),
            Family("nvidia", "*nemotron*"),
            Family("ai2", "llama-*-tulu-*"),
            Family("google", "gemma-*"),
            Family("princeton", "gemma-*"),
        ]
    )


def test_the_most_specific_pattern_wins() -> None:
    """``*nemotron*`` (8 literal characters) beats ``llama-*`` (6); case and width fold."""
    assert families().match("llama-3.1-nemotron-70b-instruct") == Family("nvidia", "*nemotron*")
    assert families().match("LLAMA-3.1-TULU-3-70B") == Family("ai2", "llama-*-tulu-*")
    assert families().match("llama-3.3-70b-instruct") == Family("meta", "llama-*")


def test_a_tie_between_two_labs_places_nothing_and_no_match_is_none() -> None:
    assert families().match("gemma-2-9b-it-simpo") is None
    assert families().match("koala-13b") is None
    assert families().match("") is None


def test_any_of_several_names_may_match() -> None:
    """The sync matches a model's slug, name and aliases."""
    assert families().match("mystery", "Llama-3-70B") == Family("meta", "llama-*")


@pytest.mark.parametrize("pattern", ["GLM-*", "*", "**?", "glm *", ""])
def test_bad_patterns_are_refused(pattern: str) -> None:
    assert check_pattern(pattern) is not None


def test_catalog_families_are_validated_and_recorded_on_lab_events() -> None:
    document = {"lab": [{"slug": "zhipu", "name": "Zhipu AI", "families": ["glm-*", "chatglm*"]}]}
    catalog = parse_catalog(document)
    assert catalog.labs[0].families == ("glm-*", "chatglm*")
    (event,) = catalog_events(catalog, {}, NOW)
    assert event.data["families"] == ["chatglm*", "glm-*"]
    with pytest.raises(ConfigError, match=r"lab #1 \(zhipu\): family pattern 'GLM-\*'"):
        parse_catalog({"lab": [{"slug": "zhipu", "name": "Z", "families": ["GLM-*"]}]})


def test_a_log_without_families_gets_one_lab_updated_per_lab_that_has_some() -> None:
    """Labs registered before families existed: LabUpdated {slug, families}; the rest: nothing."""
    catalog = Catalog((Lab("zhipu", "Zhipu AI", families=("glm-*",)), Lab("anthropic", "A")))
    known = {
        "lab:zhipu": {"name": "Zhipu AI", "aliases": [], "city": None, "country": None},
        "lab:anthropic": {"name": "A", "aliases": [], "city": None, "country": None},
    }
    events = catalog_events(catalog, known, NOW)
    assert [(e.type, e.data) for e in events] == [
        ("LabUpdated", {"slug": "zhipu", "families": ["glm-*"]})
    ]


def test_the_bundled_catalog_places_the_real_boards_unknown_keys() -> None:
    """Keys of LMArena's text board that no alias names land in their real labs."""
    names = NameResolver.from_catalog(load_catalog(CATALOG))
    for key, lab in [
        ("grok-4.1-thinking", "xai"),
        ("ernie-5.0-preview-1103", "baidu"),
        ("amazon-nova-experimental-chat-10-20", "amazon"),
        ("nova-2-lite", "amazon"),
        ("ling-flash-2.0", "ant-group"),
        ("longcat-flash-chat", "meituan"),
        ("llama-3.3-nemotron-49b-super-v1", "nvidia"),
        ("llama-3.1-tulu-3-70b", "ai2"),
        ("olmo-3-32b-think", "ai2"),
        ("granite-3.1-8b-instruct", "ibm"),
        ("c4ai-aya-expanse-32b", "cohere"),
        ("yi-lightning", "01-ai"),
        ("hunyuan-t1-20250711", "tencent"),
        ("chatglm3-6b", "zhipu"),
        ("o3-mini-high", "openai"),
        ("mai-1-preview", "microsoft"),
        ("athene-v2-chat", "nexusflow"),
    ]:
        family = names.family_of(key)
        assert family is not None and family.lab == lab, key


def test_catalog_sync_places_lab_less_models_of_the_log() -> None:
    """A model the board registered without a lab gets ModelPlaced (by family) from the sync;
    it reaches the catalog at the weakest tier, so an organization placement wins."""
    catalog = Catalog((Lab("xai", "xAI", families=("grok-*",)), Lab("other", "Other")))
    log = Log()
    log.model("grok-4.1", "grok-4.1", None, "2025-11-20")  # type: ignore[arg-type]
    log.model("mystery", "mystery", None, "2025-11-20")  # type: ignore[arg-type]
    state = catalog_fold.initial()
    for event in log.events:
        catalog_fold.apply(state, event)
    events = family_placements(catalog, state, Provenance("catalog"))
    assert [(e.data, e.occurred_at) for e in events] == [
        ({"model": "grok-4.1", "lab": "xai", "by": "family", "pattern": "grok-*"}, IDENTITY_TIME)
    ]
    log.append("ModelPlaced", "model:grok-4.1", events[0].data, IDENTITY_TIME)
    organization = {"model": "grok-4.1", "lab": "other", "by": "organization"}
    log.append("ModelPlaced", "model:grok-4.1", {**organization, "organization": "Other"}, NOW)
    log.append("ModelPlaced", "model:grok-4.1", events[0].data, NOW)  # a later family guess
    for event in log.events[2:]:
        catalog_fold.apply(state, event)
    assert lab_of(state, "grok-4.1") == "other"
