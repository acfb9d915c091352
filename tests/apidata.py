"""A small open-weights race, ingested for real, for the API, dashboard and benchmark.

Fixture files (an RSS news feed and four leaderboard snapshots) are written to a directory and
polled by crownlog's own poller (``jobs.runtime.build_ingestion``), so every event cites a
real feed item. The catalog (config/catalog.toml) is synced first, as the runtime does.

Until the runtime's poller runs extraction (interpreters), polls append only the items; then
``interpret_by_hand`` appends the facts an extractor would read from those same items — each
citing its item — so the projections have something to show. Once the poller extracts, it
finds the facts already in the log and adds nothing.

The story (July 2025): the open crown on lmarena-text passes from DeepSeek-R1-0528
(Hangzhou, Jun 17) to Kimi K2 (Beijing, Jul 18), to Qwen3-2507 (Hangzhou, Aug 2), to GLM-4.5
(Beijing, Aug 15, with Qwen3 tied within the margin of error). Gemini (closed) ranks first
overall until GLM-4.5 passes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from pydantic import SecretStr

from jobs.runtime import build_ingestion
from jobs.schedule.sourcefile import SourceConfig
from service import migrate
from service.bootstrap import Services, build
from service.clock import parse_time
from service.db import create_engine
from service.settings import ApiSettings, HfSettings, Settings
from tests.dbs import create_pg_database, drop_pg_database, require_postgres

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "config" / "catalog.toml"
BOARD = "lmarena-text"
NEWS_URL = "https://news.example.org/race"

#: date -> [(model, score, license, (ci_low, ci_high) or None)]
SNAPSHOTS: dict[str, list[tuple[str, float, str, tuple[float, float] | None]]] = {
    "2025-06-17": [
        ("gemini-2.5-pro", 1460, "Proprietary", None),
        ("deepseek-r1-0528", 1421, "MIT", None),
        ("minimax-m1", 1373, "Apache 2.0", None),
    ],
    "2025-07-18": [
        ("gemini-2.5-pro", 1458, "Proprietary", None),
        ("kimi-k2", 1425, "Modified MIT", None),
        ("deepseek-r1-0528", 1424, "MIT", None),
        ("minimax-m1", 1374, "Apache 2.0", None),
    ],
    "2025-08-02": [
        ("gemini-2.5-pro", 1457, "Proprietary", None),
        ("qwen3-235b-a22b-instruct-2507", 1433, "Apache 2.0", None),
        ("kimi-k2", 1426, "Modified MIT", None),
        ("deepseek-r1-0528", 1424, "MIT", None),
    ],
    "2025-08-15": [
        ("glm-4.5", 1459, "MIT", (1454.0, 1464.0)),
        ("gemini-2.5-pro", 1457, "Proprietary", (1453.0, 1461.0)),
        ("qwen3-235b-a22b-instruct-2507", 1455, "Apache 2.0", (1450.0, 1460.0)),
        ("kimi-k2", 1426, "Modified MIT", (1421.0, 1431.0)),
        ("step-3", 1400, "Apache 2.0", (1394.0, 1406.0)),
    ],
}

#: guid -> (published, title, text): what the extractor reads releases, licences and sizes from.
NEWS: dict[str, tuple[str, str, str]] = {
    "r1-0528": (
        "2025-05-28T12:00:00Z",
        "DeepSeek ships R1-0528",
        "DeepSeek released DeepSeek-R1-0528 on May 28, 2025 under the MIT license. It is a "
        "671B-parameter mixture-of-experts model with 37B active parameters.",
    ),
    "minimax-m1": (
        "2025-06-16T10:00:00Z",
        "MiniMax open-sources MiniMax-M1 <reasoning> & long context",
        "MiniMax released MiniMax-M1 on June 16, 2025 under the Apache 2.0 license.",
    ),
    "hunyuan-a13b": (
        "2025-06-27T08:00:00Z",
        "Tencent releases Hunyuan-A13B",
        "Tencent released Hunyuan-A13B on June 27, 2025; it is an 80B MoE model with 13B active "
        "parameters.",
    ),
    "kimi-k2": (
        "2025-07-11T09:00:00Z",
        "Moonshot AI releases Kimi K2",
        "Moonshot AI released Kimi K2 on July 11, 2025 under a modified MIT license. It has 1 "
        "trillion total parameters and 32 billion activated parameters.",
    ),
    "qwen3-2507": (
        "2025-07-21T06:00:00Z",
        "Qwen3-235B-A22B-Instruct-2507 is out",
        "Alibaba released Qwen3-235B-A22B-Instruct-2507 on July 21, 2025 under the Apache 2.0 "
        "license.",
    ),
    "glm-4.5": (
        "2025-07-28T14:00:00Z",
        "Zhipu's GLM-4.5 arrives with open weights",
        "Z.ai released GLM-4.5 on July 28, 2025 under the MIT license. GLM-4.5 is a "
        "355B-parameter MoE model with 32B active parameters.",
    ),
    "step-3": (
        "2025-07-31T03:00:00Z",
        "StepFun releases Step 3",
        "StepFun released Step 3 on July 31, 2025 under the Apache 2.0 license.",
    ),
}


#: The open models' weights repositories, as a Hugging Face listing shows them (the evidence
#: that makes their weights status ``open``, docs/design.md §4), created on their release days.
HF_LISTING: list[tuple[str, str, str]] = [
    ("deepseek-ai/DeepSeek-R1-0528", "2025-05-28T12:00:00Z", "mit"),
    ("MiniMaxAI/MiniMax-M1-80k", "2025-06-16T10:00:00Z", "apache-2.0"),
    ("moonshotai/Kimi-K2-Instruct", "2025-07-11T09:00:00Z", "other"),
    ("Qwen/Qwen3-235B-A22B-Instruct-2507", "2025-07-21T06:00:00Z", "apache-2.0"),
    ("zai-org/GLM-4.5", "2025-07-28T14:00:00Z", "mit"),
    ("stepfun-ai/step3", "2025-07-31T03:00:00Z", "apache-2.0"),
]


def hf_listing() -> bytes:
    """The listing of ``HF_LISTING`` in the Hub's JSON shape."""
    return orjson.dumps(
        [
            {"id": repo, "modelId": repo, "createdAt": created, "downloads": 1000, "likes": 10,
             "private": False, "tags": ["transformers", f"license:{licence}"]}
            for repo, created, licence in HF_LISTING
        ]
    )  # fmt: skip


