"""Model names in English and Chinese text: longest match, boundaries, variants, repo ids."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from jobs.catalog import ModelEntry, load_catalog
from jobs.extract.names import NameResolver, is_packaging, slugify

CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog.toml"


@cache
def resolver() -> NameResolver:
    return NameResolver.from_catalog(load_catalog(CATALOG))


def slugs(text: str) -> list[str]:
    return [match.slug for match in resolver().find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GLM-4.5-Air is not GLM-4.5", ["glm-4.5-air", "glm-4.5"]),
        ("Qwen3-Coder beats Qwen3", ["qwen3-coder", "qwen3"]),
        (
            "Qwen3-235B-A22B-Instruct-2507 replaces Qwen3-235B-A22B",
            ["qwen3-235b-a22b-instruct-2507", "qwen3-235b-a22b"],
        ),
        ("Kimi K2 0905 follows Kimi K2", ["kimi-k2-0905", "kimi-k2"]),
    ],
)
def test_the_longest_name_wins(text: str, expected: list[str]) -> None:
    """A name inside a longer name is not a mention of the shorter model."""
    assert slugs(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Step 3", "Step-3", "step3", "STEP_3", "stepfun-ai/step3"],
)
def test_spacing_hyphen_and_underscore_variants_resolve_alike(text: str) -> None:
    """Separators between the parts of a name are optional."""
    assert slugs(f"今天{text}发布") == ["step-3"]
    assert resolver().resolve(text) == "step-3"


@pytest.mark.parametrize(
    "text", ["Kimi K2", "Kimi-K2", "kimi_k2", "KIMI K2", "kimi-k2-0711-preview"]
)
def test_kimi_spellings_and_the_arena_key(text: str) -> None:
    """Every spelling of Kimi K2, and its leaderboard key, is the same model."""
    assert resolver().resolve(text) == "kimi-k2"


def test_chinese_text_without_spaces() -> None:
    """CJK characters are boundaries: names are found inside unspaced Chinese sentences."""
    text = "智谱发布GLM-4.5，月之暗面的Kimi K2总参数1万亿，腾讯混元A13B也来了"
    found = resolver().find(text)
    assert [m.slug for m in found] == ["glm-4.5", "kimi-k2", "hunyuan-a13b"]
    assert [text[m.start : m.end] for m in found] == [m.surface for m in found]


def test_full_width_text_is_normalised_but_offsets_point_into_the_original() -> None:
    """ＧＬＭ－４．５ matches GLM-4.5; start/end index the text as given."""
    text = "智谱的ＧＬＭ－４．５－Ａｉｒ（１０６Ｂ）"
    (match,) = resolver().find(text)
    assert match.slug == "glm-4.5-air"
    assert match.surface == "ＧＬＭ－４．５－Ａｉｒ" == text[match.start : match.end]


@pytest.mark.parametrize(
    "text",
    [
        "It is smaller than GLM-4.5.",
        "比GLM-4.5。",
        "(GLM-4.5)",
        "GLM-4.5's context",
        "GLM-4.5, then",
    ],
)
def test_a_name_may_end_a_clause(text: str) -> None:
    """Punctuation after a name is a boundary and is not part of the match."""
    (match,) = resolver().find(text)
    assert (match.slug, match.surface) == ("glm-4.5", "GLM-4.5")


@pytest.mark.parametrize(
    ("text", "sibling"),
    [
        ("GLM-4.5V", "glm-4.5v"),
        ("GLM-4.5.1", "glm-4.5.1"),
        ("GLM-4.55", "glm-4.55"),
        ("Qwen3-Coder-Plus", "qwen3-coder-plus"),
        ("Qwen3-Max-preview", "qwen3-max-preview"),
        ("DeepSeek V3.1", "deepseek-v3.1"),
        ("DeepSeek-R1-0528-Qwen3-8B", "deepseek-r1-0528-qwen3-8b"),
    ],
)
def test_a_longer_word_is_another_model(text: str, sibling: str) -> None:
    """A known name continued by letters, digits or another part is an unknown sibling model,
    so what the sentence says about it cannot land on the known one."""
    (match,) = resolver().find(f"{text} is out.")
    assert (match.slug, match.surface, match.known) == (sibling, text, False)


def test_a_name_inside_a_word_is_no_name() -> None:
    """xGLM-4.5 is not GLM-4.5."""
    assert slugs("xGLM-4.5 and fooKimi K2") == []


def test_packagings_of_the_same_weights_still_match() -> None:
    """-FP8 / -GGUF uploads are the same model; the repo id is part of the match."""
    found = resolver().find("Try unsloth/GLM-4.5-Air-GGUF or zai-org/GLM-4.5-Air-FP8.")
    assert [(m.slug, m.surface) for m in found] == [
        ("glm-4.5-air", "unsloth/GLM-4.5-Air-GGUF"),
        ("glm-4.5-air", "zai-org/GLM-4.5-Air-FP8"),
    ]
    assert resolver().resolve("Qwen/Qwen3-235B-A22B-Instruct-2507-FP8") == (
        "qwen3-235b-a22b-instruct-2507"
    )
    assert is_packaging("zai-org/GLM-4.5-Air-FP8") and not is_packaging("zai-org/GLM-4.5-Air")


def test_repo_ids_of_known_and_unknown_models() -> None:
    """zai-org/GLM-4.5-Air resolves; an unknown org/Model-Name gets a slug and known=False."""
    found = resolver().find("See https://huggingface.co/zai-org/GLM-4.5-Air and acme/Nova-7B-Chat.")
    assert [(m.slug, m.known) for m in found] == [("glm-4.5-air", True), ("nova-7b-chat", False)]
    assert resolver().resolve("acme/Nova-7B-Chat") is None


def test_paths_that_are_not_repo_ids_are_ignored() -> None:
    """Release tags, domains and words with a slash are not models."""
    assert slugs("github.com/x/releases/tag/v0.95.1 and/or TCP/IP and 24/7") == []


def test_lab_aliases_map_owners_and_chinese_names_to_labs() -> None:
    """HF authors, GitHub owners and Chinese lab names map to lab slugs."""
    assert [resolver().lab_of(name) for name in ("zai-org", "月之暗面", "Qwen", "MiniMax-AI")] == [
        "zhipu",
        "moonshot",
        "alibaba",
        "minimax",
    ]
    assert resolver().lab_of("unsloth") is None


def test_models_registered_later_are_found_too() -> None:
    """with_models adds models from the log without losing the catalog's."""
    later = resolver().with_models(
        [ModelEntry("glm-4.6", "GLM-4.6", "zhipu", ("zai-org/GLM-4.6",))]
    )
    assert [m.slug for m in later.find("GLM-4.6 follows GLM-4.5")] == ["glm-4.6", "glm-4.5"]
    assert later.knows("glm-4.6") and not resolver().knows("glm-4.6")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Kimi K2", "kimi-k2"),
        ("org/Model-Name", "model-name"),
        ("Qwen3-235B-A22B", "qwen3-235b-a22b"),
        ("  GLM 4.5 Air!! ", "glm-4.5-air"),
        ("Ｓｔｅｐ　３", "step-3"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    """Slugs are lowercase [a-z0-9.-], from the name part of a repo id."""
    assert slugify(name) == slug


def test_slugify_never_returns_an_empty_slug() -> None:
    """A name without Latin letters or digits still gets a stable slug."""
    assert slugify("混元") == slugify("混元") != ""
    assert set(slugify("混元")) <= set("abcdefghijklmnopqrstuvwxyz0123456789.-")


def test_a_display_name_a_source_gave_one_model_is_not_another_board_key() -> None:
    """LMArena's metadata names glm-4-plus-0111 "GLM-4-Plus"; the board also lists glm-4-plus.
    Prose finds the display name, but the board key glm-4-plus stays its own model, in
    whichever order the metadata and the board were read."""
    learned = ModelEntry("glm-4-plus-0111", "GLM-4-Plus", None, ("glm-4-plus-0111",))
    names = resolver().with_models([learned])
    assert names.resolve("GLM-4-Plus") == "glm-4-plus-0111"
    assert names.resolve_key("glm-4-plus") is None  # not known: the key's own slug
    assert names.resolve_key("glm-4-plus-0111") == "glm-4-plus-0111"
    assert names.resolve_key("qwen3-235b-a22b-no-thinking") == "qwen3-235b-a22b"  # catalog alias
    assert names.with_aliases("glm-4-plus-0111", ["x"]).resolve_key("glm-4-plus") is None


def test_two_keys_of_one_snapshot_never_share_a_model() -> None:
    """The catalog folds qwen3-235b-a22b-no-thinking into qwen3-235b-a22b; a board that lists
    both keeps two entries (the key that is the slug keeps the model)."""
    from jobs.extract.boardkeys import board_slugs

    keys = ["qwen3-235b-a22b-no-thinking", "qwen3-235b-a22b", "kimi-k2-0711-preview"]
    assert board_slugs(keys, resolver()) == {
        "qwen3-235b-a22b": "qwen3-235b-a22b",
        "qwen3-235b-a22b-no-thinking": "qwen3-235b-a22b-no-thinking",
        "kimi-k2-0711-preview": "kimi-k2",
    }
    assert board_slugs(["qwen3-235b-a22b-no-thinking"], resolver()) == {
        "qwen3-235b-a22b-no-thinking": "qwen3-235b-a22b"
    }
    assert board_slugs(["Foo", "foo"], None) == {"Foo": "foo"}  # the same slug twice: one row
