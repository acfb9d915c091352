"""Facts read from news text: the case table, traps, confidence, and a property over noise."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.catalog import load_catalog
from jobs.extract.facts import Fact, extract
from jobs.extract.names import NameResolver
from jobs.extract.numbers import amount, name_sizes
from tests.unit.extraction_cases import LANGUAGES, Case, load_cases, score

CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog.toml"
CASES = load_cases()
FLOOR = 0.9
B = 10**9


@cache
def resolver() -> NameResolver:
    return NameResolver.from_catalog(load_catalog(CATALOG))


def run(case: Case) -> list[Fact]:
    return extract(case.text, resolver(), case.topic)


def facts_of(text: str, topic: str | None = None) -> set[tuple[str, str, object]]:
    return {(f.model, f.field, f.value) for f in extract(text, resolver(), topic)}


def test_the_table_covers_three_languages_and_enough_cases() -> None:
    """At least 60 cases, at least 15 per language."""
    assert len(CASES) >= 60
    for lang in LANGUAGES:
        assert sum(case.lang == lang for case in CASES) >= 15, lang


def test_precision_and_recall_per_language_meet_the_floor() -> None:
    """Over the table, precision and recall of every language are at least 0.9."""
    tallies = score(CASES, run)
    for lang in (*LANGUAGES, "all"):
        tally = tallies[lang]
        print(f"{lang:8} precision {tally.precision:.3f} recall {tally.recall:.3f} {tally}")
    for lang in LANGUAGES:
        assert tallies[lang].precision >= FLOOR, lang
        assert tallies[lang].recall >= FLOOR, lang


@pytest.mark.parametrize("case", [c for c in CASES if c.absent], ids=lambda c: c.text[:40])
def test_traps_never_yield_the_absent_facts(case: Case) -> None:
    """Compared models, non-parameter numbers and shorter names inside longer ones stay out."""
    found = {(fact.model, fact.field) for fact in run(case)}
    assert not found & case.absent


def test_the_brief_examples() -> None:
    """The four examples of the issue, in three languages."""
    assert facts_of(
        "Zhipu released GLM-4.5, a 355B-parameter MoE model with 32B active parameters, under MIT."
    ) >= {
        ("glm-4.5", "params_total", 355 * B),
        ("glm-4.5", "params_active", 32 * B),
        ("glm-4.5", "license", "MIT"),
        ("glm-4.5", "architecture", "moe"),
    }
    assert facts_of("月之暗面的Kimi K2总参数1万亿,激活参数320亿。") >= {
        ("kimi-k2", "params_total", 10**12),
        ("kimi-k2", "params_active", 32 * B),
    }
    assert facts_of("MiniMax-M1 總參數4560億,每個token激活459億參數。") >= {
        ("minimax-m1", "params_total", 456 * B),
        ("minimax-m1", "params_active", 45_900_000_000),
    }
    found = facts_of(
        "Qwen3-Coder is priced at a third of Claude Sonnet 4. It has 480B parameters, 35B active."
    )
    assert found >= {("qwen3-coder", "params_total", 480 * B)}
    assert {f for f in found if f[0] == "claude-sonnet-4" and f[1] != "mention"} == set()


def test_confidence_follows_the_strength_of_the_cue() -> None:
    """Explicit "N parameters" beats a size in a name; a pronoun costs a little."""
    facts = extract("Qwen3-235B-A22B has 235B parameters. It activates 22B.", resolver())
    confidence = {(f.field, f.value): f.confidence for f in facts}
    assert confidence[("params_total", 235 * B)] == 0.9
    assert confidence[("params_active", 22 * B)] == 0.8  # name 0.8; "activates" 0.85 - 0.1
    assert all(0 < f.confidence <= 1 for f in facts)


def test_a_stated_size_overrides_the_size_in_a_name() -> None:
    """gpt-oss-120b states 117B: the nominal 120B is not reported for it."""
    assert ("gpt-oss-120b", "params_total", 120 * B) not in facts_of(
        "gpt-oss-120b has 117B parameters."
    )
    assert ("gpt-oss-120b", "params_total", 120 * B) in facts_of("gpt-oss-120b is out.")


def test_evidence_is_the_sentence_and_mentions_come_once_per_model() -> None:
    """Each fact cites its sentence; a model named twice has one mention."""
    text = "GLM-4.5 is here. GLM-4.5 has 355B parameters."
    facts = extract(text, resolver())
    mentions = [f for f in facts if f.field == "mention"]
    assert [(f.model, f.value) for f in mentions] == [("glm-4.5", "GLM-4.5 is here.")]
    (size,) = [f for f in facts if f.field == "params_total"]
    assert size.evidence == "GLM-4.5 has 355B parameters."


def test_the_topic_is_the_subject_of_a_leading_pronoun() -> None:
    """With no model named, "It"/"其" refer to the topic passed in."""
    assert facts_of("It has 1T parameters.", topic="kimi-k2") == {
        ("kimi-k2", "params_total", 10**12)
    }
    assert facts_of("It has 1T parameters.") == set()


def test_what_an_unknown_sibling_says_does_not_land_on_the_topic() -> None:
    """Qwen3-Max-preview is not in the catalog: its licence is nobody's we know."""
    found = facts_of("Kimi K2 has 1T parameters. Qwen3-Max-preview is API-only.")
    assert ("kimi-k2", "params_total", 10**12) in found
    assert not {f for f in found if f[0] == "kimi-k2" and f[1] in ("license", "open_weights")}


