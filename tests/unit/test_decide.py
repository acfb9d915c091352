"""decide: observations + facts + current state → change events, idempotent and minimal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jobs.catalog import load_catalog
from jobs.extract.decide import ModelState, decide
from jobs.extract.facts import extract
from jobs.extract.names import NameResolver
from jobs.observation import Observation
from service.event_types import check_payload
from service.events import NewEvent, Provenance

CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog.toml"
NOW = datetime(2025, 8, 1, 12, tzinfo=UTC)
JUL_28 = datetime(2025, 7, 28, 9, tzinfo=UTC)


@cache
def names() -> NameResolver:
    return NameResolver.from_catalog(load_catalog(CATALOG))


def registered(*slugs: str) -> dict[str, ModelState]:
    return {slug: ModelState(registered=True) for slug in slugs}


def fold(state: Mapping[str, ModelState], events: Iterable[NewEvent]) -> dict[str, ModelState]:
    """A tiny stand-in for the catalog projection: apply each event's facts to ModelState."""
    models = dict(state)
    for event in events:
        data = event.data
        slug = data.get("model") or data.get("slug")
        if slug is None:
            continue
        current = models.get(slug, ModelState())
        changes: dict[str, Any] = {}
        if event.type == "ModelRegistered":
            changes = {"registered": True, "lab": data.get("lab") or current.lab}
        elif event.type == "ModelReleased":
            changes = {"released_at": data["released_at"], "repo": data.get("repo") or current.repo}
            changes.update({k: data[k] for k in ("license", "open_weights") if k in data})
        elif event.type == "ModelSpecReported":
            changes = {k: v for k, v in data.items() if k in ModelState.__slots__}
        elif event.type == "ModelLicenseChanged":
            changes = {"license": data["license"], "open_weights": data.get("open_weights")}
        elif event.type == "DownloadsReported":
            changes = {"downloads": data["downloads"], "likes": data.get("likes")}
        models[slug] = dataclasses.replace(current, **changes)
    return models


def checked(events: list[NewEvent]) -> list[NewEvent]:
    """Every event has a current-schema payload, a source and a bounded, unique key."""
    for event in events:
        check_payload(event.type, event.schema, event.data)
        assert event.source is not None and event.key and len(event.key) <= 500
    assert len({event.key for event in events}) == len(events)
    return events


def news(text: str, item_id: str = "urn:news:1", published: datetime | None = JUL_28):
    return Observation(
        item_id, "sha", "entry", url="https://example.com/1", published=published, text=text
    )


def run(observation: Observation, state: Mapping[str, ModelState], **options: Any):
    facts = extract(observation.text, names()) if observation.kind in ("entry", "release") else []
    provenance = Provenance("src", observation.item_id, observation.url, observation.sha256)
    return checked(decide(observation, provenance, facts, state, NOW, names=names(), **options))


GLM_NEWS = (
    "Zhipu released GLM-4.5 on July 28, 2025, a 355B-parameter MoE model with 32B active "
    "parameters, under MIT. It rivals Claude Sonnet 4."
)


def test_a_news_item_reports_its_facts_once() -> None:
    """Given a news item, when decided twice with the state after the first, then nothing new."""
    state = registered("glm-4.5", "claude-sonnet-4")
    first = run(news(GLM_NEWS), state)
    assert sorted((e.type, e.stream) for e in first) == [
        ("ModelMentioned", "model:claude-sonnet-4"),
        ("ModelMentioned", "model:glm-4.5"),
        ("ModelReleased", "model:glm-4.5"),
        ("ModelSpecReported", "model:glm-4.5"),
        ("ModelSpecReported", "model:glm-4.5"),
        ("ModelSpecReported", "model:glm-4.5"),
    ]
    released = next(e for e in first if e.type == "ModelReleased")
    assert released.data["released_at"] == "2025-07-28" and released.data["license"] == "MIT"
    assert all(e.occurred_at == JUL_28 and "|urn:news:1|" in (e.key or "") for e in first)
    second = run(news(GLM_NEWS), fold(state, first))
    # Only the per-item mentions come back, under the same keys: the store skips them.
    assert {e.type for e in second} == {"ModelMentioned"}
    assert {e.key for e in second} <= {e.key for e in first}


def test_unchanged_facts_append_nothing_but_a_conflicting_report_does() -> None:
    """A value equal to the state is no change; a different one is reported with its evidence."""
    state = {"kimi-k2": ModelState(registered=True, params_total=10**12, params_active=32 * 10**9)}
    same = run(news("Kimi K2 has 1T parameters and 32B active.", "a"), state)
    assert [e.type for e in same] == ["ModelMentioned"]
    other = run(news("Kimi K2 has 1.04T parameters.", "b"), state)
    spec = next(e for e in other if e.type == "ModelSpecReported")
    assert spec.data["params_total"] == 1_040_000_000_000 and spec.data["confidence"] == 0.9
    assert spec.data["evidence"] == "Kimi K2 has 1.04T parameters."


