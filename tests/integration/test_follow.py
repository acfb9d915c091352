"""Following the race on SQLite and PostgreSQL: a model's history, what changed between two
times (API and ``crownlog diff``), the model page's events newest first, and pinned pages that
stay byte-identical after a backfill changes the as-of view."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from jobs.backfill import backfill
from jobs.runtime import build_ingestion
from jobs.schedule.sourcefile import SourceConfig
from service.api.app import create_app
from service.bootstrap import build
from service.clock import parse_time
from tests import apidata
from tests.builders import mention
from tests.cli import run
from tests.raceapp import Race, TestClient, poll_snapshot, race_app

KIMI, GLM, QWEN, STEP = "kimi-k2", "glm-4.5", "qwen3-235b-a22b-instruct-2507", "step-3"
WINDOW = {"from": "2025-07-20", "to": "2025-08-16"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Race]:
    directory = tmp_path_factory.mktemp(f"follow-{request.param}")
    with race_app(request.param, directory) as race:
        # A model a side board first lists as proprietary, later under an open licence.
        closed = [{"model": "Late Opener", "score": 1000, "license": "Proprietary"}]
        opened = [{"model": "Late Opener", "score": 1010, "license": "Apache 2.0"}]
        poll_snapshot(race, "side-0701", "2025-07-01T00:00:00Z", closed, board="side")
        poll_snapshot(race, "side-0801", "2025-08-01T00:00:00Z", opened, board="side")
        yield race


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Race]:
    """A race database of its own, for tests that append to it."""
    with race_app(request.param, tmp_path) as race:
        yield race


# -- history --------------------------------------------------------------------------------


def test_history_has_a_point_per_snapshot(race: Race) -> None:
    """Kimi K2: three snapshots, its score, rank within each, interval where published."""
    body = race.get(f"/api/v1/models/{KIMI}/history")
    assert (body["model"], body["leaderboard"]) == (KIMI, apidata.BOARD)
    points = body["points"]
    assert [p["as_of"][:10] for p in points] == ["2025-07-18", "2025-08-02", "2025-08-15"]
    assert [(p["score"], p["rank"], p["status"]) for p in points] == [
        (1425.0, 2, "listed"),
        (1426.0, 3, "listed"),
        (1426.0, 4, "listed"),
    ]
    assert (points[-1]["ci_low"], points[-1]["ci_high"]) == (1421.0, 1431.0)
    assert points[0]["ci_low"] is None and {p["weights"] for p in points} == {"open"}
    standings = race.get("/api/v1/standings", as_of="2025-08-02")["rows"]
    assert points[1]["rank"] == next(r["rank"] for r in standings if r["model"] == KIMI)


def test_history_follows_the_time_axes(race: Race) -> None:
    """as_of keeps the snapshots up to then; a position cut, what the log held then."""
    early = race.get(f"/api/v1/models/{KIMI}/history", as_of="2025-07-25")["points"]
    assert [p["as_of"][:10] for p in early] == ["2025-07-18"]
    last = race.get(f"/api/v1/models/{KIMI}/history")["points"][-1]["position"]
    cut = race.get(f"/api/v1/models/{KIMI}/history", position=last - 1)
    assert len(cut["points"]) == 2 and cut["position"] == last - 1
    missing = race.client.get(f"/api/v1/models/{KIMI}/history", params={"known_at": "2001-01-01"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert race.client.get("/api/v1/models/nobody/history").status_code == 404


def test_history_shows_when_the_weights_opened(race: Race) -> None:
    """The weights status of each point is the model's as of that snapshot."""
    body = race.get("/api/v1/models/late-opener/history", leaderboard="side")
    assert [(p["as_of"][:10], p["weights"]) for p in body["points"]] == [
        ("2025-07-01", "closed"),
        ("2025-08-01", "claimed"),  # an open licence claimed; no weights repository known
    ]
    rows = list(csv.DictReader(io.StringIO(race.client.get(
        "/api/v1/models/late-opener/history", params={"leaderboard": "side", "format": "csv"}
    ).text)))  # fmt: skip
    assert [(r["score"], r["weights"], r["leaderboard"]) for r in rows] == [
        ("1000.0", "closed", "side"),
        ("1010.0", "claimed", "side"),
    ]


