"""The crown folded beside the other projections: in this process, or in a second one.

A full rebuild reads the whole log and feeds four folds; the crown's is the heaviest (it keeps
the time-ordered timeline and replays the race through it). On a machine with two cores the
rebuild hands it to a child process that reads the crown's events itself, over the same
position windows, while the parent folds the catalog, the standings and the places: the two
halves cost about the same, so the rebuild takes about 60 % of the time of one process
(docs/operations.md, Upgrades; figures in docs/benchmarks.md).

The child sends, at every window where a snapshot is due, the crown's part of it as JSON bytes
(or None while a backfill's replay is pending: the snapshot then waits, as in one process), and
its final state at the end. ``LocalCrown`` does the same in process: one code path for both,
and the tests compare the two byte for byte.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from service import driverconn, reader
from service.events import FoldEvent
from service.gcpause import paused_gc
from service.projections import crown, snapkinds
from service.projections.crown import CrownState

if TYPE_CHECKING:  # the child process loads no SQLAlchemy (service.driverconn)
    from sqlalchemy.engine import Engine

CROWN_TYPES: frozenset[str] = frozenset(crown.HANDLERS)
#: Below this many events a second process costs more (its start-up) than it saves.
MIN_EVENTS = 200_000
#: Per snapshot kind (``light``, ``full``), the crown's JSON in it.
Parts = dict[str, bytes]


def windows(head: int, step: int) -> Iterator[tuple[int, int]]:
    """``(after, until]`` position windows of ``step`` up to ``head``: snapshot boundaries
    fall on multiples of ``step``, so both processes cut the log at the same places."""
    for after in range(0, head, step):
        yield after, min(after + step, head)


class Pacer:
    """When the crown settles during a long fold: between chunks it advances the race
    through the entries a margin older than the newest (``crown.settle_older``); a backfill's
    replay waits until the events folded since it pay for it (settling every chunk of a long
    backfill made rebuilds quadratic), and so do the snapshots, which need a settled crown."""

    __slots__ = ("state", "unsettled")

    def __init__(self, state: CrownState) -> None:
        self.state, self.unsettled = state, 0

    def folded(self, events: int) -> None:
        self.unsettled += events

    def between(self) -> None:
        if self.state.dirty_from is None:
            crown.settle_older(self.state)
            self.unsettled = 0
        elif crown.replay_cost(self.state) <= self.unsettled:
            crown.settle(self.state)
            self.unsettled = 0

    def snapshot_parts(self, kinds: list[str]) -> Parts | None:
        """The crown's part of the snapshots ``kinds`` now, or None while a replay waits."""
        self.between()
        state = self.state
        if state.dirty_from is not None:
            return None
        # The entries newer than the margin stay pending here: a copy takes them in.
        view = crown.settle(crown.copy(state)) if state.pending else state
        return {kind: snapkinds.crown_part(view, kind) for kind in kinds}


class LocalCrown:
    """The crown folded in this process, window by window, as the child does it."""

    __slots__ = ("pacer", "state")

    def __init__(self) -> None:
        self.state = crown.initial()
        self.pacer = Pacer(self.state)

    def fold(self, events: list[FoldEvent]) -> None:
        """Fold the crown's events among ``events`` (others are skipped)."""
        state, get, folded = self.state, crown.HANDLERS.get, 0
        for event in events:
            handler = get(event.type)
            if handler is not None:
                handler(state, event)
                folded += 1
        self.pacer.folded(folded)

    def window_done(self, kinds: list[str]) -> Parts | None:
        """End of a window: the snapshot parts if ``kinds`` are due, else settle a little."""
        if kinds:
            return self.pacer.snapshot_parts(kinds)
        self.pacer.between()
        return None

    def result(self) -> CrownState:
        return crown.settle(self.state)


class Later:
    """The crown's part of the snapshots due at a window's end: made already (in this
    process), or to come from the child (``ready`` without waiting, ``get`` waiting)."""

    __slots__ = ("_parts", "_position", "_side")

    def __init__(
        self, parts: Parts | None = None, side: CrownProcess | None = None, position: int = 0
    ) -> None:
        self._parts, self._side, self._position = parts, side, position

    def ready(self) -> bool:
        return self._side is None or self._side.ready(self._position)

    def get(self) -> Parts | None:
        """The parts, or None while a backfill's replay waited (no snapshot then)."""
        return self._parts if self._side is None else self._side.parts(self._position)


