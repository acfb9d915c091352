"""The read API in process (the real app, real SQLite and PostgreSQL, filled by real polls).

Given the race of ``tests.apidata`` (news feed + four leaderboard snapshots, polled and
extracted), the JSON endpoints answer docs/design.md §6 shapes at any point on either time axis,
with ETags, cache headers, gzip and one error body for every bad parameter.
"""

from __future__ import annotations

import gzip
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from service.api import models, opsmodels
from service.api.app import create_app
from service.bootstrap import Services, build
from service.cli.serve import api_wiring
from service.settings import ApiSettings
from tests import apidata
from tests.builders import item

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette suggests httpx2; httpx is what we pin
    from fastapi.testclient import TestClient

GLM, QWEN, KIMI, R1 = "glm-4.5", "qwen3-235b-a22b-instruct-2507", "kimi-k2", "deepseek-r1-0528"


@dataclass
class Race:
    services: Services
    client: TestClient
    directory: Path

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, (path, params, response.text)
        return response.json()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Race]:
    directory = tmp_path_factory.mktemp(f"race-{request.param}")
    with apidata.race_database(request.param, directory) as url:
        services = build(apidata.settings(url, directory))
        wiring = api_wiring(services)
        sources, poll_now, close = wiring.sources, wiring.poll_now, wiring.close
        client = TestClient(create_app(services, sources, poll_now))
        yield Race(services, client, directory)
        close()
        services.close()


def app_with(race: Race, **api: Any) -> FastAPI:
    """The app over the race's database with other ``[api]`` settings."""
    settings = race.services.settings.model_copy(update={"api": ApiSettings(**api)})
    return create_app(build(settings))


# -- standings and crown ------------------------------------------------------------------


def test_standings_rank_the_board_now(race: Race) -> None:
    """Current standings: every model of the last snapshot, ranked board-wide by score."""
    body = race.get("/api/v1/standings")
    models.Standings.model_validate(body)
    assert body["leaderboard"] == apidata.BOARD and body["position"] == race.services.reads.head()
    assert [row["model"] for row in body["rows"]][:3] == [GLM, "gemini-2.5-pro", QWEN]
    assert (
        body["rows"][0] | {"lab": "zhipu", "city": "Beijing", "open_weights": True}
        == body["rows"][0]
    )
    assert body["as_of"] is None and body["known_at"] is None


def test_standings_filters(race: Race) -> None:
    """open_weights, lab and city select rows without renumbering them."""
    open_rows = race.get("/api/v1/standings", open_weights="true")["rows"]
    assert "gemini-2.5-pro" not in [row["model"] for row in open_rows]
    assert [row["rank"] for row in open_rows][:2] == [1, 3]
    closed = race.get("/api/v1/standings", open_weights="false")["rows"]
    assert [row["model"] for row in closed] == ["gemini-2.5-pro"]
    hangzhou = race.get("/api/v1/standings", city="hangzhou")["rows"]
    assert {row["model"] for row in hangzhou} == {QWEN}  # R1 is off the Aug-15 board
    assert [row["model"] for row in race.get("/api/v1/standings", lab="moonshot")["rows"]] == [KIMI]
    assert race.get("/api/v1/standings", leaderboard="no-such-board")["rows"] == []


def test_standings_and_crown_as_of_a_past_date(race: Race) -> None:
    """as_of replays the world at a date: on Jul 20 Kimi K2 held the crown, Gemini led."""
    standings = race.get("/api/v1/standings", as_of="2025-07-20")
    assert standings["as_of"] == "2025-07-20T00:00:00.000000+00:00"
    assert [row["model"] for row in standings["rows"]][:2] == ["gemini-2.5-pro", KIMI]
    crown = race.get("/api/v1/crown", as_of="2025-07-20T12:00:00Z")
    models.Crown.model_validate(crown)
    assert crown["holder"]["model"] == KIMI and crown["holder"]["to"] is None
    assert [reign["model"] for reign in crown["reigns"]] == [R1, KIMI]
    assert race.get("/api/v1/crown", as_of="2025-06-01")["holder"] is None


