"""Zstandard for the bytes crownlog keeps compressed: snapshots, as_of rungs, and the crown's
packed timeline blocks.

Level 1 of Zstandard compresses a light snapshot's JSON three times as fast as level 1 of zlib,
and a third smaller (a 1.8 MB snapshot of a 3M-event log: 2.1 ms and 201 kB against 6.6 ms and
292 kB); a rebuild writes one every ``LIGHT_EVERY`` events, so on a large log this was a tenth
of its time (docs/benchmarks.md). Blobs written before (zlib) still read: a Zstandard frame
starts with its own magic number, which no zlib stream does (those start with ``0x78``).
"""

from __future__ import annotations

import threading
import zlib

import zstandard

#: How every Zstandard frame starts (RFC 8878, 3.1.1).
FRAME_MAGIC = b"\x28\xb5\x2f\xfd"
LEVEL = 1

#: Compression contexts are not safe to share between threads: one per thread.
_contexts = threading.local()


def compress(data: bytes) -> bytes:
    """``data`` as one Zstandard frame (which records its size, for ``decompress``)."""
    context = getattr(_contexts, "compressor", None)
    if context is None:
        context = _contexts.compressor = zstandard.ZstdCompressor(level=LEVEL)
    # A copy of exactly its size: the library's result keeps the allocation of the worst case
    # (``ZSTD_compressBound``, ten times a JSON's frame), which the C allocator does not give
    # back when it shrinks it — 300 kB held per packed timeline block of 24 kB, 600 MB more for
    # the crown of a 10M-event log (``python bench/scale.py``: 218 → 746 MB, then 218 again).
    return bytes(memoryview(context.compress(data)))


def decompress(blob: bytes) -> bytes:
    """The bytes ``compress`` (or, for older blobs, ``zlib.compress``) was given."""
    if not blob.startswith(FRAME_MAGIC):
        return zlib.decompress(blob)
    context = getattr(_contexts, "decompressor", None)
    if context is None:
        context = _contexts.decompressor = zstandard.ZstdDecompressor()
    return context.decompress(blob)  # type: ignore[no-any-return]
