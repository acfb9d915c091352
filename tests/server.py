"""Start the real ``crownlog serve`` on a free loopback port for a test."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.cli import CROWNLOG, HF_NOWHERE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(url: str, cwd: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``crownlog serve`` against ``url``; yield its base URL once /healthz answers."""
    with serving_process(url, cwd, *args, env=env) as (base, _proc):
        yield base


@contextmanager
def serving_process(
    url: str, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``serving``, yielding the server process too (its pid, for memory readings)."""
    import os

    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CROWNLOG_")},
        "CROWNLOG_DATABASE_URL": url,
        "CROWNLOG_LOG_FORMAT": "json",
        # Derived Hugging Face fetches stay on loopback (a closed port) unless a test serves them.
        "CROWNLOG_HF__BASE_URL": HF_NOWHERE,
        **(env or {}),
    }
    log = (cwd / f"serve-{port}.log").open("w")
    proc = subprocess.Popen(
        [CROWNLOG, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=cwd,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a condition, not a speed: generous under load
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited: {(cwd / f'serve-{port}.log').read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not answer /healthz within 120 s")
            time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
