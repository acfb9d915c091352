"""Debian's chromium for the dashboard's browser tests, driven by Playwright (no browser
download). Where chromium or playwright is missing the tests skip with a reason, unless
``CROWNLOG_REQUIRE_BROWSER`` is set (CI), where that is a failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CROWNLOG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip the calling test module (with the reason) when chromium is not installed."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CROWNLOG_REQUIRE_BROWSER"):
        raise RuntimeError(f"chromium not found at {CHROMIUM} but CROWNLOG_REQUIRE_BROWSER is set")
    reason = f"chromium not found at {CHROMIUM}: apt-get install -y chromium (.ci/run does)"
    pytest.skip(reason=reason, allow_module_level=True)


def playwright_sync_api() -> Any:
    """``playwright.sync_api``; where playwright is missing the calling module skips with the
    reason, unless ``CROWNLOG_REQUIRE_BROWSER`` is set (CI), where that is a failure."""
    try:
        from playwright import sync_api
    except ImportError:
        if os.environ.get("CROWNLOG_REQUIRE_BROWSER"):
            raise RuntimeError(
                "playwright is not installed but CROWNLOG_REQUIRE_BROWSER is set (make venv)"
            ) from None
        reason = "playwright is not installed (pip install playwright; make venv does)"
        pytest.skip(reason=reason, allow_module_level=True)
    return sync_api
