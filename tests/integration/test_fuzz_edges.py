"""No input makes a 500: hypothesis drives the dashboard routes, the cache and format headers
and the event stream's ``Last-Event-ID`` with what breaks parsers — dates at the ends of the
calendar, offsets that push them past it, non-ASCII digits, very long values — next to
arbitrary text. Every answer must be below 500 (the schemathesis test covers the JSON API's
own parameters against its schema)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from service.api.app import create_app
from service.bootstrap import build
from tests import apidata
from tests.server import serving

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette suggests httpx2; httpx is what we pin
    from fastapi.testclient import TestClient

GLM, KIMI = "glm-4.5", "kimi-k2"
ROUTES = [
    "/",
    "/models",
    f"/models/{GLM}",
    "/models/no-such-model",
    f"/compare?models={GLM},{KIMI}",
    "/changes",
    "/cities",
    "/sources",
    "/api/v1/changes.atom",
    "/api/v1/audit/head",
]
PARAMS = [
    "as_of", "known_at", "position", "leaderboard", "open_weights", "older", "lab", "city",
    "country", "license", "weights", "params_min", "params_max", "slugs", "sort", "order",
    "models", "from", "to", "axis", "limit", "after", "format",
]  # fmt: skip
EDGES = [
    "9999-12-01", "9999-12-31", "9999-12-31T23:59:59.999999Z", "9999-12-31T23:00:00-14:00",
    "0001-01-01", "0001-01-01T00:00:00+14:00", "0000-01-01", "2025-02-30", "2025-13-01",
    "10000-01-01", "²", "٣", "١٢٣", "٢٠٢٥-٠٧-٢٠", "𝟙𝟚", "Ⅻ", "½", "9" * 400, "1" * 20,
    "-1", "-9223372036854775809", "9223372036854775808", "1e309", "nan", "inf", "0x10",
    " 7 ", "7\n", "\x00", "%00", "a" * 4000, "😀" * 100, "", ",", ",,,", "glm-4.5," * 300,
]  # fmt: skip
VALUES = st.one_of(st.sampled_from(EDGES), st.text(max_size=30))
# Header values go out as UTF-8 bytes (so "²" arrives as the client sent it); a value HTTP
# cannot carry at all (controls, surrounding blanks) is left out.
HEADER_VALUES = st.one_of(
    st.sampled_from([v.strip() for v in EDGES if "\x00" not in v and "\n" not in v]),
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60),
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    with apidata.race_database("sqlite", directory) as url:
        services = build(apidata.settings(url, directory))
        yield create_app(services, sources=lambda: [], poll_now=lambda _id: None)
        services.close()


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def answer(
    client: TestClient, route: str, params: dict[str, str], headers: dict[str, bytes]
) -> int:
    response = client.get(route, params=params, headers=headers)
    assert response.status_code < 500, (route, params, headers, response.text[:300])
    return response.status_code


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    params=st.dictionaries(
        st.one_of(st.sampled_from(PARAMS), st.text(max_size=8)), VALUES, max_size=3
    ),
)
@example(route="/cities", params={"as_of": "9999-12-01"})
@example(route="/", params={"as_of": "9999-12-31T23:59:59.999999Z"})
@example(route="/cities", params={"known_at": "9999-12-31"})
@example(route="/", params={"as_of": "0001-01-01T00:00:00+14:00"})
@example(route="/changes", params={"from": "0001-01-01", "to": "9999-12-31"})
@example(route="/changes", params={"to": "0001-01-01"})  # a week before it left the calendar
@example(route="/changes", params={"as_of": "0001-01-05T12:00:00Z"})
@example(route="/", params={"position": "٣"})
@example(route=f"/models/{GLM}", params={"older": "²"})
@example(route="/models", params={"params_min": "1" * 400})
@example(route="/api/v1/changes.atom", params={"limit": "²"})
def test_no_dashboard_query_makes_a_5xx(
    client: TestClient, route: str, params: dict[str, str]
) -> None:  # fmt: skip
    """Any query on any page: a page or an error page, never a server error."""
    answer(client, route, params, {})


#: Times at the ends of the calendar, alone and paired: a page's default window (a week before
#: its time) or a chart's padding must stop at the calendar's edge, not overflow.
CALENDAR_ENDS = [
    "0001-01-01", "0001-01-05T12:00:00Z", "0001-01-01T00:00:00-14:00", "0001-02-01",
    "9999-11-30", "9999-12-31", "9999-12-31T23:59:59.999999+14:00",
]  # fmt: skip
TIME_PARAMS = ["as_of", "known_at", "from", "to"]


@pytest.mark.parametrize("route", ROUTES)
def test_no_time_at_the_ends_of_the_calendar_makes_a_5xx(client: TestClient, route: str) -> None:
    """Every time parameter of every page at each end of the calendar, and every pair of
    ends as a window (``from``/``to``, ``as_of``/``known_at``): an answer below 500 each time,
    found deterministically rather than by luck."""
    for name in TIME_PARAMS:
        for value in CALENDAR_ENDS:
            answer(client, route, {name: value}, {})
    ends = CALENDAR_ENDS[:2] + CALENDAR_ENDS[-2:]
    for first, second in (("from", "to"), ("as_of", "known_at")):
        for one in ends:
            for other in ends:
                answer(client, route, {first: one, second: other}, {})


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from([*ROUTES, "/api/v1/standings", "/api/v1/models", "/api/v1/events"]),
    name=st.sampled_from(
        [
            "If-None-Match",
            "Accept",
            "X-Request-ID",
            "Accept-Encoding",
            "If-Modified-Since",
            "Cache-Control",
        ]
    ),
    value=HEADER_VALUES,
)
@example(route="/api/v1/standings", name="If-None-Match", value='W/"' + "9" * 400 + '"')
@example(route="/api/v1/models", name="Accept", value="text/csv;q=" + "9" * 400)
def test_no_request_header_makes_a_5xx(
    client: TestClient, route: str, name: str, value: str
) -> None:  # fmt: skip
    """Cache validators, content negotiation and request ids of any shape."""
    answer(client, route, {}, {name: value.encode()})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server: an event stream that starts is closed by the client at once."""
    directory = tmp_path_factory.mktemp("fuzz-stream")
    with apidata.race_database("sqlite", directory) as url:
        env = {"CROWNLOG_CATALOG": str(apidata.CATALOG)}
        with serving(url, directory, "--no-scheduler", env=env) as base:
            yield base


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    last_event_id=HEADER_VALUES,
    charset=st.sampled_from(["utf-8", "latin-1"]),
    after=st.one_of(st.none(), VALUES),
)
@example(last_event_id="²", charset="latin-1", after=None)  # read back as "²", which isdigit()
@example(last_event_id="²", charset="utf-8", after=None)
@example(last_event_id="٣", charset="utf-8", after=None)
@example(last_event_id="9" * 39, charset="utf-8", after=None)
@example(last_event_id="0", charset="utf-8", after="²")
def test_no_event_stream_header_makes_a_5xx(
    served: str, last_event_id: str, charset: str, after: str | None
) -> None:  # fmt: skip
    """``Last-Event-ID`` (and ``after``) of any shape and byte encoding: a stream or a 4xx."""
    params = {"after": after} if after is not None else {}
    encoded = last_event_id.encode(charset, errors="replace")
    headers = {"Last-Event-ID": encoded}
    with httpx.stream("GET", f"{served}/api/v1/events/stream", params=params,
                      headers=headers, timeout=10) as response:  # fmt: skip
        status = response.status_code
    assert status < 500, (last_event_id, after, status)
