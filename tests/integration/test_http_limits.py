"""HTTP hardening against a real ``crownlog serve`` on loopback, spoken to over raw sockets:
oversized and too many headers, an overlong request line, a slow-loris head, an idle
connection, an oversized body — and the headers every response carries."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import apidata
from tests.server import serving_process

HEAD_TIMEOUT = 2.0
MIB = 2**20


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, int]]:
    """(base URL, port, pid) of a served race database with a 2 s head timeout."""
    directory = tmp_path_factory.mktemp("limits")
    with apidata.race_database("sqlite", directory) as url:
        env = {
            "CROWNLOG_CATALOG": str(apidata.CATALOG),
            "CROWNLOG_HTTP__HEAD_TIMEOUT": str(HEAD_TIMEOUT),
        }
        with serving_process(url, directory, "--no-scheduler", env=env) as (base, proc):
            yield base, int(base.rsplit(":", 1)[1]), proc.pid


def resident(pid: int) -> int:
    """The server's resident memory in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match, status
    return int(match.group(1)) * 1024


def connect(port: int, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return sock


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (or the socket times out)."""
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def send_all_until_closed(sock: socket.socket, head: bytes, filler: Iterator[bytes]) -> int:
    """Send ``head`` then ``filler`` chunks until the server stops reading; bytes sent."""
    sent = 0
    try:
        sock.sendall(head)
        for chunk in filler:
            sock.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass
    return sent


def status_of(response: bytes) -> int:
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", response)
    assert match, response[:200]
    return int(match.group(1))


def test_a_100_mb_header_is_refused_with_little_memory(server: tuple[str, int, int]) -> None:
    """A single header value of 100 MB: 431 after the first 16 KiB, memory barely moves."""
    _base, port, pid = server
    before = resident(pid)
    with connect(port, timeout=5) as sock:
        filler = (b"a" * MIB for _ in range(100))
        sent = send_all_until_closed(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ", filler)
        response = answer(sock)
    assert status_of(response) == 431 and b"request head over 16384 bytes" in response
    assert sent < 100 * MIB  # the server stopped reading long before the end
    assert resident(pid) - before < 20 * MIB


def test_ten_thousand_headers_are_refused_with_little_memory(
    server: tuple[str, int, int],
) -> None:
    """10,000 small headers: refused (by count, then by size) without growing the server."""
    _base, port, pid = server
    before = resident(pid)
    headers = b"".join(b"X-H%d: v\r\n" % n for n in range(10_000))
    with connect(port) as sock:
        send_all_until_closed(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers, iter(()))
        response = answer(sock)
    assert status_of(response) == 431
    assert resident(pid) - before < 20 * MIB


def test_more_headers_than_the_limit_are_refused_even_when_small(
    server: tuple[str, int, int],
) -> None:
    """101 tiny headers fit in the size limit but not the count."""
    _base, port, _pid = server
    headers = b"".join(b"h%d: v\r\n" % n for n in range(101))
    with connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n" + headers + b"\r\n")
        response = answer(sock)
    assert status_of(response) == 431 and b"more than 100 header fields" in response


def test_an_overlong_request_line_is_refused(server: tuple[str, int, int]) -> None:
    _base, port, _pid = server
    with connect(port) as sock:
        sock.sendall(b"GET /healthz?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        response = answer(sock)
    assert status_of(response) == 414


def test_a_slow_loris_head_is_cut_off(server: tuple[str, int, int]) -> None:
    """One byte of head every 0.3 s keeps the connection busy but never finishes: the server
    answers 408 and closes soon after the head timeout, while the client is still sending."""
    _base, port, _pid = server
    started = time.monotonic()
    with connect(port, timeout=HEAD_TIMEOUT + 8) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        sock.settimeout(0.3)
        response = b""
        while time.monotonic() - started < HEAD_TIMEOUT + 8:
            try:
                sock.sendall(b"X")
                response += sock.recv(65536)
            except TimeoutError:
                continue  # nothing to read yet: the trickle goes on
            except (BrokenPipeError, ConnectionResetError):
                break
            if response.endswith(b"seconds") or b"\r\n\r\n" in response:
                break
    elapsed = time.monotonic() - started
    assert status_of(response) == 408, response
    assert HEAD_TIMEOUT - 0.5 < elapsed < HEAD_TIMEOUT + 5


def test_an_idle_connection_is_closed(server: tuple[str, int, int]) -> None:
    """A connection that never sends a byte is closed by the head timeout."""
    _base, port, _pid = server
    started = time.monotonic()
    with connect(port, timeout=HEAD_TIMEOUT + 8) as sock:
        response = answer(sock)
    assert status_of(response) == 408
    assert time.monotonic() - started < HEAD_TIMEOUT + 5


def trickle_until_closed(sock: socket.socket, started: float, limit: float) -> bytes:
    """Send one byte every 0.3 s until the server closes (or ``limit`` s); what it sent."""
    sock.settimeout(0.3)
    received = b""
    while time.monotonic() - started < limit:
        try:
            sock.sendall(b"x")
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            break
        if not chunk:
            break  # closed by the server
        received += chunk
    return received


def test_an_idle_keep_alive_connection_is_closed(server: tuple[str, int, int]) -> None:
    """After a response, a kept-alive connection that sends nothing more is closed too."""
    _base, port, _pid = server
    with connect(port, timeout=HEAD_TIMEOUT + 8) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        started = time.monotonic()
        response = answer(sock)  # the 200, then whatever comes until the server closes
    assert status_of(response) == 200
    assert time.monotonic() - started < HEAD_TIMEOUT + 5


def test_a_slow_body_is_cut_off(server: tuple[str, int, int]) -> None:
    """A body announced as 60 KB and trickled a byte every 0.3 s cannot hold the connection:
    the app answers without it and the server closes the connection soon after the head
    timeout, while the client is still sending."""
    _base, port, _pid = server
    started = time.monotonic()
    with connect(port, timeout=HEAD_TIMEOUT + 8) as sock:
        sock.sendall(
            b"POST /api/v1/sources/x/poll HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n"
        )
        response = trickle_until_closed(sock, started, HEAD_TIMEOUT + 20)
    elapsed = time.monotonic() - started
    assert status_of(response) < 500, response
    assert elapsed < HEAD_TIMEOUT + 10, (elapsed, response)


def test_keep_alive_requests_still_work(server: tuple[str, int, int]) -> None:
    """The limits leave ordinary traffic alone: two requests on one connection."""
    base, _port, _pid = server
    with httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/standings").status_code == 200


def test_a_body_of_exactly_the_cap_passes_and_one_byte_more_is_refused(
    server: tuple[str, int, int],
) -> None:
    """The body cap is inclusive: 64 KiB reaches the app (which refuses the unauthenticated
    poll, 403); 64 KiB + 1 is 413 by its Content-Length (a chunked body is counted as the app
    reads it: tests/unit/test_body_limit.py)."""
    base, _port, _pid = server
    cap = 64 * 1024
    for size, status in ((cap, 403), (cap + 1, 413)):
        response = httpx.post(f"{base}/api/v1/sources/x/poll", content=b"x" * size, timeout=10)
        assert response.status_code == status, (size, response.text[:200])
        if status == 413:
            assert response.json()["error"]["code"] == "payload_too_large"


def test_a_head_and_its_body_in_one_read_are_not_taken_for_an_oversized_head(
    server: tuple[str, int, int],
) -> None:
    """A small head followed at once by a 40 KB body (one write, so one read can hold both):
    only the head counts towards ``max_head_bytes``; the request reaches the app."""
    _base, port, _pid = server
    body = b"x" * 40_000
    with connect(port) as sock:
        sock.sendall(
            b"POST /api/v1/sources/x/poll HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        response = answer(sock)
    assert status_of(response) == 403, response[:300]


def test_pipelined_requests_in_one_write_are_each_answered(server: tuple[str, int, int]) -> None:
    """Twenty GETs with 1 KB headers written at once (20 KB, more than one head may hold):
    each head is counted on its own, and every request is answered 200."""
    _base, port, _pid = server
    one = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 1000 + b"\r\n\r\n"
    last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with connect(port) as sock:
        sock.sendall(one * 20 + last)
        response = answer(sock)
    assert response.count(b"HTTP/1.1 200 OK") == 21, response[:300]


@pytest.mark.parametrize("path", ["/", "/api/v1/standings", "/static/style.css", "/nowhere"])
def test_every_response_carries_the_security_headers(
    server: tuple[str, int, int], path: str
) -> None:
    base, _port, _pid = server
    headers = httpx.get(f"{base}{path}", timeout=10).headers
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_docs_admit_only_their_own_inline_script(server: tuple[str, int, int]) -> None:
    base, _port, _pid = server
    policy = httpx.get(f"{base}/docs", timeout=10).headers["content-security-policy"]
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/]+=*'", policy), policy
    assert "'unsafe-eval'" not in policy and "frame-ancestors 'none'" in policy
