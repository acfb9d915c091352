"""GitHub Atom, Hugging Face listings and leaderboards, on fixtures shaped like the real formats.

The fixtures (``tests/fixtures/github_*.atom``, ``hf_models_*.json``, ``leaderboard_*``,
``arena_catalog.json``) follow the public formats: GitHub releases and commits Atom,
the Hub listing with ``full=true`` and with its default fields, a docs/design.md §5 snapshot, a
board with its own column names, arena-catalog's ``{model: {rating…}}`` and the flattened
arena CSV. They were written for crownlog; ids, hashes and counts are illustrative.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jobs.observation import ParseResult
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources import ADAPTERS, ParseError, github_releases, hf_models, leaderboard
from jobs.sources.leaderboard_rows import open_weights

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FETCHED_AT = datetime(2025, 12, 12, 8, 0, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def source(kind: str, url: str = "https://example.com/data", **options: Any) -> SourceConfig:
    return SourceConfig(id="test-source", kind=kind, url=url, **options)


# --- GitHub ---------------------------------------------------------------------------------

RELEASES_URL = "https://github.com/vllm-project/vllm/releases.atom"
COMMITS_URL = "https://github.com/zai-org/GLM-4.5/commits/main.atom"


def releases() -> ParseResult:
    return github_releases.parse(
        fixture("github_releases.atom"), {}, source("github-releases", RELEASES_URL), FETCHED_AT
    )


def test_release_entries_become_release_observations() -> None:
    """Item id is the entry id; fields name the repo, the tag and the last update."""
    first = releases().observations[0]
    assert first.item_id == "tag:github.com,2008:Repository/599547518/v0.10.0"
    assert first.kind == "release"
    assert first.url == "https://github.com/vllm-project/vllm/releases/tag/v0.10.0"
    assert first.fields == {
        "repo": "vllm-project/vllm",
        "tag": "v0.10.0",
        "updated": "2025-07-24T05:12:44.000000+00:00",
        "author": "simon-mo",
    }
    assert first.updated == datetime(2025, 7, 24, 5, 12, 44, tzinfo=UTC)
    assert first.published is None  # GitHub states no publication time


def test_release_text_is_the_title_then_the_notes_as_plain_text() -> None:
    """Escaped HTML notes are flattened; script content is dropped; entities unescaped."""
    text = releases().observations[0].text
    assert text.startswith("v0.10.0\nHighlights\n")
    assert "GLM-4.5 (Glm4MoeForCausalLM) and Step3" in text
    assert "Kimi K2 tool parser & MiniMax-M1 fixes" in text
    assert "alert" not in text and "<" not in text


def test_a_tag_with_a_slash_is_kept_whole() -> None:
    """Tags may contain "/"; the id keeps everything after the repository number."""
    assert releases().observations[2].fields["tag"] == "release/2025-07-rc1"


def test_commit_entries_become_commit_observations() -> None:
    """Commit feeds: kind commit, the sha, and the title not repeated in the text."""
    result = github_releases.parse(
        fixture("github_commits.atom"), {}, source("github-releases", COMMITS_URL), FETCHED_AT
    )
    first = result.observations[0]
    assert first.kind == "commit"
    assert first.title == "Release GLM-4.5 and GLM-4.5-Air weights"
    assert first.fields["repo"] == "zai-org/GLM-4.5"
    assert first.fields["commit"] == "3f9c2a7d41b0e6c58a1d2e4f7b9c0d1e2f3a4b5c"
    assert first.text == (
        "Release GLM-4.5 and GLM-4.5-Air weights\n355B total / 32B active parameters; MIT license."
    )
    assert result.bozo_reason is None


def test_the_repo_comes_from_the_source_url_when_links_are_missing() -> None:
    """An entry without a link still names its repo (from the configured URL)."""
    body = fixture("github_releases.atom").replace(b'rel="alternate" type="text/html" href', b"x")
    result = github_releases.parse(body, {}, source("github-releases", RELEASES_URL), FETCHED_AT)
    assert {o.fields["repo"] for o in result.observations} == {"vllm-project/vllm"}
    assert all(o.url is None for o in result.observations)


def test_a_release_hash_ignores_a_bumped_updated_time() -> None:
    """Re-saving a release without changes is no revision; editing its notes is."""
    body = fixture("github_releases.atom")
    bumped = body.replace(b"2025-07-24T05:12:44Z", b"2025-07-30T00:00:00Z")
    edited = body.replace(b"Bug fixes for the V1 engine", b"Bug fixes for the V0 engine")
    config = source("github-releases", RELEASES_URL)
    original = [o.sha256 for o in releases().observations]
    assert [
        o.sha256 for o in github_releases.parse(bumped, {}, config, FETCHED_AT).observations
    ] == original
    changed = [o.sha256 for o in github_releases.parse(edited, {}, config, FETCHED_AT).observations]
    assert changed[0] == original[0] and changed[1] != original[1]


def test_an_ordinary_feed_is_not_a_github_feed() -> None:
    """Entries without GitHub ids mean the source kind is wrong."""
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
    <item><title>a</title><guid>urn:a</guid></item></channel></rss>"""
    with pytest.raises(ParseError, match="not a GitHub"):
        github_releases.parse(body, {}, source("github-releases", RELEASES_URL), FETCHED_AT)


