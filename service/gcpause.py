"""Pausing the cyclic garbage collector around bulk folds.

A rebuild allocates millions of short-lived tuples and dicts and no reference cycles; the
collector's passes over a heap that size cost a fifth of the time, for nothing to free.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the block; its previous state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