def test_crown_reigns_and_co_holders(race: Race) -> None:
    """Four reigns oldest first; GLM-4.5 reigns now, tied with Qwen3 within the CI."""
    crown = race.get("/api/v1/crown")
    assert [reign["model"] for reign in crown["reigns"]] == [R1, KIMI, QWEN, GLM]
    assert [reign["from"][:10] for reign in crown["reigns"]] == [
        "2025-06-17",
        "2025-07-18",
        "2025-08-02",
        "2025-08-15",
    ]
    assert crown["reigns"][0]["to"] == crown["reigns"][1]["from"]
    assert crown["reigns"][0]["days"] == 31.0
    assert crown["holder"] == crown["reigns"][-1]
    assert crown["holder"]["co_holders"] == [QWEN]


def test_known_at_and_position_cut_the_log(race: Race) -> None:
    """position N shows what was known after event N; known_at before any event shows nothing."""
    events = race.get("/api/v1/events", limit=500)["items"]
    first_score = next(e["position"] for e in events if e["type"] == "ScoreReported")
    before = race.get("/api/v1/standings", position=first_score - 1)
    assert before["rows"] == [] and before["position"] == first_score - 1
    after = race.get("/api/v1/standings", position=first_score)
    assert len(after["rows"]) == 1 and after["known_at"] == events[first_score - 1]["recorded_at"]
    assert race.get("/api/v1/crown", known_at="2001-01-01")["reigns"] == []
    assert (
        race.get("/api/v1/standings", known_at="2999-01-01")["rows"]
        == race.get("/api/v1/standings")["rows"]
    )


# -- models, labs, cities -----------------------------------------------------------------


