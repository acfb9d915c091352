"""The conflict rule on both databases, through real polls (docs/design.md §4, §6 ``disputes``).

A press feed states GLM-4.5's total wrongly (335B), later ten times off (3.55 trillion); Zhipu's
own feed (a source whose ``lab`` is zhipu) states 355B. Whatever the order the feeds are polled
in, the lab's figure is the fact; the press figures stay in the log, and the API model detail and
the dashboard's model page show that the sources disagree, with both sides and their evidence.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from jobs.runtime import build_ingestion
from jobs.schedule.sourcefile import SourceConfig
from service import migrate
from service.api import models
from service.api.app import create_app
from service.bootstrap import build
from service.clock import parse_time
from service.db import create_engine
from tests import apidata

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

B = 1_000_000_000
PRESS = {
    "glm-typo": (
        "2025-07-28T15:00:00Z",
        "Zhipu's GLM-4.5 is here",
        "GLM-4.5 has 335 billion total parameters and 32 billion active parameters.",
    ),
    "glm-tenfold": (
        "2025-08-05T08:00:00Z",
        "GLM-4.5 tops the open board",
        "GLM-4.5, a model with 3.55 trillion parameters, now leads the open models.",
    ),
}
LAB = {
    "glm-4.5-blog": (
        "2025-07-28T14:00:00Z",
        "GLM-4.5: Reasoning, Coding, and Agentic Abilities",
        "GLM-4.5 has 355 billion total parameters with 32 billion active parameters.",
    ),
}


def _feed(directory: Path, name: str, items: dict[str, tuple[str, str, str]]) -> str:
    """An RSS file of ``items`` (guid -> published, title, text); its file URL."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{escape(title)}</title>"
        f"<link>https://{name}.example.org/{guid}</link>"
        f"<pubDate>{parse_time(published).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
        f"<description>{escape(text)}</description></item>"
        for guid, (published, title, text) in items.items()
    )
    path = directory / f"{name}.xml"
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{name}</title><link>https://{name}.example.org/</link>"
        f"<description>d</description>{entries}</channel></rss>"
    )
    return path.as_uri()


@pytest.mark.parametrize("lab_first", [False, True])
def test_the_labs_figure_wins_and_the_page_shows_the_dispute(
    database_url: str, tmp_path: Path, lab_first: bool
) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    press_url = _feed(tmp_path, "press", PRESS)
    lab_url = _feed(tmp_path, "lab", LAB)
    press = SourceConfig(id="press", kind="feed", url=press_url)
    lab = SourceConfig(id="zhipu-blog", kind="feed", url=lab_url, lab="zhipu")
    services = build(apidata.settings(database_url, tmp_path))
    ingestion = build_ingestion(services)
    try:
        for source in [lab, press] if lab_first else [press, lab]:
            assert ingestion.poller.poll(source).status == "ok"
    finally:
        ingestion.close()
    try:
        model = services.reads.model("glm-4.5")
        assert model is not None
        assert (model["params_total"], model["params_active"]) == (355 * B, 32 * B)
        client = TestClient(create_app(services))
        body = client.get("/api/v1/models/glm-4.5").json()
        rows = body["disputes"]["params_total"]
        for row in rows:
            models.DisputedReport.model_validate(row)
        first = rows[0]
        assert (first["value"], first["current"], first["authority"]) == (355 * B, True, "lab")
        assert rows[0]["source_id"] == "zhipu-blog" and rows[0]["title"].startswith("GLM-4.5:")
        others = {row["value"]: row for row in rows[1:]}
        assert sorted(others) == [335 * B, 3550 * B]
        assert all(not r["current"] and r["authority"] == "press" for r in others.values())
        assert all(r["source_id"] == "press" for r in others.values())
        assert "magnitude" in others[3550 * B]["flags"] and others[335 * B]["flags"] == []
        assert "3.55 trillion" in others[3550 * B]["evidence"]
        assert "params_active" not in body["disputes"]
        page = client.get("/models/glm-4.5")
        assert page.status_code == 200
        assert "Sources disagree" in page.text and page.text.count('data-testid="dispute-row"') == 3
        # Before the ten-times-off report, the page shows the first two only.
        early = client.get("/api/v1/models/glm-4.5", params={"as_of": "2025-08-01"}).json()
        assert [r["value"] for r in early["disputes"]["params_total"]] == [355 * B, 335 * B]
    finally:
        services.close()
