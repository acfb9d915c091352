"""Tables give parameters, context length, architecture and licence per row (or per column),
attributed to the row's (column's) model; Markdown and HTML alike."""

from __future__ import annotations

from jobs.extract.tables import find_tables
from jobs.sources.text import html_to_text
from tests.extracting import B, facts_of


def test_markdown_rows_give_each_row_its_figures() -> None:
    """| Model | Total Params | Activated Params | Context | → per-row facts."""
    text = (
        "| **Model** | **#Total Params** | **#Activated Params** | **Context Length** |\n"
        "| :---: | :---: | :---: | :---: |\n"
        "| GLM-4.5 | 355B | 32B | 128K |\n"
        "| GLM-4.5-Air | 106B | 12B | 128K |\n"
    )
    assert facts_of(text) == {
        ("glm-4.5", "params_total", 355 * B),
        ("glm-4.5", "params_active", 32 * B),
        ("glm-4.5", "context_length", 131_072),
        ("glm-4.5-air", "params_total", 106 * B),
        ("glm-4.5-air", "params_active", 12 * B),
        ("glm-4.5-air", "context_length", 131_072),
    }


def test_chinese_headers_and_rows_without_outer_pipes() -> None:
    """模型 | 总参数 | 激活参数: the same reading, units in 亿 as well as B."""
    text = (
        "模型 | 总参数 | 激活参数 |\n---|---|---|\n"
        "Kimi K2 | 1万亿 | 320亿 |\nDeepSeek-V3 | 671B | 37B |"
    )
    assert facts_of(text) == {
        ("kimi-k2", "params_total", 10**12),
        ("kimi-k2", "params_active", 32 * B),
        ("deepseek-v3", "params_total", 671 * B),
        ("deepseek-v3", "params_active", 37 * B),
    }


def test_traditional_chinese_headers_with_a_licence_column() -> None:
    """模型 | 總參數 | 激活參數 | 上下文長度 | 授權: per row, in traditional characters."""
    text = (
        "| 模型 | 總參數 | 激活參數 | 上下文長度 | 授權 |\n|---|---|---|---|---|\n"
        "| GLM-4.5 | 3550億 | 320億 | 128K | MIT |\n"
        "| Qwen3-Coder | 4800億 | 350億 | 256K | Apache 2.0 |"
    )
    assert facts_of(text) == {
        ("glm-4.5", "params_total", 355 * B),
        ("glm-4.5", "params_active", 32 * B),
        ("glm-4.5", "context_length", 131_072),
        ("glm-4.5", "license", "MIT"),
        ("qwen3-coder", "params_total", 480 * B),
        ("qwen3-coder", "params_active", 35 * B),
        ("qwen3-coder", "context_length", 262_144),
        ("qwen3-coder", "license", "Apache-2.0"),
    }


def test_markdown_licence_column_in_english() -> None:
    """| Model | Params | License |: the licence goes to the row's model only."""
    text = (
        "| Model | Total Params | License |\n|---|---|---|\n"
        "| gpt-oss-120b | 117B | Apache 2.0 |\n| Kimi K2 | 1T | Modified MIT |"
    )
    assert facts_of(text) == {
        ("gpt-oss-120b", "params_total", 117 * B),
        ("gpt-oss-120b", "license", "Apache-2.0"),
        ("kimi-k2", "params_total", 10**12),
        ("kimi-k2", "license", "Modified-MIT"),
    }


def test_html_table_in_a_model_card() -> None:
    """<table><tr><th>…: read like a Markdown table, tags and all."""
    text = (
        "<table><thead><tr><th>Model</th><th>Total Params</th><th>Activated Params</th>"
        "<th>License</th></tr></thead><tbody>"
        "<tr><td>Qwen3-Coder</td><td><strong>480B</strong></td><td>35B</td><td>Apache 2.0</td></tr>"
        "<tr><td>Kimi K2</td><td>1T</td><td>32B</td><td>Modified MIT</td></tr></tbody></table>"
    )
    assert facts_of(text) >= {
        ("qwen3-coder", "params_total", 480 * B),
        ("qwen3-coder", "params_active", 35 * B),
        ("qwen3-coder", "license", "Apache-2.0"),
        ("kimi-k2", "params_total", 10**12),
        ("kimi-k2", "params_active", 32 * B),
        ("kimi-k2", "license", "Modified-MIT"),
    }


