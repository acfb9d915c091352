"""Concurrent writers and crashes, with real processes on real databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from service.audit import verify_chain
from service.errors import ConcurrencyError
from service.store import EventStore
from tests.builders import mention
from tests.conftest import ROOT

WRITERS, PER_WRITER = 4, 2000


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.procs", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_four_processes_appending_at_once_get_gapless_positions(
    database_url: str, store: EventStore
) -> None:
    """4 processes × 2,000 events at once → positions 1..8000, chain intact, no key twice."""
    procs = [_spawn("write", database_url, f"w{n}", str(PER_WRITER), "50") for n in range(WRITERS)]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    events = list(store.read())
    assert [e.position for e in events] == list(range(1, WRITERS * PER_WRITER + 1))
    keys = [e.key for e in events]
    assert len(set(keys)) == len(keys) == WRITERS * PER_WRITER
    for writer in range(WRITERS):
        versions = [e.version for e in events if e.stream == f"source:w{writer}"]
        assert versions == list(range(1, PER_WRITER + 1))
    report = verify_chain(store)
    assert report.ok and report.events == WRITERS * PER_WRITER


def _race(store: EventStore, stream: str) -> list[str]:
    """Two threads append to ``stream`` expecting version 0, released at the same instant."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(n: int) -> None:
        event = mention(stream.split(":")[1], n)
        barrier.wait()
        try:
            store.append([event], expected_versions={stream: 0})
            outcomes.append("won")
        except ConcurrencyError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_writers_racing_on_one_stream_exactly_one_wins(store: EventStore) -> None:
    """Two writers with the same expected version: one appends, the other gets a conflict."""
    for round_ in range(5):
        stream = f"model:race-{round_}"
        assert sorted(_race(store, stream)) == ["conflict", "won"]
        assert store.stream_version(stream) == 1


@pytest.mark.parametrize("count", [5000])
def test_process_killed_mid_append_leaves_the_log_as_before(
    database_url: str, store: EventStore, count: int
) -> None:
    """SIGKILL inside a large append's transaction: nothing of it lands; the chain verifies."""
    store.append([mention("glm-4.5", n, key=f"before-{n}") for n in range(10)])
    before = store.head()
    proc = _spawn("hang", database_url, str(count))
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith(f"INSIDE {count}"), proc.stderr.read() if proc.stderr else line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    assert store.head() == before
    store.append([mention("glm-4.5", 99, key="after")])  # the lock was released
    report = verify_chain(store)
    assert report.ok and report.events == 11
