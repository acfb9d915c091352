"""The dashboard under its strict Content-Security-Policy, in a real browser (Debian's chromium
driven by Playwright) against a real ``crownlog serve``: every page renders, with its charts,
and the browser reports no violation. Beside it, the rendered HTML is checked for anything a
strict policy would block (inline scripts, styles, handlers, ``javascript:`` URLs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import apidata
from tests.browser import ARGS, CHROMIUM, playwright_sync_api, require_chromium
from tests.server import serving

sync_api = playwright_sync_api()
require_chromium()
GLM, KIMI = "glm-4.5", "kimi-k2"
PAGES = [
    "/",
    "/?as_of=2025-07-20",
    "/models",
    f"/models/{GLM}",
    f"/compare?models={GLM},{KIMI}",
    "/changes",
    "/cities",
    "/sources",
]
#: Error pages are pages too: a 404 and a 422 render under the same policy.
ERROR_PAGES = {"/models/no-such-model": 404, "/?as_of=not-a-time": 422, "/nowhere": 404}
BLOCKED = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("csp-browser")
    with apidata.race_database("sqlite", directory) as url:
        env = {"CROWNLOG_CATALOG": str(apidata.CATALOG)}
        with serving(url, directory, "--no-scheduler", env=env) as served:
            yield served


@pytest.fixture
def page(base: str) -> Iterator[Any]:
    """A chromium page that records console messages and CSP violation reports."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})
            tab.console_lines = []
            tab.on("console", lambda message: tab.console_lines.append(message.text))
            # Init scripts run before the page's own and are not subject to its policy.
            tab.add_init_script(
                "window.__violations = [];"
                "document.addEventListener('securitypolicyviolation', e =>"
                " window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
            )
            yield tab
        finally:
            browser.close()


@pytest.mark.parametrize("path", PAGES)
def test_the_html_holds_nothing_a_strict_policy_blocks(base: str, path: str) -> None:
    """No inline script, style element or attribute, handler or javascript: URL."""
    response = httpx.get(f"{base}{path}", timeout=30)
    assert response.status_code == 200, (path, response.text[:300])
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    found = {name for name, pattern in BLOCKED.items() if pattern.search(response.text)}
    assert not found, (path, found)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_without_a_violation(base: str, page: Any, path: str) -> None:
    """Each page loads its stylesheet and scripts and draws; the browser reports nothing."""
    page.goto(f"{base}{path}", wait_until="load")
    # The stylesheet applied (a file under 'self'): the header bar is laid out by it.
    display = page.evaluate("getComputedStyle(document.querySelector('header.top')).display")
    assert display == "flex", display
    violations = page.evaluate("window.__violations")
    refused = [line for line in page.console_lines if "Content Security Policy" in line]
    assert violations == [] and refused == [], (path, violations, refused)


def test_city_colours_come_from_the_stylesheet(base: str, page: Any) -> None:
    """The swatches a strict policy would have blanked (inline styles) are coloured by class."""
    page.goto(f"{base}/cities", wait_until="load")
    swatches = page.locator(".legend .swatch")
    assert swatches.count() >= 5
    colours = {
        swatches.nth(i).evaluate("e => getComputedStyle(e).backgroundColor")
        for i in range(swatches.count())
    }
    assert "rgba(0, 0, 0, 0)" not in colours and len(colours) == swatches.count()
    assert page.locator("svg").count() >= 1


def test_the_api_docs_render_under_their_own_policy(base: str, page: Any) -> None:
    """Swagger UI starts (its one inline script is admitted by hash) without a violation."""
    page.goto(f"{base}/docs", wait_until="load")
    started = "document.querySelector('.swagger-ui') !== null"  # rendered by the inline script
    page.wait_for_function(started, timeout=30_000)
    assert page.evaluate("window.__violations") == []


@pytest.mark.parametrize("path", ERROR_PAGES)
def test_error_pages_render_without_a_violation(base: str, page: Any, path: str) -> None:
    """A 4xx page carries the policy, holds nothing it blocks, and draws with its stylesheet."""
    response = httpx.get(f"{base}{path}", timeout=30)
    assert response.status_code == ERROR_PAGES[path], (path, response.text[:300])
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    html = response.headers["content-type"].startswith("text/html")
    if html:
        found = {name for name, pattern in BLOCKED.items() if pattern.search(response.text)}
        assert not found, (path, found)
    page.goto(f"{base}{path}", wait_until="load")
    if html:
        display = page.evaluate("getComputedStyle(document.querySelector('header.top')).display")
        assert display == "flex", (path, display)
    assert page.evaluate("window.__violations") == []
    assert not [line for line in page.console_lines if "Content Security Policy" in line]


def test_the_copy_link_script_runs_under_the_policy(base: str, page: Any) -> None:
    """The one script (a file under 'self') runs: clicking the button reports the pinned link,
    and neither the click nor the off-screen fallback it may use trips the policy."""
    page.goto(f"{base}/?as_of=2025-07-20", wait_until="load")
    position = page.get_by_test_id("stamp-position").inner_text()
    page.get_by_test_id("copy-permalink").click()
    expected = f"{base}/?as_of=2025-07-20&position={position}"
    sync_api.expect(page.get_by_test_id("copy-status")).to_contain_text(expected)
    assert page.evaluate("window.__violations") == []
    assert not [line for line in page.console_lines if "Content Security Policy" in line]
