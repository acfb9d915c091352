"""service.compression: Zstandard written, zlib (older blobs) still read, per thread."""

from __future__ import annotations

import threading
import zlib

import pytest
import zstandard

from service import compression

TEXT = b'{"models":{"qwen3-235b-a22b":{"lab":"alibaba","city":"hangzhou"}}}' * 200


def test_round_trip_writes_one_zstandard_frame() -> None:
    blob = compression.compress(TEXT)
    assert blob.startswith(compression.FRAME_MAGIC)
    assert len(blob) < len(TEXT) // 10
    assert compression.decompress(blob) == TEXT


def test_zlib_blobs_written_before_still_read() -> None:
    for level in (1, 6, 9):
        assert compression.decompress(zlib.compress(TEXT, level)) == TEXT


def test_corrupt_bytes_raise() -> None:
    blob = bytearray(compression.compress(TEXT))
    blob[len(blob) // 2 :] = b"\xff" * (len(blob) - len(blob) // 2)
    with pytest.raises(zstandard.ZstdError):
        compression.decompress(bytes(blob))
    with pytest.raises(zlib.error):
        compression.decompress(b"\x78\x01garbage")


def test_threads_each_use_their_own_context() -> None:
    texts = [TEXT + str(n).encode() * n for n in range(8)]
    results: dict[int, bool] = {}

    def work(n: int) -> None:
        results[n] = all(
            compression.decompress(compression.compress(texts[n])) == texts[n] for _ in range(200)
        )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: True for n in range(8)}