# --- Hugging Face ---------------------------------------------------------------------------


def hf(name: str = "hf_models_full.json", body: bytes | None = None) -> ParseResult:
    return hf_models.parse(body or fixture(name), {}, source("hf-models"), FETCHED_AT)


def test_a_full_listing_yields_one_model_per_repo() -> None:
    """Item id is the repo id; the license comes from the license: tag."""
    glm = hf().observations[0]
    assert (glm.item_id, glm.kind, glm.title) == ("zai-org/GLM-4.5", "hf-model", "zai-org/GLM-4.5")
    assert glm.url == "https://huggingface.co/zai-org/GLM-4.5"
    assert glm.published == datetime(2025, 7, 28, 8, 3, 12, tzinfo=UTC)
    assert glm.updated == datetime(2025, 8, 11, 9, 30, tzinfo=UTC)
    assert {k: glm.fields[k] for k in ("repo", "author", "license", "pipeline_tag")} == {
        "repo": "zai-org/GLM-4.5",
        "author": "zai-org",
        "license": "mit",
        "pipeline_tag": "text-generation",
    }
    assert (glm.fields["downloads"], glm.fields["likes"]) == (52231, 1318)
    assert glm.fields["created_at"] == "2025-07-28T08:03:12.000000+00:00"
    assert "arxiv:2508.06471" in glm.fields["tags"]


def test_the_default_listing_shape_is_read_too() -> None:
    """Without author and lastModified: the author is the repo owner, last_modified None."""
    kimi, qwen = hf("hf_models_default.json").observations
    assert (kimi.fields["author"], kimi.fields["license"], kimi.updated) == (
        "moonshotai",
        "other",
        None,
    )
    assert qwen.fields["license"] == "apache-2.0"


def test_downloads_and_likes_do_not_change_the_hash() -> None:
    """Daily churn is no revision; a license change is."""
    items = json.loads(fixture("hf_models_full.json"))
    items[0]["downloads"] += 1000
    items[0]["likes"] += 7
    churned = hf(body=json.dumps(items).encode())
    assert churned.observations[0].sha256 == hf().observations[0].sha256
    assert churned.observations[0].fields["downloads"] == 53231
    items[0]["tags"] = [t if t != "license:mit" else "license:apache-2.0" for t in items[0]["tags"]]
    assert hf(body=json.dumps(items).encode()).observations[0].sha256 != hf().observations[0].sha256


def test_items_without_an_id_are_skipped_and_counted() -> None:
    """A listing with junk keeps the good items and says what it skipped."""
    body = (
        b'[{"id": "Qwen/Qwen3-Coder-480B-A35B-Instruct"}, {"likes": 3}, "junk", {"id": "../x y"}]'
    )
    result = hf(body=body)
    assert [o.item_id for o in result.observations] == ["Qwen/Qwen3-Coder-480B-A35B-Instruct"]
    assert result.bozo_reason == "skipped 3 of 4 items without a repo id"


def test_a_single_model_object_is_a_listing_of_one() -> None:
    """/api/models/{repo_id} returns one object."""
    assert [o.item_id for o in hf(body=b'{"id": "stepfun-ai/step3"}').observations] == [
        "stepfun-ai/step3"
    ]


@pytest.mark.parametrize("body", [b"<html>rate limited</html>", b'{"error": "Invalid"}', b"7"])
def test_a_body_that_is_no_listing_raises(body: bytes) -> None:
    """HTML or an error object is a ParseError with a message."""
    with pytest.raises(ParseError, match="not a Hugging Face model listing"):
        hf(body=body)


