"""A source's item filter (docs/design.md §5 ``filter``) and the IT之家-shaped demo feed."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from jobs.catalog import load_catalog
from jobs.extract.facts import extract
from jobs.extract.names import NameResolver
from jobs.observation import Observation
from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.sourceload import load_sources
from jobs.sources.feed import parse
from jobs.sources.itemfilter import on_topic
from service.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "demo"
B = 1_000_000_000


def _item(title: str, text: str = "") -> Observation:
    return Observation(title, "sha", "entry", title=title, text=text)


def _kept(keywords: list[str], *titles: str) -> list[str]:
    return [o.title or "" for o in on_topic(keywords, [_item(t) for t in titles])]


def test_no_filter_keeps_every_item() -> None:
    assert _kept([], "手机预售", "Kimi K2 发布") == ["手机预售", "Kimi K2 发布"]


def test_a_latin_keyword_matches_where_no_letter_touches_it() -> None:
    """``AI`` is not in "said", "Thailand" or "OpenAI"; it is in "AI大模型", "(AI)", "AI-native";
    ``Qwen`` matches "Qwen3" (a digit may follow)."""
    titles = ("He said so", "Thailand trip", "OpenAI news", "AI大模型", "新机 (AI) 影像",
              "AI-native apps", "Qwen3-Coder 开源")  # fmt: skip
    assert _kept(["AI", "Qwen"], *titles) == ["AI大模型", "新机 (AI) 影像", "AI-native apps",
                                               "Qwen3-Coder 开源"]  # fmt: skip


def test_case_width_and_text_are_folded() -> None:
    """Case-insensitive, NFKC (full-width ＡＩ is AI), and the text counts as well as the title."""
    items = [_item("ＡＩ 手机"), _item("ai 眼镜"), _item("新品", "搭载大模型")]
    items.append(_item("汽车", "续航"))
    assert [o.title for o in on_topic(["AI", "大模型"], items)] == ["ＡＩ 手机", "ai 眼镜", "新品"]


def test_chinese_keywords_are_substrings_and_each_script_is_listed() -> None:
    assert _kept(["开源"], "智谱开源GLM-4.5", "智譜開源GLM-4.5") == ["智谱开源GLM-4.5"]
    assert _kept(["开源", "開源"], "智谱开源GLM-4.5", "智譜開源GLM-4.5") == [
        "智谱开源GLM-4.5",
        "智譜開源GLM-4.5",
    ]


def _sources(tmp_path: Path, line: str) -> list[SourceConfig]:
    path = tmp_path / "sources.toml"
    path.write_text(f'[[source]]\nid = "n"\nkind = "feed"\nurl = "file:f.xml"\n{line}\n')
    return load_sources(path)


def test_the_filter_option_is_read_and_checked(tmp_path: Path) -> None:
    assert _sources(tmp_path, 'filter = ["AI", "大模型"]')[0].filter == ("AI", "大模型")
    assert _sources(tmp_path, "")[0].filter == ()
    for bad in ('filter = "AI"', "filter = [1]", 'filter = [""]'):
        with pytest.raises(ConfigError, match="filter"):
            _sources(tmp_path, bad)


@cache
def _names() -> NameResolver:
    return NameResolver.from_catalog(load_catalog(ROOT / "config" / "catalog.toml"))


def test_the_demo_tech_feed_keeps_its_ai_items_and_they_state_the_documented_facts() -> None:
    """The IT之家-shaped demo feed: 7 items, the filter keeps the 4 about AI; their facts are
    the ones config/demo/SOURCES.md §2 states (tables in both orientations included)."""
    source = next(s for s in load_sources(DEMO / "sources.toml") if s.id == "demo-news-ithome")
    body = (DEMO / "news-ithome.xml").read_bytes()
    items = parse(body, {}, source, datetime(2025, 9, 1, tzinfo=UTC)).observations
    kept = on_topic(source.filter, items)
    assert (len(items), len(kept)) == (7, 4)
    assert not any("手机开启预售" in (o.title or "") or "SUV" in (o.title or "") for o in kept)
    facts = {
        (f.model, f.field, f.value)
        for o in kept
        for f in extract(o.text, _names())
        if f.field in ("params_total", "params_active", "license")
    }
    assert facts == {
        ("kimi-k2", "params_total", 1000 * B),
        ("kimi-k2", "params_active", 32 * B),
        ("kimi-k2", "license", "Modified-MIT"),
        ("qwen3-coder", "params_total", 480 * B),
        ("qwen3-coder", "params_active", 35 * B),
        ("qwen3-coder", "license", "Apache-2.0"),
        ("glm-4.5", "params_total", 355 * B),
        ("glm-4.5", "params_active", 32 * B),
        ("glm-4.5", "license", "MIT"),
        ("glm-4.5-air", "params_total", 106 * B),
        ("glm-4.5-air", "params_active", 12 * B),
        ("glm-4.5-air", "license", "MIT"),
    }


#: The Chinese tech-news feeds of the real configuration, and whether their endpoint was
#: verified from public material (the unverified ones ship disabled).
CHINESE_NEWS = {"news-ithome": True, "news-36kr": False, "news-qbitai": False,
                "news-jiqizhixin": False}  # fmt: skip


def test_the_real_configuration_polls_chinese_tech_news_through_an_ai_filter() -> None:
    """config/sources.toml: 36氪, IT之家, 量子位, 机器之心 as feeds, each with an item filter that
    keeps model-release items and drops the rest; only the verified endpoint is enabled; the
    demo feed is in the enabled one's shape, with the same filter."""
    sources = {s.id: s for s in load_sources(ROOT / "config" / "sources.toml")}
    for source_id, verified in CHINESE_NEWS.items():
        source = sources[source_id]
        assert source.kind == "feed" and source.url.startswith("https://"), source_id
        assert source.enabled is verified, source_id
        assert "大模型" in source.filter and "开源" in source.filter, source_id
        assert _kept(list(source.filter), "智谱开源GLM-4.5大模型", "新款手机预售") == [
            "智谱开源GLM-4.5大模型"
        ]
    demo = next(s for s in load_sources(DEMO / "sources.toml") if s.id == "demo-news-ithome")
    assert demo.filter == sources["news-ithome"].filter