@pytest.mark.parametrize(
    "text",
    [
        "Hunyuan-A13B is on the list, unlike the API-only Hunyuan TurboS.",
        "GLM-4.5 ranks third among all proprietary and open-source models.",
        "GLM-4.5 ranks third among all proprietary and\nopen-source models.",
        "GLM-4.5 beats most open-source models.",
        "GLM-4.5在开源社区很受欢迎。",
    ],
)
def test_descriptors_of_something_else_are_not_the_subjects_licence(text: str) -> None:
    """Proprietary / open words about another name, or about the field, say nothing here."""
    assert not {f for f in facts_of(text) if f[1] in ("license", "open_weights")}


def test_a_hard_wrapped_sentence_is_one_sentence_but_a_new_line_block_is_not() -> None:
    """A line going on in lower case continues the sentence; a new block starts another."""
    assert ("glm-4.5", "license", "MIT") in facts_of("GLM-4.5 is a 355B model\nunder MIT.")
    found = facts_of("Kimi K2 news\nIt has 1T parameters.", topic=None)
    assert ("kimi-k2", "params_total", 10**12) in found


def test_release_dates_need_a_full_date_and_a_release_word() -> None:
    """Partial dates (July 2025, 7月28日) are not dates of record; "as of" is no release."""
    assert ("glm-4.5", "released_at", "2025-07-28") in facts_of("GLM-4.5 launched 28 July 2025.")
    assert not {f for f in facts_of("GLM-4.5 was released in July 2025.") if f[1] == "released_at"}
    assert not {f for f in facts_of("智谱7月28日发布GLM-4.5。") if f[1] == "released_at"}
    assert not {
        f for f in facts_of("As of 2025-08-01 GLM-4.5 ranks third.") if f[1] == "released_at"
    }


@pytest.mark.parametrize(
    ("number", "unit", "value"),
    [
        ("355", "B", 355 * B),
        ("1", "trillion", 10**12),
        ("4560", "億", 456 * B),
        ("459", "億", 45_900_000_000),
        ("45.9", "B", 45_900_000_000),
        ("1", "万亿", 10**12),
        ("1", "萬億", 10**12),
        ("3", "千亿", 300 * B),
        ("一", "万亿", 10**12),
        ("1,043", "B", 1_043 * B),
    ],
)
def test_amounts_are_exact(number: str, unit: str, value: int) -> None:
    """Decimal arithmetic: 459億 is exactly 45 900 000 000."""
    assert amount(number, unit) == value


@pytest.mark.parametrize(
    ("name", "total", "active"),
    [
        ("Qwen3-235B-A22B", 235 * B, 22 * B),
        ("Qwen/Qwen3-30B-A3B-Instruct-2507", 30 * B, 3 * B),
        ("meta-llama/Llama-4-Maverick-17B-128E-Instruct", None, 17 * B),
        ("Hunyuan-A13B", None, 13 * B),
        ("混元A13B", None, 13 * B),
        ("Qwen3-0.6B", 600_000_000, None),
        ("MiniMax-M1-80k", None, None),
        ("Kimi-K2-Instruct", None, None),
    ],
)
def test_sizes_in_names(name: str, total: int | None, active: int | None) -> None:
    """NB is the total, ANB (or NB followed by NE experts) the active count."""
    sizes = name_sizes(name)
    assert (sizes.total, sizes.active) == (total, active)


