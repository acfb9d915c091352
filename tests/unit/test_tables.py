"""CSV of crownlog's tables: what Python's csv module reads back is what was written, except
that text a spreadsheet would run as a formula comes back with a leading apostrophe."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from service.modelsearch import ModelFilter, parse_count, sort_models, weights_of
from service.tables import TABLES, cell, write

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_formula_cells_are_neutralised() -> None:
    """Text starting with = + - @ tab or CR gets an apostrophe; numbers stay numbers."""
    for text in ('=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert cell(text) == "'" + text
    assert cell("GLM-4.5") == "GLM-4.5" and cell("a=b") == "a=b"
    assert (cell(-3), cell(1459.0), cell(None), cell(True)) == ("-3", "1459.0", "", "true")
    assert cell(["qwen3", "=evil"]) == "qwen3; =evil"
    assert cell(["=evil", "qwen3"]) == "'=evil; qwen3"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=5))
def test_any_text_round_trips_through_the_csv_module(texts: list[str]) -> None:
    """Quotes, commas, newlines and any Unicode read back exactly (formulas neutralised)."""
    columns = [(f"c{i}", lambda row, i=i: row[f"c{i}"]) for i in range(len(texts))]
    rows = [{f"c{i}": text for i, text in enumerate(texts)}]
    header, *back = read(write(columns, rows))
    assert header == [f"c{i}" for i in range(len(texts))]
    expected = ["'" + t if t.startswith(DANGEROUS) else t for t in texts]
    assert back == [expected]


def test_standings_table_carries_where_it_stands() -> None:
    """Each standings row names its board, method and log position (a citable download)."""
    body = {
        "leaderboard": "lmarena-text",
        "method": "v2",
        "as_of": None,
        "known_at": None,
        "position": 42,
        "rows": [{"rank": 1, "model": "glm-4.5", "score": 1459.0, "open_weights": True}],
    }
    header, row = read(TABLES["standings"].render(body))
    found = dict(zip(header, row, strict=True))
    assert found["model"] == "glm-4.5" and found["position"] == "42"
    assert found["leaderboard"] == "lmarena-text" and found["ci_low"] == ""


def test_parameter_counts_and_filters() -> None:
    """70B, 1.5T and plain integers; the range leaves out models of unknown size."""
    assert parse_count("70B") == 70 * 10**9 and parse_count("1.5t") == 15 * 10**11
    models = [
        {"slug": "a", "params_total": 7 * 10**9, "license": "MIT", "open_weights": True},
        {"slug": "b", "params_total": 355 * 10**9, "license": "mit", "open_weights": None},
        {"slug": "c", "params_total": None, "license": None, "open_weights": False},
    ]
    big = ModelFilter(params_min=parse_count("100B"))
    assert [m["slug"] for m in models if big.matches(m)] == ["b"]
    assert [m["slug"] for m in models if ModelFilter(license="MIT").matches(m)] == ["a", "b"]
    assert [weights_of(m) for m in models] == ["open", "unknown", "closed"]
    assert weights_of({"weights": "claimed", "open_weights": None}) == "claimed"
    ordered = sort_models(models, "params", descending=True)
    assert [m["slug"] for m in ordered] == ["b", "a", "c"]  # unknown sizes last either way
