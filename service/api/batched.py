"""One blocking read shared by every request waiting for it (the projection checkpoint).

Every current read needs the position the projections stand at. Under load, many requests
want it at once; rather than each sending the query from its own worker thread (where they
fight the event loop for the GIL), requests wait together for one read in one thread.

Freshness is kept: a request only shares a read that *starts after it arrived*, so it never
answers from a position older than the moment it came in. While a read runs, newcomers form
the next batch, which reads as soon as the current one ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")


class Batched(Generic[T]):
    """``await batched.get()``: the value of ``read()``, read after the call began."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slot = asyncio.Lock()
        self._waiting: asyncio.Future[T] | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    def _bind(self) -> None:
        # A test client may run each request on a fresh loop; state belongs to one loop.
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._slot, self._waiting = loop, asyncio.Lock(), None

    async def get(self) -> T:
        self._bind()
        batch = self._waiting
        if batch is None:
            assert self._loop is not None
            batch = self._waiting = self._loop.create_future()
            # Nobody may be left to read an error (all callers gone): mark it seen.
            batch.add_done_callback(lambda done: done.cancelled() or done.exception())
            task = self._loop.create_task(self._run(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # Shielded: one caller giving up (a client disconnecting) does not cancel the read.
        return await asyncio.shield(batch)

    async def _run(self, batch: asyncio.Future[T]) -> None:
        async with self._slot:
            if self._waiting is batch:
                self._waiting = None  # from here on, newcomers wait for the next read
            try:
                batch.set_result(await run_in_threadpool(self._read))
            except Exception as exc:
                batch.set_exception(exc)
