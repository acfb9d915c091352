"""Run real ``crownlog worker`` processes for scheduler tests."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from service.bootstrap import ensure_schema
from service.db import create_engine
from tests.cli import CROWNLOG, HF_NOWHERE
from tests.conftest import settings_toml


def write_config(folder: Path, sources: str) -> dict[str, str]:
    """A config folder with ``sources`` as its sources file; returns the env naming it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.toml").write_text(sources)
    (folder / "crownlog.toml").write_text(settings_toml(log_format="json"))
    return {"CROWNLOG_CONFIG": str(folder / "crownlog.toml")}


def start_worker(
    url: str, cwd: Path, env: dict[str, str], name: str, *args: str
) -> subprocess.Popen[str]:
    """``crownlog worker ARGS`` on ``url`` (migrated first: workers do not migrate themselves)."""
    engine = create_engine(url)
    ensure_schema(engine, upgrade_empty=True)
    engine.dispose()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CROWNLOG_")},
        "CROWNLOG_DATABASE_URL": url,
        # Derived Hugging Face fetches stay on loopback (a closed port) unless a test serves them.
        "CROWNLOG_HF__BASE_URL": HF_NOWHERE,
        **env,
    }
    log = (cwd / f"{name}.log").open("w")
    return subprocess.Popen(
        [CROWNLOG, "worker", *args],
        cwd=cwd,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def log_lines(cwd: Path, name: str) -> list[dict[str, object]]:
    """The JSON log lines a worker wrote."""
    lines = []
    for raw in (cwd / f"{name}.log").read_text().splitlines():
        try:
            lines.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            continue
    return lines


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)
