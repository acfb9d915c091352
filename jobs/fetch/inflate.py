"""Content-Encoding decoding with an output cap, so a gzip bomb stops at the cap.

httpx's own decoders inflate each network chunk without a bound (a 64 KiB chunk of a bomb is
~64 MiB); ``zlib``'s ``max_length`` lets crownlog stop at exactly ``limit`` bytes instead.
"""

from __future__ import annotations

import zlib


class Inflater:
    """Decodes ``identity``, ``gzip`` or ``deflate`` bodies chunk by chunk, up to ``limit`` bytes.

    ``feed`` and ``flush`` raise ``OverflowError`` past the limit and ``ValueError`` for an
    unsupported encoding or corrupt data.
    """

    def __init__(self, encoding: str, limit: int) -> None:
        name = encoding.strip().lower()
        if name not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise ValueError(f"unsupported Content-Encoding {encoding!r} (crownlog asks for gzip)")
        self._limit = limit
        self._total = 0
        self._deflate = name == "deflate"
        # 32 + MAX_WBITS: zlib reads a gzip or a zlib header, whichever is there.
        self._zlib = None if name in ("", "identity") else zlib.decompressobj(32 + zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of the next raw chunk."""
        if self._zlib is None:
            return self._count(data)
        try:
            out = self._zlib.decompress(data, self._limit - self._total + 1)
        except zlib.error:
            if not (self._deflate and not self._started):
                raise ValueError("corrupt compressed data") from None
            # Some servers send raw deflate (no zlib header) as "deflate".
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.feed(data)
        self._started = True
        return self._count(out)

    def flush(self) -> bytes:
        """Whatever the decoder still holds at the end of the body."""
        if self._zlib is None:
            return b""
        try:
            return self._count(self._zlib.flush())
        except zlib.error:
            raise ValueError("corrupt compressed data") from None

    def _count(self, data: bytes) -> bytes:
        self._total += len(data)
        if self._total > self._limit:
            raise OverflowError(self._total)
        return data
