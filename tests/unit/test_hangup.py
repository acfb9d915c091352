"""SIGHUP never ends serve or worker (``service.cli.hangup``): a signal before the reload is
routed (during start-up) is kept, and a reload that raises is logged, not fatal. Each case runs
in a child process, so a SIGHUP that did kill would fail the test, not the test runner."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import os, signal, threading, time
    from service.cli.hangup import Hangups

    hangups = Hangups.install()
    os.kill(os.getpid(), signal.SIGHUP)  # start-up: nothing routed yet
    os.kill(os.getpid(), signal.SIGHUP)
    assert hangups.received == 2
    calls = []
    done = threading.Event()

    def reload():
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("a reload that fails")
        done.set()

    hangups.route(reload)
    deadline = time.monotonic() + 60
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [0], calls  # the two early signals: one reload, once routed
    os.kill(os.getpid(), signal.SIGHUP)  # after a failed reload, the next one still runs
    assert done.wait(60), calls
    print("alive", len(calls))
    """
)


def test_sighup_is_kept_until_routed_and_a_failing_reload_is_not_fatal() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert "alive 2" in result.stdout.splitlines()
    assert "sources reload failed; the sources in use stay" in result.stdout + result.stderr


def test_without_the_handler_sighup_would_end_the_process() -> None:
    """The default action the handler replaces (so the test above can fail)."""
    child = "import os, signal; os.kill(os.getpid(), signal.SIGHUP); print('alive')"
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, timeout=60)
    assert result.returncode == -signal.SIGHUP and b"alive" not in result.stdout