def test_a_licence_change_names_the_previous_licence() -> None:
    """MIT → Apache-2.0 is a ModelLicenseChanged with previous and open_weights."""
    state = {"glm-4.5": ModelState(registered=True, license="MIT", open_weights=True)}
    events = run(news("GLM-4.5 is now licensed under Apache 2.0."), state)
    change = next(e for e in events if e.type == "ModelLicenseChanged")
    assert (change.data["license"], change.data["previous"]) == ("Apache-2.0", "MIT")
    assert change.data["open_weights"] is True


def test_facts_about_models_nobody_registered_are_dropped() -> None:
    """An unknown repo id in the news has no stream to attach facts to."""
    events = run(news("acme/Nova-70B-Chat has 70B parameters."), {})
    assert events == []


def test_without_a_published_time_events_occur_now() -> None:
    """occurred_at falls back to the time passed in."""
    events = run(news("GLM-4.5 has 355B parameters.", published=None), registered("glm-4.5"))
    assert events and all(e.occurred_at == NOW for e in events)


def hf(repo: str, downloads: int = 1000, created: str = "2025-07-30T10:00:00Z", **fields: Any):
    values = {
        "repo": repo,
        "author": repo.split("/")[0],
        "created_at": created,
        "downloads": downloads,
        "likes": 5,
        "license": "apache-2.0",
        "tags": [],
        **fields,
    }
    return Observation(
        repo,
        "sha",
        "hf-model",
        url=f"https://huggingface.co/{repo}",
        published=datetime(2025, 7, 30, 10, tzinfo=UTC),
        text=repo,
        fields=values,
    )


def test_an_hf_listing_of_a_known_lab_registers_and_releases_a_new_model() -> None:
    """Qwen publishes an unknown repo: registered under alibaba, released, sized, counted."""
    events = run(hf("Qwen/Qwen3-Foo-100B-A10B"), {})
    assert [e.type for e in events] == [
        "ModelRegistered",
        "ModelReleased",
        "DownloadsReported",
        "ModelSpecReported",
        "ModelSpecReported",
        "ModelSpecReported",
    ]
    registration, release = events[0], events[1]
    assert registration.data == {
        "slug": "qwen3-foo-100b-a10b",
        "name": "Qwen3-Foo-100B-A10B",
        "lab": "alibaba",
        "aliases": ["Qwen/Qwen3-Foo-100B-A10B"],
    }
    assert (release.data["released_at"], release.data["license"]) == ("2025-07-30", "Apache-2.0")
    assert release.data["repo"] == "Qwen/Qwen3-Foo-100B-A10B" and release.data["confidence"] == 0.9
    specs = {
        k: v for e in events[3:] for k, v in e.data.items() if k.startswith(("params", "arch"))
    }
    assert specs == {
        "params_total": 100 * 10**9,
        "params_active": 10 * 10**9,
        "architecture": "moe",
    }
    assert run(hf("Qwen/Qwen3-Foo-100B-A10B"), fold({}, events)) == []


def test_an_hf_listing_of_a_stranger_registers_nothing_unless_the_source_names_a_lab() -> None:
    """A community upload is not a lab's release; lab = … on the source makes it one."""
    assert run(hf("someone/Cool-Model-7B"), {}) == []
    events = run(hf("someone/Cool-Model-7B"), {}, lab_hint="zhipu")
    assert events[0].type == "ModelRegistered" and events[0].data["lab"] == "zhipu"


def test_a_known_model_gets_its_first_release_and_licence_from_hf() -> None:
    """zai-org/GLM-4.5 resolves to glm-4.5: no registration, a release with the repo."""
    events = run(hf("zai-org/GLM-4.5", license="mit"), registered("glm-4.5"))
    assert [e.type for e in events] == ["ModelReleased", "DownloadsReported"]
    assert events[0].data["license"] == "MIT" and events[0].stream == "model:glm-4.5"


RELEASED_GLM = ModelState(
    registered=True, released_at="2025-07-28", repo="zai-org/GLM-4.5", license="Apache-2.0"
)


def test_packaging_uploads_are_neither_releases_nor_download_counts() -> None:
    """-FP8 after the release: same model, no release, no downloads."""
    state = {"glm-4.5": RELEASED_GLM}
    assert run(hf("zai-org/GLM-4.5-FP8", downloads=99), state) == []


def test_downloads_are_reported_when_they_move_more_than_the_threshold() -> None:
    """First count, then only moves above 10 % (or the threshold given)."""
    state = {"glm-4.5": dataclasses.replace(RELEASED_GLM, downloads=1000)}
    assert run(hf("zai-org/GLM-4.5", downloads=1100), state) == []
    (event,) = run(hf("zai-org/GLM-4.5", downloads=1101), state)
    assert event.type == "DownloadsReported" and event.data["downloads"] == 1101
    assert event.occurred_at == NOW
    assert run(hf("zai-org/GLM-4.5", downloads=1050), state, downloads_threshold=0.01)
    fresh = {"glm-4.5": dataclasses.replace(state["glm-4.5"], downloads=None)}
    assert [e.type for e in run(hf("zai-org/GLM-4.5", downloads=3), fresh)] == ["DownloadsReported"]


