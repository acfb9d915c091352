"""Logging: JSON lines with timestamp and level, and the context bound per poll or request."""

from __future__ import annotations

import logging

import orjson
import pytest
import structlog

from service.logs import configure_logging


def test_json_lines_carry_time_level_and_bound_context(capsys: pytest.CaptureFixture[str]) -> None:
    """A line logged inside a poll names its source; foreign (stdlib) lines are JSON too."""
    configure_logging("json", "info")
    structlog.contextvars.bind_contextvars(source_id="zai-org-releases")
    try:
        structlog.get_logger("crownlog.poll").info("poll", status="ok", appended=3)
    finally:
        structlog.contextvars.unbind_contextvars("source_id")
    logging.getLogger("uvicorn.error").warning("plain stdlib line")
    lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines()]
    poll, foreign = lines
    assert poll["event"] == "poll" and poll["source_id"] == "zai-org-releases"
    assert poll["level"] == "info" and poll["timestamp"].endswith("Z")
    assert foreign["event"] == "plain stdlib line" and foreign["level"] == "warning"
    assert "timestamp" in foreign


def test_debug_lines_are_dropped_at_info(capsys: pytest.CaptureFixture[str]) -> None:
    """The configured level filters lines."""
    configure_logging("json", "info")
    structlog.get_logger("x").debug("hidden")
    assert capsys.readouterr().err == ""
