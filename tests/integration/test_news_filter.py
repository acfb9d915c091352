"""A filtered tech-news feed polled for real on both databases (docs/design.md §5 ``filter``):
only the items on topic are recorded and extracted; a second poll appends nothing."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from jobs.runtime import build_ingestion
from jobs.schedule.sourceload import load_sources
from service import migrate
from service.bootstrap import build
from service.db import create_engine
from service.schema import events
from tests import apidata
from tests.conftest import ROOT

B = 1_000_000_000


def test_only_the_items_on_topic_are_recorded(database_url: str, tmp_path: Path) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    sources = load_sources(ROOT / "config" / "demo" / "sources.toml")
    source = next(s for s in sources if s.id == "demo-news-ithome")
    services = build(apidata.settings(database_url, tmp_path))
    ingestion = build_ingestion(services)
    try:
        first = ingestion.poller.poll(source)
        again = ingestion.poller.poll(source)
    finally:
        ingestion.close()
    try:
        assert (first.status, first.items) == ("ok", 7)
        assert again.appended == 0
        with services.engine.connect() as conn:
            rows = conn.execute(
                sa.select(events.c.type, events.c.data).where(
                    events.c.stream == "source:demo-news-ithome"
                )
            ).all()
        assert [kind for kind, _data in rows] == ["ItemObserved"] * 4
        glm = services.reads.model("glm-4.5")
        assert glm is not None and (glm["params_total"], glm["params_active"]) == (355 * B, 32 * B)
        kimi = services.reads.model("kimi-k2")
        assert kimi is not None and kimi["license"] == "Modified-MIT"
    finally:
        services.close()