def fold_crown(
    conn: Any, head: int, step: int, light_every: int, full_every: int
) -> Iterator[tuple[int, Parts | None] | CrownState]:
    """Fold the crown's events up to ``head`` window by window; yield ``(position, parts)``
    at each window where a snapshot is due, and the settled state last."""
    local = LocalCrown()
    for after, until in windows(head, step):
        local.fold(reader.fetch_folds(conn, after, until, limit=step, types=CROWN_TYPES))
        kinds = snapkinds.due_kinds(until, after, light_every, full_every)
        parts = local.window_done(kinds)
        if kinds:
            yield until, parts
    yield local.result()


def _child() -> None:
    """``python -m service.projections.crownfold``: read the job from stdin, fold, and write
    pickled messages to stdout (the child's own logs go to stderr)."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # nothing else may write into the message stream
    try:
        target, head, step, every = pickle.load(sys.stdin.buffer)  # our parent's bytes
        conn = driverconn.connect(target)
        try:
            with paused_gc():
                for item in fold_crown(conn, head, step, *every):
                    kind = "done" if isinstance(item, CrownState) else "snapshot"
                    pickle.dump((kind, item), out, protocol=pickle.HIGHEST_PROTOCOL)
                    out.flush()
        finally:
            conn.close()
    except BaseException:  # reported to the parent, which fails the rebuild
        pickle.dump(("error", traceback.format_exc()), out)
        raise SystemExit(1) from None
    finally:
        out.close()


class CrownProcess:
    """The crown folded in a child process; ``parts``/``result`` block until it gets there.

    A thread reads the child's messages as they come, so the child never waits on the
    parent. The child is a fresh interpreter (``python -m``), not a fork of a threaded
    service, and gets the database URL on stdin (never on its command line)."""

    def __init__(
        self, url: str, head: int, step: int, light_every: int = 0, full_every: int = 0
    ) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        from sqlalchemy.engine import make_url

        job = (driverconn.target_of(make_url(url)), head, step, (light_every, full_every))
        self._process.stdin.write(pickle.dumps(job))
        self._process.stdin.close()
        self._messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._parts: dict[int, Parts | None] = {}
        self._result: CrownState | None = None
        self._drain = threading.Thread(target=self._read, args=(self._process.stdout,))
        self._drain.daemon = True
        self._drain.start()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while True:
                message = pickle.load(stream)  # our own child's bytes
                self._messages.put(message)
                if message[0] != "snapshot":
                    return
        except (EOFError, OSError, pickle.UnpicklingError):
            self._messages.put(("error", "the crown fold process ended without a result"))
        finally:
            stream.close()

    def _receive(self, block: bool = True) -> bool:
        """Take the child's next message (False: none yet, without ``block``); a snapshot's
        parts are kept until asked for, so that the parent never waits on the child while
        the child has not reached a snapshot the parent is already past."""
        try:
            kind, value = self._messages.get(block=block)
        except queue.Empty:
            return False
        if kind == "error":
            self.close()
            raise RuntimeError(
                f"the crown fold (child process, exit code {self._process.returncode}) "
                "failed, so the rebuild stops and changes nothing; rerun it, or set "
                f"CROWNLOG_REBUILD_PROCESSES=1 to fold in one process:\n{value}"
            )
        if kind == "snapshot":
            self._parts[value[0]] = value[1]
        else:
            self._result = value
        return True

    def ready(self, position: int) -> bool:
        """Whether the crown's part of the snapshots due at ``position`` came already."""
        while position not in self._parts and self._receive(block=False):
            pass
        return position in self._parts

    def parts(self, position: int) -> Parts | None:
        """The crown's part of the snapshots due at ``position`` (waits for it)."""
        while position not in self._parts:
            if self._result is not None:
                raise RuntimeError(f"the crown fold sent no snapshot for position {position}")
            self._receive()
        return self._parts.pop(position)

    def result(self) -> CrownState:
        while self._result is None:
            self._receive()
        self.close()
        return self._result

    def close(self) -> None:
        """Wait for the child to end (a few seconds), then stop it."""
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def child_url(engine: Engine, head: int, processes: int | None) -> str | None:
    """The URL a child process folds the crown from, or None to fold in this process (one
    process asked for, a small log, or a database only this process can see)."""
    if processes is None:
        processes = int(os.environ.get("CROWNLOG_REBUILD_PROCESSES") or 0) or None
    if processes is None:
        processes = 2 if head >= MIN_EVENTS else 1
    url = engine.url
    memory = url.get_backend_name() == "sqlite" and (
        url.database in (None, "", ":memory:") or "mode=memory" in str(url)
    )
    if processes < 2 or memory:
        return None
    return url.render_as_string(hide_password=False)


if __name__ == "__main__":
    _child()
