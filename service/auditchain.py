"""The audit's chain walk in a process of its own, beside the replay in this one.

The walk (``service.chainwalk``) reads every event in full and the replay only what folds read:
neither needs the other, and each keeps a core busy for most of an audit. A child started with
``spawn`` (never ``fork``: this process holds database connections and maybe threads) opens its
own engine from the URL, walks, and sends back its ``ChainFindings``; meanwhile it counts the
events it verified into shared memory, so the audit's one progress bar covers both halves.

A child that dies without an answer (killed, out of memory) or raises is an audit that failed:
``Outcome.failure`` says so, and the audit reports it as a problem, never as a sound chain.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy.engine import Engine

from service.chainwalk import ChainFindings

#: Below this many events the walk stays in this process: a child's start (a new interpreter
#: importing crownlog, about a second) would cost more than running the two halves in turn.
CONCURRENT_FROM = 200_000


@dataclass(frozen=True, slots=True)
class Outcome:
    """The child's answer: its findings, or why there are none."""

    findings: ChainFindings | None
    failure: str | None = None


def shareable_url(engine: Engine) -> str | None:
    """The URL another process can open for the same database, or None (in-memory SQLite)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            return None
        if url.query.get("mode") == "memory":
            return None
    return url.render_as_string(hide_password=False)


class ChainChild:
    """The walk of the log at ``url`` running in a child process (start it with ``with``)."""

    def __init__(self, url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._counted = context.Value("q", 0, lock=False)  # events verified so far
        self._answers, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_run, args=(url, self._counted, sender), name="crownlog-audit-chain", daemon=True
        )
        self._sender = sender
        self._reported = 0
        self._outcome: Outcome | None = None

    def __enter__(self) -> ChainChild:
        self._process.start()
        self._sender.close()  # the child holds the only sending end: its exit closes the pipe
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._process.is_alive():  # the audit stopped early (an error, Ctrl-C)
            self._process.terminate()
        self._process.join(timeout=10)
        self._answers.close()

    def progressed(self) -> int:
        """Events verified since the last call (for the progress bar)."""
        counted = int(self._counted.value)
        step, self._reported = counted - self._reported, counted
        return step

    def outcome(self, wait: float | None = 0) -> Outcome | None:
        """The child's answer; None while it still works after ``wait`` seconds (None: until
        it answers or dies)."""
        if self._outcome is None and self._answers.poll(wait):
            try:
                kind, value = self._answers.recv()
            except EOFError:  # the pipe closed without an answer: the child died
                self._outcome = Outcome(None, self._died())
            else:
                self._outcome = Outcome(value, None) if kind == "ok" else Outcome(None, value)
        return self._outcome

    def _died(self) -> str:
        self._process.join(timeout=10)
        code = self._process.exitcode
        how = f"exited ({code})"
        if code is not None and code < 0:
            how = f"was killed by signal {-code}"
        return f"the process checking the chain {how} without an answer"


def _run(url: str, counted: Any, sender: Connection) -> None:
    """The child: walk the log at ``url``; send ``("ok", findings)`` or ``("error", why)``."""
    from service.chainwalk import walk
    from service.db import create_engine

    try:
        engine = create_engine(url)
        try:
            # The keys are the parent's: it asks while the walk goes on, once its replay is done.
            findings = walk(engine, lambda events: setattr(counted, "value", events), keys=False)
        finally:
            engine.dispose()
        sender.send(("ok", findings))
    except BaseException as exc:  # whatever stopped the walk, the audit hears it
        sender.send(("error", f"checking the chain stopped: {type(exc).__name__}: {exc}"))
    finally:
        sender.close()