def test_model_facts_now_and_before_release(race: Race) -> None:
    """A model's facts come from the polled news; as_of before the release leaves them unknown."""
    glm = race.get(f"/api/v1/models/{GLM}")
    models.ModelDetail.model_validate(glm)
    assert [board["leaderboard"] for board in glm["boards"]] == [apidata.BOARD]
    assert glm["boards"][0]["spells"][0]["to"] is None  # listed since its first snapshot
    assert glm["params_total"] == 355_000_000_000 and glm["params_active"] == 32_000_000_000
    assert glm["released_at"].startswith("2025-07-28") and glm["license"] == "MIT"
    assert (glm["lab"], glm["city"], glm["country"]) == ("zhipu", "Beijing", "CN")
    early = race.get(f"/api/v1/models/{GLM}", as_of="2025-07-01")
    assert early["released_at"] is None and early["params_total"] is None
    missing = race.client.get("/api/v1/models/no-such-model")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_models_page_with_a_cursor(race: Race) -> None:
    """Following `next` visits every model once, in slug order, and ends with null."""
    everything = race.get("/api/v1/models", limit=500)["items"]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 7} | ({"after": cursor} if cursor else {})
        body = race.get("/api/v1/models", **params)
        models.ModelPage.model_validate(body)
        seen += [model["slug"] for model in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
        assert cursor == seen[-1]
    assert seen == sorted(seen) == [model["slug"] for model in everything]
    assert len(seen) == len(set(seen)) > 7


def test_models_filters(race: Race) -> None:
    """lab, city and open_weights narrow the model list."""
    zhipu = {m["slug"] for m in race.get("/api/v1/models", lab="zhipu", limit=500)["items"]}
    assert GLM in zhipu and all(m.startswith("glm") for m in zhipu)
    shanghai = race.get("/api/v1/models", city="Shanghai", limit=500)["items"]
    assert {"step-3", "minimax-m1"} <= {m["slug"] for m in shanghai}
    assert all(m["city"] == "Shanghai" for m in shanghai)
    closed = race.get("/api/v1/models", open_weights="false", limit=500)["items"]
    assert "gemini-2.5-pro" in {m["slug"] for m in closed}
    assert all(m["open_weights"] is False for m in closed)


def test_labs_and_cities(race: Race) -> None:
    """Places carry crown-days and releases; the four Chinese cities are there."""
    cities = race.get("/api/v1/cities")
    models.PlacePage.model_validate(cities)
    by_slug = {city["slug"]: city for city in cities["items"]}
    assert {"beijing", "shanghai", "hangzhou", "shenzhen"} <= set(by_slug)
    assert by_slug["hangzhou"]["crown_days"] == 44.0  # R1 31 days + Qwen3 13 days
    assert by_slug["beijing"]["best_rank"] == 1 and by_slug["shenzhen"]["models_released"] == 1
    labs = race.get("/api/v1/labs", city="Beijing")["items"]
    assert {"moonshot", "zhipu"} <= {lab["slug"] for lab in labs}
    assert all(lab["city"] == "Beijing" for lab in labs)
    first = race.get("/api/v1/labs", limit=2)
    assert len(first["items"]) == 2 and first["next"] == first["items"][1]["slug"]
    assert (
        race.get("/api/v1/labs", after=first["next"], limit=1)["items"][0]["slug"] > first["next"]
    )


# -- the log, provenance, audit, sources -----------------------------------------------


def test_events_pages_and_limit(race: Race) -> None:
    """/api/v1/events pages by position, at most 500 a page."""
    body = race.get("/api/v1/events", limit=3, after=5)
    models.EventPage.model_validate(body)
    assert [e["position"] for e in body["items"]] == [6, 7, 8] and body["next"] == "8"
    assert race.client.get("/api/v1/events", params={"limit": 501}).status_code == 422
    head = race.services.store.head()[0]
    last = race.get("/api/v1/events", after=head - 2, limit=2)
    assert [e["position"] for e in last["items"]] == [head - 1, head] and last["next"] is None


def test_model_events_cite_their_source_items(race: Race) -> None:
    """A model's events come with the feed item each was read from (title and link)."""
    body = race.get(f"/api/v1/models/{GLM}/events", limit=500)
    models.ModelEventPage.model_validate(body)
    events = body["items"]
    assert all(event["stream"] == f"model:{GLM}" for event in events)
    released = next(event for event in events if event["type"] == "ModelReleased")
    assert released["item"]["title"] == "Zhipu's GLM-4.5 arrives with open weights"
    assert released["item"]["url"] == f"{apidata.NEWS_URL}/glm-4.5"
    observed = race.get("/api/v1/events", after=released["item"]["position"] - 1, limit=1)
    assert observed["items"][0]["type"] == "ItemObserved"
    score = next(event for event in events if event["type"] == "ScoreReported")
    assert score["item"]["title"].startswith(f"{apidata.BOARD} leaderboard as of")
    page = race.get(f"/api/v1/models/{GLM}/events", limit=2)
    rest = race.get(f"/api/v1/models/{GLM}/events", limit=500, after=page["next"])
    assert [e["position"] for e in page["items"] + rest["items"]] == [e["position"] for e in events]
    assert race.client.get("/api/v1/models/no-such-model/events").status_code == 404


def test_audit_reports_an_intact_log(race: Race) -> None:
    """The audit walks the whole chain and says it is intact."""
    body = race.get("/api/v1/audit")
    opsmodels.Audit.model_validate(body)
    head = race.services.store.head()[0]
    assert body == {"ok": True, "events": head, "first_bad_position": None, "problems": []}


def test_sources_list_their_poll_state(race: Race) -> None:
    """/api/v1/sources lists every configured source by id, with its last poll."""
    body = race.get("/api/v1/sources")
    opsmodels.SourcePage.model_validate(body)
    ids = [row["id"] for row in body["items"]]
    assert ids == sorted(ids) and "race-news" in ids and len(ids) == 6
    news = next(row for row in body["items"] if row["id"] == "race-news")
    assert news["last_status"] == "ok" and news["items_seen"] == len(apidata.NEWS)
    page = race.get("/api/v1/sources", limit=2)
    assert page["next"] == ids[1]
    assert [r["id"] for r in race.get("/api/v1/sources", after=ids[1])["items"]] == ids[2:]


# -- HTTP manners ---------------------------------------------------------------------------


def test_etag_and_304_follow_the_log_position(race: Race) -> None:
    """Same position and query → 304; an append moves the ETag; pinned reads are immutable."""
    first = race.client.get("/api/v1/standings", params={"open_weights": "true"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=5"
    again = race.client.get(
        "/api/v1/standings", params={"open_weights": "true"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.headers["etag"] == etag and not again.content
    bare = race.client.get(
        "/api/v1/standings",
        params={"open_weights": "true"},
        headers={"If-None-Match": f'"x", {etag.removeprefix("W/")}'},
    )
    assert bare.status_code == 304  # weak comparison: with or without W/, in a list
    other = race.client.get("/api/v1/standings", params={"open_weights": "false"})
    assert other.headers["etag"] != etag
    pinned = race.client.get("/api/v1/standings", params={"position": 5})
    assert "immutable" in pinned.headers["cache-control"]
    race.services.store.append([item(1, source="etag-test")])
    moved = race.client.get(
        "/api/v1/standings", params={"open_weights": "true"}, headers={"If-None-Match": etag}
    )
    assert moved.status_code == 200 and moved.headers["etag"] != etag
    assert moved.json()["position"] == first.json()["position"] + 1
    still = race.client.get(
        "/api/v1/standings",
        params={"position": 5},
        headers={"If-None-Match": pinned.headers["etag"]},
    )
    assert still.status_code == 304


def test_gzip_when_asked(race: Race) -> None:
    """Large bodies are gzip-compressed for clients that accept it."""
    response = race.client.get(
        "/api/v1/events", params={"limit": 100}, headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers["content-encoding"] == "gzip"
    raw = race.client.get(
        "/api/v1/events", params={"limit": 100}, headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content)


def test_cors_is_off_unless_configured(race: Race) -> None:
    """No CORS headers by default; the configured origins only when set."""
    origin = {"Origin": "https://example.org"}
    plain = race.client.get("/api/v1/crown", headers=origin)
    assert "access-control-allow-origin" not in plain.headers
    with TestClient(app_with(race, cors_origins=["https://example.org"])) as client:
        allowed = client.get("/api/v1/crown", headers=origin)
        assert allowed.headers["access-control-allow-origin"] == "https://example.org"
        other = client.get("/api/v1/crown", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


BAD_PARAMETERS = [
    ("/api/v1/standings", {"as_of": "yesterday"}, "as_of"),
    ("/api/v1/standings", {"known_at": "2025-13-45"}, "known_at"),
    ("/api/v1/standings", {"known_at": "2025-07-01", "position": 3}, "not both"),
    ("/api/v1/crown", {"position": -1}, "position"),
    ("/api/v1/crown", {"position": 2**70}, "position"),
    ("/api/v1/crown", {"as_of": "0001-01-01T00:00:00+05:00"}, "as_of"),
    ("/api/v1/models", {"limit": 0}, "limit"),
    ("/api/v1/models", {"limit": 501}, "limit"),
    ("/api/v1/models", {"open_weights": "maybe"}, "open_weights"),
    ("/api/v1/labs", {"as_of": "\x00"}, "as_of"),
    ("/api/v1/events", {"after": "x"}, "after"),
    ("/api/v1/events", {"after": 2**63}, "after"),
    ("/api/v1/changes.atom", {"limit": 1000}, "limit"),
    ("/api/v1/standings", {"lab": ""}, "lab"),
]


@pytest.mark.parametrize(("path", "params", "mentions"), BAD_PARAMETERS)
def test_bad_parameters_are_422_with_a_message(
    race: Race, path: str, params: dict[str, Any], mentions: str
) -> None:
    """Every bad parameter is a 422 whose message names it (times: with the format)."""
    response = race.client.get(path, params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_request" and mentions in error["message"]
    if "as_of" in params or ("known_at" in params and "position" not in params):
        assert "ISO 8601" in error["message"] and "2025-07-11" in error["message"]


def test_unexpected_errors_get_the_error_body(race: Race) -> None:
    """An unexpected exception is a 500 with the error body and no details leaked."""
    app = create_app(race.services)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal"
    assert "secret" not in response.text


def test_metrics_by_route_template(race: Race) -> None:
    """/metrics: request counts per route template, log position, lag and poll metrics."""
    race.client.get(f"/api/v1/models/{GLM}")
    race.client.get("/api/v1/models/kimi-k2")
    race.client.get("/no/such/path")
    text = race.client.get("/metrics").text
    assert 'route="/api/v1/models/{slug}"' in text and "/api/v1/models/kimi-k2" not in text
    assert 'route="unmatched"' in text and "/no/such/path" not in text
    assert "crownlog_http_request_duration_seconds_bucket" in text
    head = race.services.store.head()[0]
    assert f"crownlog_log_position {float(head)}" in text
    assert "crownlog_projection_lag_events 0.0" in text
    assert 'crownlog_polls_total{source="race-news",status="ok"}' in text


# -- admin ----------------------------------------------------------------------------------


def test_admin_poll_is_off_without_a_token(race: Race) -> None:
    """Without [api] admin_token the write endpoint is refused, saying how to enable it."""
    response = race.client.post("/api/v1/sources/race-news/poll")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "admin_disabled"
    assert "admin_token" in response.json()["error"]["message"]


def test_admin_poll_needs_the_bearer_token(race: Race) -> None:
    """401 without or with a malformed token, 403 wrong token, 404 unknown source, else a poll."""
    services = build(
        race.services.settings.model_copy(
            update={"api": ApiSettings(admin_token=SecretStr("s3cret"))}
        )
    )
    wiring = api_wiring(services)
    sources, poll_now, close = wiring.sources, wiring.poll_now, wiring.close
    try:
        with TestClient(create_app(services, sources, poll_now)) as client:
            url = "/api/v1/sources/race-news/poll"
            assert client.post(url).status_code == 401
            for header in ("s3cret", "Basic s3cret", "Bearer ", "Bearer"):
                response = client.post(url, headers={"Authorization": header})
                assert response.status_code == 401, header
                assert response.headers["www-authenticate"].startswith("Bearer")
            wrong = client.post(url, headers={"Authorization": "Bearer s3cre"})
            assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"
            good = {"Authorization": "Bearer s3cret"}
            missing = client.post("/api/v1/sources/nope/poll", headers=good)
            assert missing.status_code == 404
            done = client.post(url, headers=good)
            assert done.status_code == 200, done.text
            outcome = opsmodels.PollOutcome.model_validate(done.json())
            assert outcome.source_id == "race-news" and outcome.status in ("ok", "not_modified")
            assert outcome.appended == 0  # nothing new in the feed
            assert client.get(url).status_code == 405
    finally:
        close()
        services.close()


# -- failure modes, dashboard pages, pure parts --------------------------------------------


def test_a_database_that_cannot_answer_is_a_503(tmp_path: Path) -> None:
    """A database without the schema (or down) is a 503 with the error body, not a 500."""
    services = build(apidata.settings(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path))
    try:
        with TestClient(create_app(services)) as client:
            for path in ("/api/v1/standings", f"/api/v1/models/{GLM}/events", "/"):
                response = client.get(path)
                assert response.status_code == 503, (path, response.text)
            assert client.get("/api/v1/crown").json()["error"]["code"] == "unavailable"
    finally:
        services.close()


def test_dashboard_pages_answer_in_html(race: Race) -> None:
    """/, /models/{slug} and /cities render; bad dates and unknown models get HTML errors."""
    home = race.client.get("/", params={"as_of": "2025-07-20"})
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert 'data-testid="crown-holder" data-model="kimi-k2"' in home.text
    assert "<svg" in home.text and "<script>" not in home.text  # scripts are static files only
    assert " onclick=" not in home.text
    model = race.client.get(f"/models/{GLM}")
    assert "Zhipu&#39;s GLM-4.5 arrives with open weights" in model.text
    assert race.client.get("/cities").status_code == 200
    bad = race.client.get("/", params={"as_of": "soon"})
    assert bad.status_code == 422 and "ISO 8601" in bad.text
    assert race.client.get("/models/no-such-model").status_code == 404
    assert race.client.get("/", params={"as_of": ""}).status_code == 200  # the empty picker
    etag = home.headers["etag"]
    again = race.client.get("/", params={"as_of": "2025-07-20"}, headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_atom_document_escapes_everything() -> None:
    """Markup and characters XML forbids in third-party text never break the feed."""
    import xml.etree.ElementTree as ET

    from service.api import atom

    feed = atom.Feed(
        "tag:x,2025:f", "a <b> & c", "s", "2025-01-01T00:00:00+00:00", "http://h/", "http://h/"
    )
    entry = atom.Entry(
        "tag:x,2025:e",
        'GLM "4.5" <script>\x00\x0b',
        "2025-01-01T00:00:00+00:00",
        "http://h/m",
        "s&",
    )
    root = ET.fromstring(atom.document(feed, [entry]))
    ns = "{http://www.w3.org/2005/Atom}"
    assert root.findtext(f"{ns}title") == "a <b> & c"
    assert root.find(f"{ns}entry").findtext(f"{ns}title") == 'GLM "4.5" <script>'  # type: ignore[union-attr]


def test_crown_days_split_at_month_ends() -> None:
    """A reign spanning months counts its days in each month, up to now."""
    from service.api.citystats import crown_days_by_month, releases_by_month
    from service.clock import parse_time

    reigns: list[dict[str, Any]] = [
        {"from": "2025-07-18T00:00:00+00:00", "to": "2025-08-02T00:00:00+00:00", "city": "Beijing"},
        {"from": "2025-08-02T00:00:00+00:00", "to": None, "city": "hangzhou"},
    ]
    days = crown_days_by_month(reigns, parse_time("2025-08-10"))
    assert days == {"2025-07": {"Beijing": 14.0}, "2025-08": {"Beijing": 1.0, "Hangzhou": 8.0}}
    models_: list[dict[str, Any]] = [
        {"released_at": "2025-07-28T00:00:00+00:00", "city": "Beijing"},
        {"released_at": "2025-07-11T00:00:00+00:00", "city": "Paris"},
        {"released_at": "2025-09-01T00:00:00+00:00", "city": "Beijing"},
        {"released_at": None, "city": "Beijing"},
    ]
    assert releases_by_month(models_, parse_time("2025-08-10")) == {
        "2025-07": {"Beijing": 1.0, "Other": 1.0}
    }


def test_the_api_package_does_not_import_jobs() -> None:
    """docs/design.md §1: service.api depends on the service core only; jobs come as callables."""
    import subprocess
    import sys

    code = (
        "import sys, service.api.app, service.api.dashboard;"
        "bad = sorted(m for m in sys.modules if m == 'jobs' or m.startswith('jobs.'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_docs_work_offline(race: Race) -> None:
    """/docs loads Swagger UI from crownlog itself (no CDN), and /openapi.json describes the API."""
    page = race.client.get("/docs")
    assert page.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in page.text and "cdn." not in page.text
    assert race.client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert "/api/v1/standings" in race.client.get("/openapi.json").json()["paths"]