def test_next_page_follows_the_link_header() -> None:
    """The cursor URL of rel="next", whatever the header's case and other rels."""
    nxt = "https://huggingface.co/api/models?author=Qwen&cursor=eyJfaWQiOjF9&limit=50"
    assert hf_models.next_page({"Link": f'<{nxt}>; rel="next"'}) == nxt
    both = f'<https://huggingface.co/api/models?p=0>; rel="prev", <{nxt}>; rel=next'
    assert hf_models.next_page({"link": both}) == nxt
    assert hf_models.next_page({"link": '<https://x/?a=1,2>; rel="prev"'}) is None
    assert hf_models.next_page({}) is None


# --- Leaderboards ---------------------------------------------------------------------------


def board(body: bytes, headers: dict[str, str] | None = None, **options: Any) -> ParseResult:
    config = source("leaderboard", leaderboard="lmarena-text", **options)
    return leaderboard.parse(body, headers or {}, config, FETCHED_AT)


def test_a_json_snapshot_is_one_observation_with_normalized_rows() -> None:
    """One snapshot: id board@as_of, the method, and rows in crownlog's shape."""
    result = board(fixture("leaderboard_lmarena.json"))
    (snapshot,) = result.observations
    assert snapshot.item_id == "lmarena-text@2025-12-11T00:00:00.000000+00:00"
    assert (snapshot.kind, snapshot.published) == (
        "leaderboard",
        datetime(2025, 12, 11, tzinfo=UTC),
    )
    assert snapshot.fields["method"] == "bt-clt-reweighted-2025-07-23"
    rows = {row["model"]: row for row in snapshot.fields["rows"]}
    assert rows["glm-4.5"] == {
        "model": "glm-4.5",
        "score": 1428.1,
        "rank": 9,
        "license": "MIT",
        "open_weights": True,
        "votes": 20510,
        "ci_low": 1423.3,
        "ci_high": 1433.0,
    }
    assert (rows["deepseek-r1-0528"]["ci_low"], rows["deepseek-r1-0528"]["ci_high"]) == (
        1420.1,
        1431.2,
    )
    qwen = rows["qwen3-235b-a22b-instruct-2507"]
    assert (qwen["score"], qwen["rank"], qwen["votes"]) == (1418.5, 12, 15402)
    assert result.bozo_reason == "skipped 3 of 10 rows without a model or a numeric score"


def test_open_weights_follow_the_license_unless_the_row_says_otherwise() -> None:
    """Proprietary is closed; a named license is open; an explicit flag wins; none is unknown."""
    rows = {
        r["model"]: r
        for r in board(fixture("leaderboard_lmarena.json")).observations[0].fields["rows"]
    }
    assert rows["gemini-3-pro"]["open_weights"] is False
    assert rows["kimi-k2-0711-preview"]["open_weights"] is True
    assert rows["llama-4-maverick-17b-128e-instruct"]["open_weights"] is False
    assert rows["mystery-model"]["open_weights"] is None
    assert open_weights("PROPRIETARY", True) is False
    assert open_weights("apache-2.0", None) is True


def test_columns_and_a_nested_rows_path_map_another_board() -> None:
    """[source.columns] and rows = "data.models"; as_of and method name other keys."""
    result = board(
        fixture("leaderboard_nested.json"),
        rows="data.models",
        as_of="meta.updated",
        method="aa-index-v2.2",
        columns={"model": "Model", "score": "Intelligence Index", "open_weights": "Weights"},
    )
    snapshot = result.observations[0]
    assert snapshot.fields["as_of"] == "2025-08-05T12:00:00.000000+00:00"
    assert snapshot.fields["method"] == "aa-index-v2.2"  # the document states none at "method"
    assert [(r["model"], r["score"], r["open_weights"]) for r in snapshot.fields["rows"]][:2] == [
        ("DeepSeek-R1-0528", 59.0, True),
        ("Qwen3 235B 2507 (Reasoning)", 64.0, True),
    ]


def test_the_document_method_beats_the_config() -> None:
    """Data that states its scoring method wins over a config that cannot know when it changed."""
    result = board(fixture("leaderboard_lmarena.json"), method="configured")
    assert result.observations[0].fields["method"] == "bt-clt-reweighted-2025-07-23"


