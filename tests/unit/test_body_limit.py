"""``BodyLimit``: a request body is capped inclusively, by its Content-Length before the app
runs and, for a chunked body, while the app reads it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from service.api.edge import BodyLimit

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette suggests httpx2; httpx is what we pin
    from fastapi.testclient import TestClient

CAP = 1000


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"read": len(await request.body())})


def client() -> TestClient:
    return TestClient(BodyLimit(Starlette(routes=[Route("/", echo, methods=["POST"])]), CAP))


def chunked(total: int) -> Iterator[bytes]:
    """``total`` bytes in 300-byte chunks, with no Content-Length."""
    while total > 0:
        size = min(total, 300)
        total -= size
        yield b"x" * size


@pytest.mark.parametrize("shape", ["declared", "chunked"])
def test_a_body_of_exactly_the_cap_is_read_and_one_byte_more_refused(shape: str) -> None:
    with client() as http:
        for size, status in ((CAP, 200), (CAP + 1, 413)):
            content = chunked(size) if shape == "chunked" else b"x" * size
            response = http.post("/", content=content)
            assert response.status_code == status, (shape, size, response.text)
            if status == 200:
                assert response.json() == {"read": CAP}
            else:
                assert response.json()["error"]["code"] == "payload_too_large"


def test_a_declared_length_over_the_cap_never_reaches_the_app() -> None:
    """Refused by its Content-Length alone, with the request's body unread."""
    reached: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(True)

    response = TestClient(BodyLimit(app, CAP)).post("/", content=b"x" * (CAP + 1))
    assert response.status_code == 413 and reached == []
