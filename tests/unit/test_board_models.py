"""Board model metadata (``kind = "models"``): parsing, and the lab / claim / link decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from jobs.catalog import IDENTITY_TIME, load_catalog
from jobs.extract.boardmodels import hf_repo, licence_claim
from jobs.extract.decide import ModelState, decide
from jobs.extract.names import NameResolver
from jobs.observation import Observation
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources import ParseError
from jobs.sources.models import parse
from service.event_types import check_payload
from service.events import NewEvent, Provenance

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "lmarena_models.json"
NOW = datetime(2025, 12, 10, tzinfo=UTC)
LMARENA = SourceConfig(
    id="lmarena-text-models",
    kind="models",
    url="https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/scatterplot-data.json",
    leaderboard="lmarena-text",
    columns={"model": "model_api_name", "link": "model_source"},
)


@cache
def names() -> NameResolver:
    return NameResolver.from_catalog(load_catalog(ROOT / "config" / "catalog.toml"))


def records() -> dict[str, Observation]:
    result = parse(FIXTURE.read_bytes(), {}, LMARENA, NOW)
    return {o.fields["model"]: o for o in result.observations}


def decided(key: str, state: dict[str, ModelState] | None = None) -> list[NewEvent]:
    observation = records()[key]
    source = Provenance(LMARENA.id, observation.item_id, observation.url, observation.sha256)
    events = decide(observation, source, [], state or {}, NOW, names=names())
    for event in events:
        check_payload(event.type, event.schema, event.data)
    return events


def of_type(events: list[NewEvent], type_name: str) -> list[dict[str, object]]:
    return [event.data for event in events if event.type == type_name]


def test_lmarena_metadata_gives_one_observation_per_key_with_our_field_names() -> None:
    """The real shape: model_api_name is the key, model_source the link; prices are ignored."""
    observation = records()["kimi-k2-thinking-turbo"]
    assert observation.kind == "board-model"
    assert observation.fields == {
        "leaderboard": "lmarena-text",
        "model": "kimi-k2-thinking-turbo",
        "name": "Kimi-K2-Thinking (turbo)",
        "organization": "Moonshot",
        "license": "Modified MIT",
        "link": "https://huggingface.co/moonshotai/Kimi-K2-Thinking",
    }
    assert len(records()) == 13


def test_csv_and_key_mappings_are_read_too_and_a_repeated_key_keeps_its_first_record() -> None:
    """A CSV with our own column names; ``{key: {…}}`` JSON; keyless rows are counted."""
    body = (
        b"model,name,organization,license,link\n"
        b"glm-4.6,GLM-4.6,Z.ai,MIT,\n,x,y,z,\nglm-4.6,B,C,D,\n"
    )
    source = SourceConfig(id="m", kind="models", url="file:///m.csv", leaderboard="b")
    result = parse(body, {}, source, NOW)
    assert [o.fields["organization"] for o in result.observations] == ["Z.ai"]
    assert "1 of 3 records without a model key" in (result.bozo_reason or "")
    mapping = b'{"data": {"glm-4.6": {"organization": "Z.ai", "license": "MIT"}}}'
    source = SourceConfig(id="m", kind="models", url="file:///m.json", leaderboard="b", rows="data")
    assert parse(mapping, {}, source, NOW).observations[0].fields["model"] == "glm-4.6"


def test_a_file_without_any_key_is_a_clear_parse_error() -> None:
    """Wrong column mapping: the error names the column to fix."""
    with pytest.raises(ParseError, match="model_api_name"):
        parse(b'[{"model": "x"}]', {}, LMARENA, NOW)


@pytest.mark.parametrize(
    ("column", "claim"),
    [
        ("Proprietary", "Proprietary"),
        ("Propretary", "Proprietary"),  # a real misspelling in LMArena's file
        ("Apache 2.0", "Apache-2.0"),
        ("Modified MIT", "Modified-MIT"),
        ("Llama 4", "Llama-4-Community"),
        ("NexusFlow", "NexusFlow"),
        ("", None),
    ],
)
def test_licence_columns_become_claims(column: str, claim: str | None) -> None:
    assert licence_claim(column) == claim


@pytest.mark.parametrize(
    ("link", "repo"),
    [
        ("https://huggingface.co/moonshotai/Kimi-K2-Thinking", "moonshotai/Kimi-K2-Thinking"),
        ("https://huggingface.co/Qwen/Qwen3-8B/tree/main", "Qwen/Qwen3-8B"),
        ("https://huggingface.co/spaces/foo/bar", None),
        ("https://huggingface.co/blog/glm-4-5", None),
        ("https://api-docs.deepseek.com/news/news250929", None),
        ("https://huggingface.co/Qwen", None),
    ],
)
def test_only_a_model_repository_link_is_a_candidate(link: str, repo: str | None) -> None:
    assert hf_repo(link) == repo


def test_an_unknown_key_is_registered_in_its_organizations_lab_with_undated_facts() -> None:
    """Moonshot is an alias of the catalog lab; the licence is a low-confidence claim."""
    events = decided("kimi-k2-thinking-turbo")
    assert of_type(events, "ModelRegistered")[0]["slug"] == "kimi-k2-thinking-turbo"
    placed = of_type(events, "ModelPlaced")
    assert placed == [
        {"model": "kimi-k2-thinking-turbo", "lab": "moonshot", "by": "organization",
         "organization": "Moonshot"}
    ]  # fmt: skip
    licence = of_type(events, "ModelLicenseChanged")[0]
    assert (licence["license"], licence["open_weights"]) == ("Modified-MIT", True)
    assert float(licence["confidence"]) < 0.7  # type: ignore[arg-type]
    link = of_type(events, "ModelRepoLinked")[0]
    assert link["repo"] == "moonshotai/Kimi-K2-Thinking"
    assert {event.occurred_at for event in events} == {IDENTITY_TIME}


def test_real_organization_spellings_reach_the_catalog_labs() -> None:
    """Z.ai, Alibaba, Mai AI, Meituan, Baidu: each lands in the catalog lab, none is new."""
    for key, lab in [
        ("glm-4.6", "zhipu"),
        ("qwen3-max-preview", "alibaba"),
        ("mai-1-preview", "microsoft"),
        ("longcat-flash-chat", "meituan"),
        ("ernie-5.0-preview-1103", "baidu"),
        ("mistral-large-3", "mistral"),
    ]:
        events = decided(key)
        assert of_type(events, "ModelPlaced")[0]["lab"] == lab, key
        assert not of_type(events, "LabRegistered"), key


def test_an_unknown_organization_registers_a_lab_without_a_city() -> None:
    """Luma AI is no catalog lab: a new lab, named as the file spells it, citing the record."""
    events = decided("photon")
    (lab,) = [event for event in events if event.type == "LabRegistered"]
    assert lab.data == {"slug": "luma-ai", "name": "Luma AI", "aliases": ["Luma AI"]}
    assert lab.source is not None and lab.source.item_id == "lmarena-text:photon"
    assert of_type(events, "ModelPlaced")[0]["lab"] == "luma-ai"


def test_a_misspelt_proprietary_is_a_closed_claim() -> None:
    licence = of_type(decided("claude-3-5-haiku-20241022"), "ModelLicenseChanged")[0]
    assert (licence["license"], licence["open_weights"]) == ("Proprietary", False)


def test_a_model_placed_by_the_catalog_keeps_its_lab() -> None:
    """qwen3-30b-a3b-instruct-2507 is a catalog model of alibaba: no placement, no registration."""
    state = {"qwen3-30b-a3b-instruct-2507": ModelState(registered=True, lab="alibaba")}
    events = decided("qwen3-30b-a3b-instruct-2507", state)
    assert not of_type(events, "ModelPlaced") and not of_type(events, "ModelRegistered")
    assert of_type(events, "ModelRepoLinked")[0]["repo"] == "Qwen/Qwen3-30B-A3B-Instruct-2507"


def test_an_organization_outranks_a_family_guess_and_a_corrected_column_moves_it() -> None:
    """A family guess is no own lab (state.lab None): the organization places the model; an
    earlier organization placement gives way to a different organization."""
    guessed = {"glm-4.6": ModelState(registered=True)}
    assert of_type(decided("glm-4.6", guessed), "ModelPlaced")[0]["lab"] == "zhipu"
    earlier = {"glm-4.6": ModelState(registered=True, lab="z-ai", lab_by="organization")}
    assert of_type(decided("glm-4.6", earlier), "ModelPlaced")[0]["lab"] == "zhipu"
    configured = {"glm-4.6": ModelState(registered=True, lab="other")}
    assert not of_type(decided("glm-4.6", configured), "ModelPlaced")


def test_a_known_link_or_licence_appends_nothing_again() -> None:
    """Only differences become events: same licence, same link → no claim, no candidate."""
    state = {
        "kimi-k2-thinking-turbo": ModelState(
            registered=True,
            lab="moonshot",
            license="Modified-MIT",
            repo_links=("moonshotai/Kimi-K2-Thinking",),
        )
    }
    assert decided("kimi-k2-thinking-turbo", state) == []


def test_a_board_key_nobody_describes_is_placed_by_its_lab_family() -> None:
    """A leaderboard row of grok-4.1: registered without a lab, placed in xAI by ``grok-*``."""
    row = {"model": "grok-4.1", "score": 1480.0}
    fields = {"leaderboard": "lmarena-text", "method": "m", "as_of": "2025-12-01T00:00:00Z"}
    observation = Observation(
        "lmarena-text@2025-12-01", "sha", "leaderboard", fields={**fields, "rows": [row]}
    )
    events = decide(observation, Provenance("lmarena-text"), [], {}, NOW, names=names())
    placed = of_type(events, "ModelPlaced")
    assert placed == [{"model": "grok-4.1", "lab": "xai", "by": "family", "pattern": "grok-*"}]
    (event,) = [e for e in events if e.type == "ModelPlaced"]
    assert event.key == "family:grok-4.1:xai:grok-*" and event.occurred_at == IDENTITY_TIME
