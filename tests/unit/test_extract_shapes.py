"""Shapes of real published text found while building the second round of the evaluation set
(issue 11): short names after the family, model classes, number words, list labels, asides."""

from __future__ import annotations

import pytest

from tests.extracting import B, facts_of, resolver


def test_a_short_name_after_its_family_names_the_model() -> None:
    """ "Llama 4 … Scout (17B active, 109B total) and Maverick (…)": each its own figures."""
    text = (
        "Meta released Llama 4 in two variants: Scout (17B active params, 109B total) and "
        "Maverick (17B active, 400B total)."
    )
    assert facts_of(text) >= {
        ("llama-4-scout", "params_active", 17 * B),
        ("llama-4-scout", "params_total", 109 * B),
        ("llama-4-maverick", "params_active", 17 * B),
        ("llama-4-maverick", "params_total", 400 * B),
    }


def test_a_short_code_after_the_brand_names_the_model_in_both_scripts() -> None:
    facts = facts_of("DeepSeek-R1、DeepSeek-V3 都很強。R1 用 MIT 授權開源。")
    assert ("deepseek-r1", "license", "MIT") in facts


@pytest.mark.parametrize(
    "text",
    [
        "The Scout has 109B total parameters.",  # no "Llama 4" in the text: a scout
        "DeepSeek-R1-0528 is out. The new R1 has 685B total parameters.",  # R1 is ambiguous
        "DeepSeek topped BFCL V3 with 685B total parameters.",  # a benchmark's version
        "DeepSeek released R1-0528 with 685B total parameters.",  # another model
    ],
)
def test_a_short_form_names_nothing_where_it_could_mean_something_else(text: str) -> None:
    assert not {f for f in facts_of(text) if f[0] in ("llama-4-scout", "deepseek-r1",
                                                       "deepseek-v3")}, text  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "Kimi K2 has 1T total parameters. A dense 70-billion-parameter model needs two GPUs.",
        "Kimi K2 has 1T total parameters, with the compute cost of a typical 32 B model.",
        "Kimi K2 has 1T total parameters; its cost is closer to a dense 17B model.",
    ],
)
def test_a_kind_of_model_is_no_model(text: str) -> None:
    """ "a dense 70B model", "a typical 32 B model": neither size nor "dense" is Kimi K2's."""
    assert facts_of(text) == {("kimi-k2", "params_total", 10**12)}, text


def test_english_number_words_before_a_magnitude() -> None:
    assert ("kimi-k2", "params_total", 10**12) in facts_of(
        "Kimi K2 is a mixture-of-experts model with one trillion parameters."
    )


def test_effective_parameters_are_active_ones() -> None:
    """technews.tw: "170 億有效參數和 1,090 億總參數"."""
    assert facts_of("Llama 4 Scout 擁有 170 億有效參數和 1,090 億總參數。") == {
        ("llama-4-scout", "params_active", 17 * B),
        ("llama-4-scout", "params_total", 109 * B),
    }


def test_out_of_a_total_of() -> None:
    assert ("minimax-m1", "params_total", 456 * B) in facts_of(
        "MiniMax M1 activates 45.9 billion parameters per token out of a total of 456 billion."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Llama 4 Maverick has 400B total parameters.\n• Behemoth：2T 參數，288B 激活",
        "Llama 4 Maverick has 400B total parameters. Behemoth is another beast, with 288B "
        "active parameters.",
    ],
)
def test_an_unknown_model_labelling_a_list_item_or_opening_a_sentence_takes_its_figures(
    text: str,
) -> None:
    """The figures of "Behemoth" (not in the catalog) land on it, not on Maverick."""
    known = {fact for fact in facts_of(text) if resolver().knows(fact[0])}
    assert known == {("llama-4-maverick", "params_total", 400 * B)}


def test_a_lab_opening_a_sentence_is_no_model() -> None:
    """ "Meta is …" keeps the sentence about the model the text is about."""
    assert ("llama-4-scout", "params_total", 109 * B) in facts_of(
        "Meta is shipping it as Llama 4 Scout.", topic=None
    ) | facts_of("Llama 4 Scout is out. Meta has given it 109B total parameters.")


def test_a_size_in_passing_keeps_the_topic() -> None:
    """ "DeepSeek v3 is 671B." between two sentences about Kimi K2: "It" is still Kimi K2."""
    facts = facts_of(
        "Kimi K2 is a new open weights model with 1 trillion total parameters. DeepSeek v3 is "
        "671B. It is released under a modified MIT license."
    )
    assert ("deepseek-v3", "params_total", 671 * B) in facts
    assert ("kimi-k2", "license", "Modified-MIT") in facts
    assert ("deepseek-v3", "license", "Modified-MIT") not in facts


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("MiniMax-M1 handles context windows of up to 1 million tokens.", 1_000_000),
        ("Llama 4 Scout 具有多達 1,000 萬詞元（token）上下文長度。", 10_000_000),
        ("Llama 4 Scout has a 10-million-token context window.", 10_000_000),
    ],
)
def test_context_windows_as_the_press_writes_them(text: str, tokens: int) -> None:
    assert any(f[1] == "context_length" and f[2] == tokens for f in facts_of(text)), text


def test_models_that_share_the_same_count_both_have_it() -> None:
    facts = facts_of("Llama 4 Scout and Llama 4 Maverick share the same 17B active count.")
    assert ("llama-4-scout", "params_active", 17 * B) in facts
    assert ("llama-4-maverick", "params_active", 17 * B) in facts


@pytest.mark.parametrize(
    "text",
    [
        "Kimi K2 is a mixture-of-experts model with its weights fully disclosed.",
        "Moonshot AI publishes all weights of Kimi K2 under a modified MIT license.",
        "Kimi K2 的模型權重已公開。",
    ],
)
def test_published_weights_are_open_weights(text: str) -> None:
    assert ("kimi-k2", "open_weights", True) in facts_of(text), text