# -- property: numbers that are not parameter counts never become one ---------------------------

KNOWN = [
    ("GLM-4.5 has 355B total parameters and 32B active.", "glm-4.5", {355 * B, 32 * B}),
    ("Kimi K2总参数1万亿，激活参数320亿。", "kimi-k2", {10**12, 32 * B}),
    ("MiniMax-M1總參數4560億，每個token激活459億參數。", "minimax-m1", {456 * B, 45_900_000_000}),
    ("Qwen3-Coder has 480B parameters.", "qwen3-coder", {480 * B}),
]
small = st.integers(min_value=1, max_value=999)
decimal = st.decimals(min_value=Decimal("0.1"), max_value=999, places=1).map(str)
NOISE = st.one_of(
    st.builds("Pricing is ${} per million input tokens".format, decimal),
    st.builds("API价格为每百万tokens输入{}元".format, small),
    st.builds("It was downloaded {} million times".format, decimal),
    st.builds("下载量超过{}万次".format, small),
    st.builds("它在MMLU上得分{}%".format, decimal),
    st.builds("The weights went up on 2025-07-{:02d}".format, st.integers(1, 28)),
    st.builds("It was trained on {}T tokens".format, decimal),
    st.builds("预训练使用了{}万亿token".format, decimal),
    st.builds("訓練資料達{}萬億個token".format, small),
    st.builds("The cluster delivers {} EFLOPS".format, decimal),
    st.builds("It supports {} languages".format, small),
    st.builds("支援{}種語言".format, small),
    st.builds("It decodes {} tokens/s on {} GPUs".format, small, small),
    st.builds("训练用了{}张H800".format, small),
    st.builds("The context window is {}K tokens".format, small),
    st.builds("It scored {} on GPQA with {} votes".format, decimal, small),
    st.builds("The lab raised ${}B in funding".format, small),
    st.builds("估值{}亿美元".format, small),
)


@settings(max_examples=150, deadline=None)
@given(
    known=st.sampled_from(KNOWN),
    before=st.lists(NOISE, max_size=3),
    after=st.lists(NOISE, max_size=3),
    inline=st.booleans(),
)
def test_non_parameter_numbers_never_become_parameter_counts(
    known: tuple[str, str, set[int]], before: list[str], after: list[str], inline: bool
) -> None:
    """Around a known fact, prices, downloads, dates, token counts … yield no other size."""
    sentence, model, values = known
    if inline and after:
        # Noise as a clause of the fact's own sentence, not only as separate sentences.
        sentence = f"{sentence.rstrip('.。')}, {after.pop(0)}."
    text = " ".join([*(f"{n}." for n in before), sentence, *(f"{n}." for n in after)])
    facts = extract(text, resolver())
    sizes = {(f.model, f.value) for f in facts if f.field.startswith("params_")}
    assert {value for _, value in sizes} <= values, text
    assert {(model, value) for value in values} <= sizes, text


@pytest.mark.parametrize(
    "text",
    [
        "gpt-oss-120B 每次推理只需啟用 50 億多一點的參數。",
        "gpt-oss-120b 每次推理激活 50 亿多参数。",
        "gpt-oss-120b 的激活参数为 50 亿+。",
        "gpt-oss-120b 激活参数 50 余亿。",
    ],
)
def test_an_estimate_states_no_count(text: str) -> None:
    """ "50 億多一點", "50 亿+", "50 余亿": a reader learns a bound, not a count."""
    assert not {f for f in facts_of(text) if f[1] == "params_active"}, text


def test_a_multimodal_model_after_a_figure_is_no_estimate() -> None:
    """ "多" that starts 多模态 is not "more than": 3210亿多模态大模型 is a count."""
    assert ("step-3", "params_total", 321 * B) in facts_of("Step-3是一款3210亿参数的多模态大模型。")
