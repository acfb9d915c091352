"""Comparison and ranking phrases: the model compared with never takes the subject's figures,
and a pronoun after the comparison still refers to the subject (English, simplified and
traditional Chinese, one phrase at a time)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from jobs.catalog import load_catalog
from jobs.extract.facts import extract
from jobs.extract.names import NameResolver

CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog.toml"
B = 10**9

ENGLISH = [
    "rivals", "matches", "is on par with", "beats", "outperforms", "trails", "ranks behind",
    "is compared with", "is cheaper than", "surpasses", "approaches", "lags", "challenges",
    "is comparable to", "sits ahead of", "is measured against", "falls short of",
    "runs neck and neck with",
]  # fmt: skip
SIMPLIFIED = [
    "对标", "比肩", "媲美", "超越", "不及", "相当于", "超过", "击败", "逼近", "优于", "领先",
    "碾压", "跑赢", "紧追", "不如", "落后于", "挑战",
]  # fmt: skip
TRADITIONAL = [
    "對標", "比肩", "媲美", "超越", "不及", "相當於", "超過", "擊敗", "逼近", "優於", "領先",
    "碾壓", "跑贏", "緊追", "不如", "落後於", "挑戰",
]  # fmt: skip
#: Phrases that wrap the compared model: "与X相比" / "與X相比".
WRAPPING = [
    ("与{}相比", "zh-Hans"), ("与{}相当", "zh-Hans"), ("和{}一较高下", "zh-Hans"),
    ("比{}更大", "zh-Hans"), ("与{}不相上下", "zh-Hans"), ("與{}相比", "zh-Hant"),
    ("與{}相當", "zh-Hant"), ("和{}一較高下", "zh-Hant"), ("比{}更大", "zh-Hant"),
    ("與{}不相上下", "zh-Hant"),
]  # fmt: skip
PRONOUNS = {"zh-Hans": ("其", "它的", "该模型的"), "zh-Hant": ("其", "它的", "該模型的")}


@cache
def resolver() -> NameResolver:
    return NameResolver.from_catalog(load_catalog(CATALOG))


def sizes(text: str) -> set[tuple[str, str, int]]:
    return {
        (f.model, f.field, f.value)
        for f in extract(text, resolver())
        if f.field.startswith("params_")
    }


def assert_subject_keeps_its_figures(text: str) -> None:
    found = sizes(text)
    assert ("glm-4.5", "params_total", 355 * B) in found, text
    assert ("glm-4.5", "params_active", 32 * B) in found, text
    assert not {fact for fact in found if fact[0] == "kimi-k2"}, (text, found)


@pytest.mark.parametrize("phrase", ENGLISH)
def test_english_phrase_names_a_model_that_takes_nothing(phrase: str) -> None:
    """GLM-4.5 <phrase> Kimi K2: the figures and the next sentence's "It" are GLM-4.5's."""
    assert_subject_keeps_its_figures(
        f"GLM-4.5 {phrase} Kimi K2, and it has 355B total parameters. It activates 32B of them."
    )


#: Phrases that open the sentence with the compared model, capitalised as they are written.
LEADING = ["Compared with", "Compared to", "Unlike", "Versus", "Relative to", "In contrast to"]


@pytest.mark.parametrize("phrase", LEADING)
def test_a_leading_english_comparison_leaves_the_subject_to_the_main_clause(phrase: str) -> None:
    """ "Compared with Kimi K2, GLM-4.5 has …. It …": "It" is GLM-4.5, not the model named first."""
    assert_subject_keeps_its_figures(
        f"{phrase} Kimi K2, GLM-4.5 has 355B total parameters. It activates 32B of them."
    )


def test_behind_between_commas_names_a_model_that_takes_nothing() -> None:
    """ "GLM-4.5 ranks second, behind Kimi K2, with 355B …": the figures are GLM-4.5's."""
    assert_subject_keeps_its_figures(
        "GLM-4.5 ranks second, behind Kimi K2, with 355B total parameters. It activates 32B."
    )


@pytest.mark.parametrize(
    ("phrase", "lang"),
    [(p, "zh-Hans") for p in SIMPLIFIED] + [(p, "zh-Hant") for p in TRADITIONAL],
)
def test_chinese_phrase_names_a_model_that_takes_nothing(phrase: str, lang: str) -> None:
    """GLM-4.5<phrase>Kimi K2，总参数3550亿。其激活参数320亿 — all GLM-4.5's, in both scripts."""
    total, active = ("总参数", "激活参数") if lang == "zh-Hans" else ("總參數", "激活參數")
    for pronoun in PRONOUNS[lang]:
        assert_subject_keeps_its_figures(
            f"GLM-4.5{phrase}Kimi K2，{total}3550亿。{pronoun}{active}为320亿。"
        )


@pytest.mark.parametrize(("pattern", "lang"), WRAPPING)
def test_wrapping_phrase_keeps_the_compared_model_inside(pattern: str, lang: str) -> None:
    """GLM-4.5与Kimi K2相比，总参数3550亿…: the wrapped model takes nothing."""
    total, active = ("总参数", "激活参数") if lang == "zh-Hans" else ("總參數", "激活參數")
    compared = pattern.format("Kimi K2")
    for pronoun in PRONOUNS[lang]:
        assert_subject_keeps_its_figures(
            f"GLM-4.5{compared}，{total}3550亿。{pronoun}{active}为320亿。"
        )


def test_the_compared_model_keeps_a_figure_attached_to_it() -> None:
    """A figure right after the compared name is that model's ("比肩Kimi K2(1万亿参数)")."""
    found = sizes("GLM-4.5总参数3550亿，比肩Kimi K2(1万亿参数)。")
    assert ("glm-4.5", "params_total", 355 * B) in found
    assert ("kimi-k2", "params_total", 10**12) in found


def test_a_closed_model_named_in_a_comparison_takes_the_closed_word() -> None:
    """In "超越國內閉源模型" the closed word is about the field compared with, not the subject."""
    facts = {
        (f.model, f.field)
        for f in extract("MiniMax-M1是開源模型，性能超越國內閉源模型。", resolver())
    }
    assert ("minimax-m1", "license") not in facts
    assert ("minimax-m1", "open_weights") in facts


def test_a_list_of_compared_models_is_compared_as_a_whole() -> None:
    """In "outperforms open models like DeepSeek R1 and Qwen3": neither is the subject."""
    found = sizes(
        "With 456 billion total parameters and 45.9B active per token, MiniMax-M1 often "
        "outperforms other open models like DeepSeek R1 and Qwen3-235B-A22B."
    )
    assert ("minimax-m1", "params_total", 456 * B) in found
    assert ("minimax-m1", "params_active", 45_900_000_000) in found
    assert not {fact for fact in found if fact[0] == "deepseek-r1"}


def test_a_model_class_named_in_a_comparison_takes_nothing() -> None:
    """ "its cost near a 13B dense model": neither the figure nor "dense" is the subject's."""
    text = (
        "Hunyuan-A13B is a Mixture-of-Experts model with 80B total parameters, of which 13B fire "
        "per token. That keeps its cost near a 13B dense model."
    )
    facts = {(f.model, f.field, f.value) for f in extract(text, resolver())}
    assert ("hunyuan-a13b", "params_total", 80 * B) in facts
    assert ("hunyuan-a13b", "params_active", 13 * B) in facts
    assert ("hunyuan-a13b", "params_total", 13 * B) not in facts
    assert ("hunyuan-a13b", "architecture", "dense") not in facts
