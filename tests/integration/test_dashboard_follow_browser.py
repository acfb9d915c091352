"""Following the race in a real browser (Debian's chromium, Playwright) against a real
``crownlog serve``: the model page's history chart and paged events, the permanent link and
its copy button, the models index with filters and sorting, compare, what changed, and the
sources page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from jobs.runtime import build_ingestion
from jobs.schedule.sourcefile import SourceConfig
from service.bootstrap import build
from tests import apidata
from tests.browser import ARGS, CHROMIUM, playwright_sync_api, require_chromium
from tests.server import serving

sync_api = playwright_sync_api()
require_chromium()
KIMI, GLM, QWEN = "kimi-k2", "glm-4.5", "qwen3-235b-a22b-instruct-2507"
BROKEN = "broken-feed"


def add_broken_source(url: str, directory: Path) -> None:
    """A configured feed whose file is missing, polled once so it shows as failing."""
    missing = (directory / "missing.xml").as_uri()
    with (directory / "sources.toml").open("a") as handle:
        handle.write(f'\n[[source]]\nid = "{BROKEN}"\nkind = "feed"\nurl = "{missing}"\n')
    services = build(apidata.settings(url, directory))
    ingestion = build_ingestion(services)
    try:
        outcome = ingestion.poller.poll(SourceConfig(id=BROKEN, kind="feed", url=missing))
        assert outcome.status == "error"
    finally:
        ingestion.close()
        services.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("follow-browser")
    with apidata.race_database("sqlite", directory) as url:
        add_broken_source(url, directory)
        env = {
            "CROWNLOG_CATALOG": str(apidata.CATALOG),
            "CROWNLOG_SOURCES": str(directory / "sources.toml"),
        }
        with serving(url, directory, "--no-scheduler", env=env) as served:
            yield served


@pytest.fixture
def page(base: str) -> Iterator[Any]:
    """A chromium page allowed to use the clipboard; it records every URL it requests."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1200, "height": 900},
                permissions=["clipboard-read", "clipboard-write"],
            )
            tab = context.new_page()
            tab.requested = []
            tab.errors = []
            tab.on("request", lambda request: tab.requested.append(request.url))
            tab.on("pageerror", lambda error: tab.errors.append(str(error)))
            # Every failed request but the favicon (the dashboard has none) is a fault.
            tab.on(
                "response",
                lambda r: (
                    tab.errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            yield tab
        finally:
            browser.close()


def attributes(locator: Any, name: str) -> list[str]:
    return [locator.nth(i).get_attribute(name) for i in range(locator.count())]


def test_model_page_chart_and_events_newest_first(base: str, page: Any, tmp_path: Path) -> None:
    """Kimi K2's chart has a point per snapshot (as the API's history), a band and ranks;
    its events are listed newest first."""
    page.goto(f"{base}/models/{KIMI}")
    history = httpx.get(f"{base}/api/v1/models/{KIMI}/history", timeout=10).json()
    chart = page.get_by_test_id("history-chart")
    assert chart.is_visible()
    points = chart.get_by_test_id("history-point")
    assert attributes(points, "data-as-of") == [p["as_of"][:10] for p in history["points"]]
    assert attributes(chart.get_by_test_id("rank-point"), "data-rank") == ["2", "3", "4"]
    assert chart.get_by_test_id("history-band").count() == 1
    assert "rank 4" in points.nth(2).locator("title").text_content()
    positions = [int(p) for p in attributes(page.get_by_test_id("history-row"), "data-position")]
    assert positions == sorted(positions, reverse=True) and len(positions) >= 3
    page.screenshot(path=str(tmp_path / "model.png"), full_page=True)
    assert not page.errors
    assert all(url.startswith(base) for url in page.requested), "the dashboard fetched off-site"


def test_copy_a_permanent_link(base: str, page: Any) -> None:
    """The button copies the absolute link pinned by position; that page says it is pinned
    and shows the same position and hash."""
    page.goto(f"{base}/?as_of=2025-07-20")
    position = page.get_by_test_id("stamp-position").inner_text()
    head_hash = page.get_by_test_id("stamp-hash").get_attribute("title")
    page.get_by_test_id("copy-permalink").click()
    expected = f"{base}/?as_of=2025-07-20&position={position}"
    status = page.get_by_test_id("copy-status")
    sync_api.expect(status).to_contain_text(expected)
    assert page.evaluate("navigator.clipboard.readText()") == expected
    page.goto(expected)
    assert "will not change" in page.get_by_test_id("pinned-note").inner_text()
    assert page.get_by_test_id("stamp-hash").get_attribute("title") == head_hash
    assert page.get_by_test_id("crown-holder").get_attribute("data-model") == KIMI
    page.get_by_test_id("crown-holder").locator("a").click()
    page.wait_for_url(f"**/models/{KIMI}?as_of=2025-07-20&position={position}")
    assert page.get_by_test_id("pinned-note").is_visible()
    assert not page.errors


def test_models_index_filters_sorts_and_compares(base: str, page: Any, tmp_path: Path) -> None:
    """Filter to open weights and 100B+, sort by size, tick two models, compare them."""
    page.goto(f"{base}/models")
    form = page.get_by_test_id("models-filter")
    form.get_by_test_id("filter-weights").select_option("open")
    form.get_by_test_id("filter-params-min").fill("100B")
    form.get_by_test_id("sort").select_option("params")
    form.get_by_test_id("order").select_option("desc")
    form.get_by_test_id("models-filter-submit").click()
    page.wait_for_url("**weights=open**")
    slugs = attributes(page.get_by_test_id("model-row"), "data-model")
    api = httpx.get(
        f"{base}/api/v1/models", params={"weights": "open", "params_min": "100B"}, timeout=10
    ).json()["items"]
    assert set(slugs) == {m["slug"] for m in api} and KIMI in slugs and GLM in slugs
    sizes = sorted(((m["params_total"], m["slug"]) for m in api), reverse=True)
    assert slugs == [slug for _size, slug in sizes]  # kimi-k2 (1T) first
    for slug in (KIMI, GLM):
        page.locator(f"tr[data-model='{slug}'] input[type=checkbox]").check()
    page.get_by_test_id("compare-submit").click()
    page.wait_for_url("**/compare?**")
    columns = attributes(page.get_by_test_id("compare-column"), "data-model")
    assert columns == [KIMI, GLM]
    licence = page.locator("tr[data-fact='license'] [data-testid=fact]")
    for index, slug in enumerate((KIMI, GLM)):
        facts = httpx.get(f"{base}/api/v1/models/{slug}", timeout=10).json()
        assert licence.nth(index).inner_text().startswith(facts["license"])
    assert "modified MIT license" in licence.nth(0).get_by_test_id("evidence").inner_text()
    assert page.get_by_test_id("evidence").count() >= 4
    chart = page.get_by_test_id("history-chart")
    assert set(attributes(chart.get_by_test_id("history-point"), "data-model")) == {KIMI, GLM}
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
    assert not page.errors


def test_what_changed_defaults_to_this_week_and_takes_dates(base: str, page: Any) -> None:
    """The page opens on the last seven days; picking Jul 20 – Aug 16 shows the crown passing
    from Kimi K2 to GLM-4.5 and the models that entered, as the API says."""
    page.goto(f"{base}/changes")
    start = page.get_by_test_id("changes-from").input_value()
    assert start and page.get_by_test_id("changes-to").input_value() == ""
    page.get_by_test_id("changes-from").fill("2025-07-20")
    page.get_by_test_id("changes-to").fill("2025-08-16")
    page.get_by_test_id("changes-submit").click()
    page.wait_for_url("**from=2025-07-20**")
    crown = page.get_by_test_id("crown-change")
    assert (crown.get_attribute("data-before"), crown.get_attribute("data-after")) == (KIMI, GLM)
    api = httpx.get(
        f"{base}/api/v1/changes", params={"from": "2025-07-20", "to": "2025-08-16"}, timeout=10
    ).json()
    entered = attributes(page.get_by_test_id("entered"), "data-model")
    assert entered == [row["model"] for row in api["boards"][0]["entered"]]
    assert GLM in entered and QWEN in entered
    assert set(attributes(page.get_by_test_id("release"), "data-model")) >= {GLM, QWEN}
    assert not page.errors


def test_sources_page_shows_health(base: str, page: Any) -> None:
    """The broken feed is listed first as failing, with its error; the others are ok."""
    page.goto(f"{base}/sources")
    rows = page.get_by_test_id("source-row")
    assert rows.first.get_attribute("data-source") == BROKEN
    assert rows.first.get_attribute("data-healthy") == "false"
    assert rows.first.get_by_test_id("last-error").inner_text() != "—"
    assert rows.first.get_by_test_id("next-poll").inner_text() != "—"
    healthy = attributes(rows, "data-healthy")
    assert healthy.count("true") == len(healthy) - 1
    assert page.get_by_test_id("live-note").is_visible()
    assert page.get_by_test_id("failing-count").inner_text() == "1 failing"
