"""Run the real ``crownlog`` console script in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CROWNLOG = str(Path(sys.executable).parent / "crownlog")
#: ``[hf] base_url`` of every test run: a loopback port nothing listens on (refused at once).
HF_NOWHERE = "http://127.0.0.1:9"


def run(
    *args: str, url: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``crownlog ARGS`` against the database at ``url``, from ``cwd``."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CROWNLOG_")},
        "CROWNLOG_DATABASE_URL": url,
        "CROWNLOG_LOG_FORMAT": "json",
        # Derived Hugging Face fetches stay on loopback (a closed port) unless a test serves them.
        "CROWNLOG_HF__BASE_URL": HF_NOWHERE,
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