def test_html_tables_in_a_feed_survive_flattening() -> None:
    """A feed item's HTML table becomes pipe rows, which the table reader still reads."""
    flat = html_to_text(
        "<p>参数对比</p><table><tr><th>模型</th><th>总参数</th></tr>"
        "<tr><td>GLM-4.5</td><td>3550亿</td></tr></table>"
    )
    assert ("glm-4.5", "params_total", 355 * B) in facts_of(flat)


def test_transposed_table_gives_each_column_its_figures() -> None:
    """Models across the header, a field in each row's label cell (DeepSeek's benchmark table)."""
    text = (
        "|  | Benchmark (Metric) | DeepSeek-V2 | Qwen2.5 72B | DeepSeek-V3 |\n"
        "|---|---|---|---|---|\n"
        "| | Architecture | MoE | Dense | MoE |\n"
        "| | # Activated Params | 21B | 72B | 37B |\n"
        "| | # Total Params | 236B | 72B | 671B |\n"
        "| English | MMLU (Acc.) | 78.4 | 85.0 | 87.1 |\n"
    )
    assert facts_of(text) == {
        ("deepseek-v3", "architecture", "moe"),
        ("deepseek-v3", "params_active", 37 * B),
        ("deepseek-v3", "params_total", 671 * B),
    }


def test_key_value_table_belongs_to_the_table_subject() -> None:
    """| **Total Parameters** | 1T |: the model the text was about, or the card's model."""
    table = "| | |\n|:---:|:---:|\n| **Total Parameters** | 1T |\n| **Context Length** | 128K |"
    assert facts_of(f"Kimi K2 model summary\n\n{table}") == {
        ("kimi-k2", "params_total", 10**12),
        ("kimi-k2", "context_length", 131_072),
    }
    assert facts_of(table, topic="kimi-k2") == {
        ("kimi-k2", "params_total", 10**12),
        ("kimi-k2", "context_length", 131_072),
    }


def test_model_size_cells_state_both_counts() -> None:
    """| Model Size | 355B-A32B |: total and active from one cell."""
    text = "| Model | Model Size | Precision |\n|---|---|---|\n| GLM-4.5 | 355B-A32B | BF16 |"
    assert facts_of(text) == {
        ("glm-4.5", "params_total", 355 * B),
        ("glm-4.5", "params_active", 32 * B),
    }


def test_columns_that_are_not_parameters_count_nothing() -> None:
    """Checkpoint sizes in GB, experts, layers and scores are not parameter counts."""
    text = (
        "| model | size | active params | expert number | layers | total params |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
        "| Llama 4 Scout | 210GB | 17B | 16 | 48 | 109B |\n"
    )
    assert facts_of(text) == {
        ("llama-4-scout", "params_active", 17 * B),
        ("llama-4-scout", "params_total", 109 * B),
    }


def test_a_row_of_an_unknown_model_lands_on_nobody() -> None:
    """A row the resolver cannot name gives nothing, never the subject's facts."""
    text = "| 模型 | 总参数 |\n|---|---|\n| ERNIE 4.5 | 424B |\n| Step3 | 321B |"
    assert facts_of(text, topic="kimi-k2") == {("step-3", "params_total", 321 * B)}


def test_spaced_hyphens_in_a_cell_still_name_the_model() -> None:
    """A scraped "DeepSeek R1 - 0528" is DeepSeek-R1-0528, not DeepSeek-R1."""
    text = (
        "| 模型 | 总参数 |\n|---|---|\n| DeepSeek R1 - 0528 | 671B |\n| MiniMax - M1 - 80k | 456B |"
    )
    assert facts_of(text) == {
        ("deepseek-r1-0528", "params_total", 671 * B),
        ("minimax-m1", "params_total", 456 * B),
    }


def test_licence_column_and_restated_context() -> None:
    """A licence column is normalised; "12.8万 (128K)" is one window, read as 128K."""
    text = (
        "排名 | 模型名称 | 协议 | 上下文 |\n---|---|---|---|\n"
        "1 | Kimi K2 | Modified MIT | 12.8万 (128K) |"
    )
    assert facts_of(text) == {
        ("kimi-k2", "license", "Modified-MIT"),
        ("kimi-k2", "context_length", 131_072),
    }


def test_tables_are_found_with_blank_lines_between_rows() -> None:
    """HTML flattening leaves blank lines between rows: still one table."""
    (table,) = find_tables("\n| Model | Total |\n\n| GLM-4.5 | 355B |\n\n")
    assert [row.cells for row in table.rows] == [("Model", "Total"), ("GLM-4.5", "355B")]
