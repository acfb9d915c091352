"""The dashboard in a real browser (Debian's chromium driven by Playwright) against a real
``crownlog serve``: what the page shows is what the API says, at now and at a past date."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import apidata
from tests.browser import ARGS, CHROMIUM, playwright_sync_api, require_chromium
from tests.server import serving

sync_api = playwright_sync_api()
require_chromium()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("browser")
    with apidata.race_database("sqlite", directory) as url:
        env = {"CROWNLOG_CATALOG": str(apidata.CATALOG)}
        with serving(url, directory, "--no-scheduler", env=env) as served:
            yield served


@pytest.fixture
def page(base: str) -> Iterator[Any]:
    """A chromium page that records every URL it requests."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})
            tab.requested = []
            tab.on("request", lambda request: tab.requested.append(request.url))
            yield tab
        finally:
            browser.close()


def shown(page: Any) -> tuple[str, list[tuple[str, str]]]:
    """The crown holder's slug and the standings rows (slug, rank) the page shows."""
    holder = page.get_by_test_id("crown-holder").get_attribute("data-model")
    rows = page.get_by_test_id("standings-row")
    return holder, [
        (rows.nth(i).get_attribute("data-model"), rows.nth(i).get_attribute("data-rank"))
        for i in range(rows.count())
    ]


def from_api(base: str, **params: str) -> tuple[str, list[tuple[str, str]]]:
    crown = httpx.get(f"{base}/api/v1/crown", params=params, timeout=10).json()
    standings = httpx.get(f"{base}/api/v1/standings", params=params, timeout=10).json()
    holder = crown["holder"]["model"] if crown["holder"] else ""
    return holder, [(row["model"], str(row["rank"])) for row in standings["rows"]]


def test_dashboard_shows_what_the_api_says_now_and_as_of(
    base: str, page: Any, tmp_path: Path
) -> None:
    """Load /, compare crown and standings with the API, switch the as-of date, compare again."""
    page.goto(f"{base}/")
    now = shown(page)
    assert now == from_api(base)
    # Exactly the models of the Aug-15 snapshot: R1-0528 and MiniMax-M1 left the board.
    assert now[0] == "glm-4.5" and len(now[1]) == len(apidata.SNAPSHOTS["2025-08-15"])
    assert page.locator("svg.chart rect").count() >= 4  # reigns and monthly bars, inline SVG
    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("CROWNLOG_SAVE_SCREENSHOT") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(screenshot, ROOT / "docs" / "dashboard.png")

    page.get_by_test_id("as-of-input").fill("2025-07-20")
    page.get_by_test_id("as-of-submit").click()
    page.wait_for_url("**as_of=2025-07-20**")
    then = shown(page)
    assert then == from_api(base, as_of="2025-07-20") != now
    assert then[0] == "kimi-k2" and then[1][0] == ("gemini-2.5-pro", "1")
    assert "2025-07-20" in page.get_by_test_id("as-of-shown").inner_text()
    page.screenshot(path=str(tmp_path / "dashboard-2025-07-20.png"), full_page=True)

    page.get_by_test_id("crown-holder").locator("a").click()
    page.wait_for_url("**/models/kimi-k2?as_of=2025-07-20")
    assert page.get_by_test_id("model-name").inner_text() == "Kimi K2"
    links = page.get_by_test_id("source-link")
    assert links.count() >= 2
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert f"{apidata.NEWS_URL}/kimi-k2" in hrefs
    assert all(url.startswith(base) for url in page.requested), "the dashboard fetched off-site"


def test_cities_page_and_filters(base: str, page: Any) -> None:
    """/cities lists the four cities; the standings filter keeps only open-weights rows."""
    page.goto(f"{base}/cities")
    cities = page.get_by_test_id("city-row")
    slugs = {cities.nth(i).get_attribute("data-city") for i in range(cities.count())}
    assert {"beijing", "shanghai", "hangzhou", "shenzhen"} <= slugs
    page.goto(f"{base}/")
    page.get_by_test_id("standings-filter").locator("select[name=open_weights]").select_option(
        "true"
    )
    page.get_by_test_id("standings-filter").locator("button").click()
    page.wait_for_url("**open_weights=true**")
    _holder, rows = shown(page)
    assert rows == from_api(base, open_weights="true")[1]
    assert "gemini-2.5-pro" not in [model for model, _rank in rows]