# -- what changed ---------------------------------------------------------------------------


def test_changes_between_two_dates(race: Race) -> None:
    """Jul 20 → Aug 16: the crown passes from Kimi K2 to GLM-4.5 (via Qwen3), three models
    enter the board, two leave it (the Aug-15 snapshot no longer lists R1-0528 and
    MiniMax-M1), three models are released."""
    body = race.get("/api/v1/changes", **WINDOW)
    board = next(b for b in body["boards"] if b["leaderboard"] == apidata.BOARD)
    assert [r["model"] for r in board["entered"]] == [GLM, QWEN, STEP]
    assert [(r["model"], r["rank"]) for r in board["left"]] == [
        ("deepseek-r1-0528", 3),
        ("minimax-m1", 4),
    ]
    assert board["moved"] == []
    assert [r["model"] for r in body["releases"]] == [QWEN, GLM, STEP]
    crown = body["crown"]
    assert (crown["before"], crown["after"]) == (KIMI, GLM)
    assert [r["model"] for r in crown["reigns"]] == [QWEN, GLM]
    weights = {w["model"]: (w["before"], w["after"]) for w in body["weights"]}
    assert weights["late-opener"] == ("closed", "claimed")
    assert weights[GLM] == ("unknown", "open") and KIMI not in weights
    quieter = race.get("/api/v1/changes", **WINDOW, threshold=4)
    assert next(b for b in quieter["boards"] if b["leaderboard"] == apidata.BOARD)["moved"] == []
    one = race.get("/api/v1/changes", **WINDOW, leaderboard="side")
    assert [b["leaderboard"] for b in one["boards"]] == ["side"]


def test_changes_on_the_known_at_axis(race: Race) -> None:
    """known_at: from before the first event to now, everything crownlog learned."""
    body = race.get("/api/v1/changes", **{"from": "2001-01-01", "axis": "known_at"})
    assert body["from_position"] == 0 and body["to_position"] == race.services.reads.head()
    assert {r["model"] for r in body["releases"]} >= {KIMI, GLM, QWEN, STEP}
    assert [r["model"] for r in body["crown"]["reigns"]] == ["deepseek-r1-0528", KIMI, QWEN, GLM]
    assert (
        race.get("/api/v1/changes", **{"from": "2999-01-01", "axis": "known_at"})["crown"]["reigns"]
        == []
    )


