"""Run the real ``crownlog`` console script in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CROWNLOG = str(Path(sys.executable).parent / "crownlog")


def run(
    *args: str, url: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``crownlog ARGS`` against the database at ``url``, from ``cwd``."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CROWNLOG_")},
        "CROWNLOG_DATABASE_URL": url,
        "CROWNLOG_LOG_FORMAT": "json",
        **(env or {}),
    }
    return subprocess.run(
        [CROWNLOG, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