def release(repo: str, kind: str = "release") -> Observation:
    return Observation(
        f"tag:{repo}",
        "sha",
        kind,
        url=f"https://github.com/{repo}/releases/tag/v1",
        title="v1.0",
        updated=JUL_28,
        text="First release.",
        fields={"repo": repo, "tag": "v1.0"},
    )


def test_github_releases_register_new_models_of_known_labs() -> None:
    """A release of stepfun-ai/Step4 registers step4; a commit does not date a release."""
    events = run(release("stepfun-ai/Step4"), {})
    assert [(e.type, e.stream) for e in events] == [
        ("ModelRegistered", "model:step4"),
        ("ModelReleased", "model:step4"),
    ]
    assert events[1].data["released_at"] == "2025-07-28" and "repo" not in events[1].data
    commit = run(release("stepfun-ai/Step4", kind="commit"), {})
    assert [e.type for e in commit] == ["ModelRegistered"]
    assert run(release("QwenLM/qwen-code"), {}) == []  # tooling, not a model


def board(rows: list[dict[str, Any]], method: str | None = "v2", as_of: str = "2025-07-21"):
    fields = {"leaderboard": "lmarena-text", "method": method, "as_of": as_of, "rows": rows}
    published = datetime(2025, 7, 21, tzinfo=UTC)
    item = f"lmarena-text@{as_of}"
    return Observation(item, "sha", "leaderboard", published=published, fields=fields)


KIMI_ROW = {"model": "kimi-k2-0711-preview", "score": 1420.5, "rank": 5, "votes": 3000}
GROK_ROW = {"model": "grok-4-0709", "score": 1430.0, "rank": 3, "votes": None}
ROWS = [
    {
        **KIMI_ROW,
        "license": "Modified MIT",
        "open_weights": True,
        "ci_low": 1415.0,
        "ci_high": 1426.0,
    },
    {**GROK_ROW, "license": "Proprietary", "open_weights": False, "ci_low": None, "ci_high": None},
]


def test_every_row_is_a_score_and_unknown_rows_register_models() -> None:
    """Known keys resolve; a closed model nobody knows is registered with lab None, and
    placed by its lab family (``grok-*``: xAI), an undated guess."""
    events = run(board(ROWS), registered("kimi-k2"), boards={"lmarena-text": "v2"})
    assert [(e.type, e.stream) for e in events] == [
        ("ModelRegistered", "model:grok-4-0709"),
        ("ScoreReported", "model:kimi-k2"),
        ("ScoreReported", "model:grok-4-0709"),
        ("ModelPlaced", "model:grok-4-0709"),
    ]
    assert events[0].data["lab"] is None
    placed = events.pop()
    assert (placed.data["lab"], placed.data["by"], placed.occurred_at.year) == (
        "xai",
        "family",
        1970,
    )
    kimi = events[1].data
    assert (kimi["value"], kimi["ci_low"], kimi["ci_high"], kimi["votes"]) == (
        1420.5,
        1415.0,
        1426.0,
        3000,
    )
    assert kimi["provenance"] == "independent" and kimi["license"] == "Modified-MIT"
    assert events[2].data["open_weights"] is False and "votes" not in events[2].data
    assert all(e.occurred_at == datetime(2025, 7, 21, tzinfo=UTC) for e in events)
    again = run(board(ROWS), fold(registered("kimi-k2"), events), boards={"lmarena-text": "v2"})
    assert {e.key for e in again} <= {e.key for e in events}
    assert {e.type for e in again} == {"ScoreReported"}


def test_a_new_method_is_recorded_before_the_scores() -> None:
    """The board's method differs: LeaderboardMethodChanged first, on the board's stream."""
    events = run(
        board(ROWS[:1], method="clt"), registered("kimi-k2"), boards={"lmarena-text": "v2"}
    )
    change = events[0]
    assert (change.type, change.stream) == ("LeaderboardMethodChanged", "leaderboard:lmarena-text")
    assert change.data == {"leaderboard": "lmarena-text", "method": "clt", "previous": "v2"}
    assert events[1].data["method"] == "clt"
    unstated = run(
        board(ROWS[:1], method=None), registered("kimi-k2"), boards={"lmarena-text": "v2"}
    )
    assert [(e.type, e.data["method"]) for e in unstated] == [("ScoreReported", "v2")]


def test_keys_stay_within_the_column_for_long_item_ids() -> None:
    """An item id of 512 characters still gives keys of at most 500."""
    events = run(news("GLM-4.5 has 355B parameters.", item_id="x" * 512), registered("glm-4.5"))
    assert events and all(len(e.key or "") <= 500 for e in events)
