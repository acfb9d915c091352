"""Scraped-text noise is undone before matching, and the evidence still quotes the original."""

from __future__ import annotations

import pytest

from jobs.extract.clean import clean
from jobs.extract.facts import extract
from jobs.extract.noise import chinese_numeral
from tests.extracting import B, facts_of, resolver

NOISE = [
    # (form, text, expected facts)
    (
        "romanisation after characters",
        "月之暗面(yuè zhī àn miàn)的大模型(mó xíng)Kimi K2已經開源(kāi yuán)，總參數達1萬億。",
        {("kimi-k2", "open_weights", True), ("kimi-k2", "params_total", 10**12)},
    ),
    (
        "full-width letters, digits and punctuation",
        "ＭｉｎｉＭａｘ－Ｍ１總參數量４５６０億，激活參數４５９億。",
        {("minimax-m1", "params_total", 456 * B), ("minimax-m1", "params_active", 45_900_000_000)},
    ),
    (
        "stray spaces inside numbers (simplified)",
        "DeepSeek-V3总参数 6 710 亿，激活参数 370 亿。",
        {("deepseek-v3", "params_total", 671 * B), ("deepseek-v3", "params_active", 37 * B)},
    ),
    (
        "stray spaces inside numbers (traditional)",
        "Qwen3-235B-A22B擁有 2 350 億總參數，原生支援 262 144 tokens 的上下文。",
        {
            ("qwen3-235b-a22b", "params_total", 235 * B),
            ("qwen3-235b-a22b", "params_active", 22 * B),
            ("qwen3-235b-a22b", "architecture", "moe"),
            ("qwen3-235b-a22b", "context_length", 262_144),
        },
    ),
    (
        "HTML entities",
        "Kimi&nbsp;K2 has 1&nbsp;trillion total parameters &amp; 32&#160;billion active ones.",
        {("kimi-k2", "params_total", 10**12), ("kimi-k2", "params_active", 32 * B)},
    ),
    (
        "non-breaking hyphens in a name (character and entity)",
        "Step\u20113 and Step&#8209;3 is a 321B-parameter model.",
        {("step-3", "params_total", 321 * B)},
    ),
    (
        "zero-width characters",
        "GLM\u200b-4.5的上下\u200b文长度为128K，总\u200d参数3550亿。",
        {("glm-4.5", "context_length", 131_072), ("glm-4.5", "params_total", 355 * B)},
    ),
    (
        "Chinese numerals before a magnitude",
        "MiniMax-M1支持高达一百万令牌的上下文窗口。",
        {("minimax-m1", "context_length", 1_000_000)},
    ),
    (
        "Markdown emphasis and inline tags",
        "GLM-4.5 has **355** billion total parameters with <strong>32</strong> billion active.",
        {("glm-4.5", "params_total", 355 * B), ("glm-4.5", "params_active", 32 * B)},
    ),
    (
        "flattened spec sheet, label and value on two lines",
        "GLM-4.5\nActive Parameters\n32B\nContext Length\n128K\nLicense\nMIT License",
        {
            ("glm-4.5", "params_active", 32 * B),
            ("glm-4.5", "context_length", 131_072),
            ("glm-4.5", "license", "MIT"),
        },
    ),
    (
        "flattened spec sheet, label and value glued",
        "Step3 model card\nMax Context Length65536\nActivated Params per Token38B",
        {("step-3", "context_length", 65_536), ("step-3", "params_active", 38 * B)},
    ),
]


@pytest.mark.parametrize(("form", "text", "expected"), NOISE, ids=[n[0] for n in NOISE])
def test_noise_is_undone_before_matching(form: str, text: str, expected: set) -> None:
    """Each noise form still yields the facts of the clean text, and nothing else."""
    assert facts_of(text) == expected, form


def test_evidence_quotes_the_original_text() -> None:
    """The evidence is the sentence as the source wrote it, annotations and all."""
    text = "大模型(mó xíng)Kimi K2總參數達 1 萬億。"
    (total,) = [f for f in extract(text, resolver()) if f.field == "params_total"]
    assert total.evidence == text


def test_cleaning_keeps_a_map_back_to_the_original() -> None:
    """Every cleaned span maps to the original characters it came from."""
    text = "Step&#8209;3：總參數 3 210 億(zǒng cān shù)"
    cleaned = clean(text)
    assert cleaned.text == "Step-3:總參數 3210 億"
    start = cleaned.text.index("3210")
    first, last = cleaned.original_span(start, start + 4)
    assert text[first:last] == "3 210"


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("一", 1), ("十", 10), ("十二", 12), ("一百", 100), ("两千五百", 2500), ("三千零五", 3005)],
)
def test_chinese_numerals(numeral: str, value: int) -> None:
    assert chinese_numeral(numeral) == value


def test_numbers_without_a_unit_keep_their_spaces() -> None:
    """In "in 12 200 cities" nothing is joined: only digits before a unit are."""
    assert clean("Kimi K2 ran in 12 200 cities").text == "Kimi K2 ran in 12 200 cities"