def test_diff_command_matches_the_api(race: Race) -> None:
    """``crownlog diff T1 T2`` (--json, --csv, --known-at) says what the API says."""
    env = {"CROWNLOG_CATALOG": str(apidata.CATALOG)}

    def cli(*args: str) -> str:
        done = run("diff", *args, url=race.url, cwd=race.directory, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert orjson.loads(cli("2025-07-20", "2025-08-16", "--json")) == race.get(
        "/api/v1/changes", **WINDOW
    )
    rows = list(csv.DictReader(io.StringIO(cli("2025-07-20", "2025-08-16", "--csv"))))
    assert ("crown", GLM) in {(r["kind"], r["model"]) for r in rows}
    # DeepSeek R1 and MiniMax M1 are no longer listed on 2025-08-15: they left (delisting).
    assert {r["kind"] for r in rows} == {"entered", "left", "release", "weights", "crown"}
    left = {r["model"] for r in rows if r["kind"] == "left"}
    assert left == {"deepseek-r1-0528", "minimax-m1"}
    known = orjson.loads(cli("2001-01-01", "--known-at", "--json"))
    assert known == race.get("/api/v1/changes", **{"from": "2001-01-01", "axis": "known_at"})
    assert "GLM" in cli("2025-07-20", "2025-08-16") or "glm-4.5" in cli("2025-07-20", "2025-08-16")
    bad = run("diff", "2025-08-16", "2025-07-20", url=race.url, cwd=race.directory, env=env)
    assert bad.returncode != 0 and "before" in bad.stderr


def test_bad_change_parameters_are_422(race: Race) -> None:
    for params in ({}, {"from": "soon"}, {**WINDOW, "threshold": "0"}, {**WINDOW, "axis": "x"},
                   {"from": "2025-08-16", "to": "2025-07-20"}):  # fmt: skip
        response = race.client.get("/api/v1/changes", params=params)
        assert response.status_code == 422, params
        assert set(response.json()["error"]) == {"code", "message"}


# -- the model page's events, and pinned pages ------------------------------------------------


def test_model_page_lists_events_newest_first_in_pages(fresh: Race) -> None:
    """With 250 more events, the first page holds the newest 100 and the older pages reach
    the oldest: nothing is lost to a page limit."""
    stream = [mention("minimax-m1", n, key=f"mention|{n}") for n in range(250)]
    fresh.services.store.append(stream)
    positions = _pages(fresh, "/models/minimax-m1")
    api = fresh.get("/api/v1/models/minimax-m1/events", order="desc", limit=500)["items"]
    assert positions == [event["position"] for event in api]
    assert positions == sorted(positions, reverse=True) and len(positions) > 250
    first = fresh.text("/models/minimax-m1")
    assert first.count('data-testid="history-row"') == 100


def _pages(race: Race, path: str) -> list[int]:
    import re

    positions: list[int] = []
    older: str | None = None
    while True:
        html = race.text(path, **({"older": older} if older else {}))
        positions += [
            int(p) for p in re.findall(r'data-testid="history-row" data-position="(\d+)"', html)
        ]
        found = re.search(r'href="[^"]*older=(\d+)[^"]*" data-testid="events-older"', html)
        if found is None:
            return positions
        older = found.group(1)


PINNED_PAGES = (
    "/",
    f"/models/{KIMI}",
    "/models",
    f"/compare?models={KIMI},{GLM}",
    "/changes?from=2025-07-01&to=2025-07-31",
    "/cities",
)


def test_pinned_pages_are_byte_identical_after_a_backfill(fresh: Race) -> None:
    """A page pinned by position reads the same after a backfilled snapshot changes the
    as-of view of that date (the body computed afresh by a new app, not from a cache)."""
    head = fresh.services.reads.head()
    at = {"as_of": "2025-07-30", "position": str(head)}
    before = {path: _get_bytes(fresh.client, path, at) for path in PINNED_PAGES}
    as_of_before = fresh.get("/api/v1/standings", as_of="2025-07-30")
    assert all(b"will not change" in body for body in before.values())

    _backfill_a_late_snapshot(fresh)
    settings = apidata.settings(fresh.url, fresh.directory)
    services = build(settings)
    try:
        client = TestClient(create_app(services))
        assert services.reads.head() > head
        as_of_after = client.get("/api/v1/standings", params={"as_of": "2025-07-30"}).json()
        assert "backfilled-model" in [row["model"] for row in as_of_after["rows"]]
        assert "backfilled-model" not in [row["model"] for row in as_of_before["rows"]]
        for path in PINNED_PAGES:
            assert _get_bytes(client, path, at) == before[path], path
        unpinned = client.get("/", params={"as_of": "2025-07-30"}).content
        assert b"backfilled-model" in unpinned and b"backfilled-model" not in before["/"]
    finally:
        services.close()


def _get_bytes(client: TestClient, path: str, params: dict[str, str]) -> bytes:
    response = client.get(path, params=params)
    assert response.status_code == 200, (path, response.text[:300])
    assert "immutable" in response.headers["cache-control"]
    return response.content


def _backfill_a_late_snapshot(race: Race) -> None:
    """Backfill an archived Jul 25 snapshot led by a model nobody had listed."""
    rows = [{"model": "backfilled-model", "score": 1440, "license": "Apache 2.0"}]
    rows += [
        {"model": m, "score": s, "license": lic}
        for m, s, lic, _ci in apidata.SNAPSHOTS["2025-07-18"]
    ]
    path = race.directory / "archive" / "arena-2025-07-25.json"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(
        orjson.dumps({"as_of": "2025-07-25T00:00:00Z", "rows": rows, "complete": False})
    )
    source = SourceConfig(
        id="arena-archive", kind="leaderboard", url=path.as_uri(), leaderboard=apidata.BOARD
    )
    ingestion = build_ingestion(race.services)
    try:
        now = parse_time("2025-09-01T00:00:00Z") + timedelta(days=400)
        report = backfill(ingestion.poller, source, [path], ingestion.sandbox, now)
    finally:
        ingestion.close()
    assert report.appended > 0