def test_an_arena_catalog_mapping_is_read_as_rows() -> None:
    """{"full": {model: {rating, rating_q025, rating_q975}}}: the key is the model."""
    result = board(
        fixture("arena_catalog.json"),
        rows="full",
        columns={"score": "rating", "ci_low": "rating_q025", "ci_high": "rating_q975"},
    )
    rows = result.observations[0].fields["rows"]
    assert [r["model"] for r in rows] == [
        "glm-4.5",
        "qwen3-235b-a22b-instruct-2507",
        "kimi-k2-0711-preview",
    ]
    assert rows[0]["ci_low"] == pytest.approx(1403.8446508106963)


def test_a_csv_snapshot_with_relative_intervals() -> None:
    """A header row, quoted numbers with thousands separators, "+7/-6" intervals."""
    result = board(
        fixture("leaderboard_flat.csv"),
        {"Last-Modified": "Thu, 11 Dec 2025 06:00:00 GMT"},
        columns={"model": "Model", "score": "Arena Score", "rank": "Rank* (UB)", "ci": "95% CI"},
    )
    snapshot = result.observations[0]
    assert snapshot.fields["as_of"] == "2025-12-11T06:00:00.000000+00:00"  # from Last-Modified
    gemini, glm, _qwen, step = snapshot.fields["rows"]
    assert (gemini["ci_low"], gemini["ci_high"], gemini["votes"]) == (1481.0, 1494.0, 11230)
    assert gemini["open_weights"] is False and glm["open_weights"] is True
    assert (step["model"], step["rank"]) == ("Step-3, preview", None)
    assert result.bozo_reason == "skipped 1 of 5 rows without a model or a numeric score"


def test_as_of_falls_back_to_the_date_header_then_the_fetch_time() -> None:
    """No as_of in the data: Date header, else fetched_at."""
    body = b'{"rows": [{"model": "glm-4.5", "score": 1}]}'
    dated = board(body, {"date": "Fri, 12 Dec 2025 07:00:00 GMT"}).observations[0]
    assert dated.published == datetime(2025, 12, 12, 7, tzinfo=UTC)
    assert board(body).observations[0].published == FETCHED_AT


def test_epoch_as_of_values_are_read() -> None:
    """Seconds or milliseconds since the epoch."""
    for value in (1765411200, 1765411200000):
        body = json.dumps({"as_of": value, "rows": [{"model": "m", "score": 1}]}).encode()
        assert board(body).observations[0].published == datetime(2025, 12, 11, tzinfo=UTC)


def test_the_hash_ignores_row_order_but_not_scores() -> None:
    """Reordered rows are the same snapshot; a changed score is not."""
    doc = json.loads(fixture("leaderboard_lmarena.json"))
    original = board(json.dumps(doc).encode()).observations[0].sha256
    doc["rows"].reverse()
    assert board(json.dumps(doc).encode()).observations[0].sha256 == original
    doc["rows"][-2]["score"] = 1499.0
    assert board(json.dumps(doc).encode()).observations[0].sha256 != original


@pytest.mark.parametrize(
    ("body", "options", "message"),
    [
        (b"", {}, "empty response body"),
        (b'{"rows": [{"model": "x"}]}', {}, "none of 1 rows"),
        (b'{"data": []}', {}, "no list of rows"),
        (b"{not json", {"format": "json"}, "not valid JSON"),
        (b"PAR1....PAR1", {}, "parquet"),
        (b"a,b\n1,2\n", {"format": "xlsx"}, "unknown leaderboard format"),
    ],
)
def test_unusable_snapshots_raise_parse_errors(
    body: bytes, options: dict[str, Any], message: str
) -> None:
    """Each failure says what was wrong and what to set."""
    with pytest.raises(ParseError, match=message):
        board(body, **options)


def test_parquet_without_pyarrow_says_so() -> None:
    """Parquet is optional; without pyarrow the error names it (nothing is unpickled)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(ParseError, match="parquet needs pyarrow"):
            board(b"PAR1\x00\x00PAR1", format="parquet")
    else:
        pytest.skip(reason="pyarrow is installed here")


def test_the_registry_lists_every_kind() -> None:
    """One explicit literal maps each source kind to its adapter."""
    assert sorted(ADAPTERS) == [
        "feed", "github-releases", "hf-models", "hf-repo", "leaderboard", "model-card", "models",
    ]  # fmt: skip
    assert ADAPTERS["github-releases"] is github_releases.parse
    assert ADAPTERS["hf-models"] is hf_models.parse
    assert ADAPTERS["leaderboard"] is leaderboard.parse