def _rfc822(text: str) -> str:
    return parse_time(text).strftime("%a, %d %b %Y %H:%M:%S GMT")


def news_feed(extra: dict[str, tuple[str, str, str]] | None = None) -> bytes:
    """The RSS document of ``NEWS`` and ``extra`` (texts escaped, as a real feed would)."""
    from xml.sax.saxutils import escape

    items = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{escape(title)}</title>"
        f"<link>{NEWS_URL}/{guid}</link><pubDate>{_rfc822(published)}</pubDate>"
        f"<description>{escape(text)}</description></item>"
        for guid, (published, title, text) in {**NEWS, **(extra or {})}.items()
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Race news</title><link>{NEWS_URL}</link><description>d</description>"
        f"{items}</channel></rss>"
    ).encode()


def snapshot(day: str) -> bytes:
    rows = []
    for rank, (model, score, licence, ci) in enumerate(SNAPSHOTS[day], start=1):
        row: dict[str, Any] = {"model": model, "score": score, "rank": rank, "license": licence}
        if ci is not None:
            row["ci_low"], row["ci_high"] = ci
        rows.append(row)
    return orjson.dumps({"as_of": f"{day}T00:00:00Z", "rows": rows})


def write_sources(directory: Path) -> list[SourceConfig]:
    """The fixture files in ``directory`` and the sources that point at them."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "news.xml").write_bytes(news_feed())
    sources = [SourceConfig(id="race-news", kind="feed", url=(directory / "news.xml").as_uri())]
    (directory / "hf-listing.json").write_bytes(hf_listing())
    listing = (directory / "hf-listing.json").as_uri()
    sources.append(SourceConfig(id="hf-listing", kind="hf-models", url=listing))
    for day in SNAPSHOTS:
        path = directory / f"arena-{day}.json"
        path.write_bytes(snapshot(day))
        source_id = f"arena-{day.replace('-', '')}"
        sources.append(
            SourceConfig(id=source_id, kind="leaderboard", url=path.as_uri(), leaderboard=BOARD)
        )
    return sources


def sources_toml(sources: list[SourceConfig]) -> str:
    """A sources file listing ``sources`` (for ``crownlog serve`` in a subprocess)."""
    lines = []
    for source in sources:
        lines.append(
            f'[[source]]\nid = "{source.id}"\nkind = "{source.kind}"\nurl = "{source.url}"'
        )
        if source.leaderboard:
            lines.append(f'leaderboard = "{source.leaderboard}"')
        lines.append("")
    return "\n".join(lines)


def settings(url: str, directory: Path, admin_token: str | None = None) -> Settings:
    """Settings for the race database at ``url`` whose fixtures live in ``directory``."""
    return Settings(
        database_url=url,
        catalog=CATALOG,
        sources=directory / "sources.toml",
        api=ApiSettings(admin_token=SecretStr(admin_token) if admin_token else None),
        # Nothing derived from the Hub is fetched: the listing itself is the evidence.
        hf=HfSettings(verify_repos=False, model_cards=False),
    )


def ingest(services: Services, directory: Path, only: list[str] | None = None) -> list[str]:
    """Write the fixtures and a sources file, poll them for real; returns the polled ids.

    The poller syncs config/catalog.toml into the log first (``jobs.runtime``)."""
    sources = write_sources(directory)
    (directory / "sources.toml").write_text(sources_toml(sources))
    if only is not None:
        sources = [source for source in sources if source.id in only]
    ingestion = build_ingestion(services)
    try:
        for source in sources:
            outcome = ingestion.poller.poll(source)
            assert outcome.status == "ok", (source.id, outcome.error)
    finally:
        ingestion.close()
    return [source.id for source in sources]


@contextmanager
def race_database(kind: str, directory: Path) -> Iterator[str]:
    """A migrated ``sqlite`` or ``postgresql`` database holding the race; yields its URL.

    Fixtures and ``sources.toml`` are left in ``directory`` (``settings`` points there)."""

    server = None
    if kind == "sqlite":
        url = f"sqlite:///{directory / 'race.db'}"
    else:
        server = require_postgres()
        url = create_pg_database(server, prefix="crownlog_api")
    try:
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        services = build(settings(url, directory))
        try:
            ingest(services, directory)
        finally:
            services.close()
        yield url
    finally:
        if server is not None:
            drop_pg_database(server, url)
