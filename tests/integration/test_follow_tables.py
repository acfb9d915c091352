"""Following the race, the tables, on SQLite and PostgreSQL: rank moves beyond a threshold in
what changed (API, ``crownlog diff``, the dashboard page), the uncertainty the standings and
crown tables show (interval, votes, ties with the leader, co-holders), a CSV download on every
dashboard table, and the live sources page, which is never called pinned."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from jobs.runtime import build_ingestion
from jobs.schedule.sourcefile import SourceConfig
from tests import apidata
from tests.builders import mention
from tests.cli import run
from tests.raceapp import Race, poll_snapshot, race_app

R1, MINIMAX, KIMI, GLM = "deepseek-r1-0528", "minimax-m1", "kimi-k2", "glm-4.5"
QWEN, GEMINI, STEP = "qwen3-235b-a22b-instruct-2507", "gemini-2.5-pro", "step-3"
#: Jun 17 → Aug 2: R1-0528 falls from 2nd to 4th, MiniMax-M1 leaves, Qwen3 and Kimi K2 enter.
WINDOW = {"from": "2025-06-20", "to": "2025-08-02"}
#: A side board that publishes votes and intervals.
VOTED = [
    {"model": "Side Leader", "score": 1300, "ci_low": 1290, "ci_high": 1310, "votes": 5120},
    {"model": "Side Close", "score": 1295, "ci_low": 1289, "ci_high": 1301, "votes": 880},
    {"model": "Side Far", "score": 1200, "ci_low": 1195, "ci_high": 1205, "votes": 64},
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Race]:
    directory = tmp_path_factory.mktemp(f"tables-{request.param}")
    with race_app(request.param, directory) as race:
        poll_snapshot(race, "voted-board", "2025-08-10T00:00:00Z", VOTED, board="voted")
        _poll_press(race)
        yield race


def _poll_press(race: Race) -> None:
    """A press feed that misstates GLM-4.5's size: the sources then disagree on it."""
    text = "GLM-4.5 has 335 billion total parameters and 32 billion active parameters."
    feed = apidata.news_feed({"glm-typo": ("2025-07-28T15:00:00Z", "GLM-4.5 is here", text)})
    path = race.directory / "press.xml"
    path.write_bytes(feed)
    ingestion = build_ingestion(race.services)
    try:
        outcome = ingestion.poller.poll(SourceConfig(id="press", kind="feed", url=path.as_uri()))
    finally:
        ingestion.close()
    assert outcome.status == "ok", outcome.error


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        return " ".join("".join(self.text).split())


class _Elements(HTMLParser):
    """Every element with a ``data-testid`` (and each ``<a>``), with its text."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Element] = []
        self._open: list[Element | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        element = Element(tag, values) if "data-testid" in values or tag == "a" else None
        if element is not None:
            self.found.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element in self._open:
            if element is not None:
                element.text.append(data)


def elements(html: str, testid: str | None = None, tag: str | None = None) -> list[Element]:
    parser = _Elements()
    parser.feed(html)
    return [
        e
        for e in parser.found
        if (testid is None or e.attrs.get("data-testid") == testid)
        and (tag is None or e.tag == tag)
    ]


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# -- rank moves -----------------------------------------------------------------------------


def test_rank_moves_beyond_the_threshold(race: Race) -> None:
    """R1-0528 went from 2nd to 4th: a move at threshold 2, none at the default 3."""
    board = _board(race.get("/api/v1/changes", **WINDOW, threshold=2))
    assert board["moved"] == [{"model": R1, "before": 2, "after": 4, "change": -2}]
    assert [r["model"] for r in board["left"]] == [MINIMAX]
    assert [r["model"] for r in board["entered"]] == [QWEN, KIMI]
    default = race.get("/api/v1/changes", **WINDOW)
    assert default["threshold"] == 3 and _board(default)["moved"] == []
    assert _board(default)["left"] == board["left"]


def test_rank_moves_in_diff_csv_and_on_the_page(race: Race) -> None:
    """``crownlog diff --threshold 2 --csv`` and /changes list the same move."""
    env = {"CROWNLOG_CATALOG": str(apidata.CATALOG)}
    done = run(
        "diff", WINDOW["from"], WINDOW["to"], "--threshold", "2", "--csv",
        url=race.url, cwd=race.directory, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    moved = [r for r in table(done.stdout) if r["kind"] == "moved"]
    assert [(r["model"], r["before"], r["after"], r["change"]) for r in moved] == [
        (R1, "2", "4", "-2")
    ]
    api_rows = table(
        race.client.get("/api/v1/changes", params={**WINDOW, "threshold": 2, "format": "csv"}).text
    )
    assert [r for r in api_rows if r["kind"] == "moved"] == moved
    html = race.text("/changes", **WINDOW, threshold="2", leaderboard=apidata.BOARD)
    [row] = elements(html, "moved")
    assert row.attrs["data-model"] == R1 and row.content.startswith("down 2")
    assert "#2" in row.content and "#4" in row.content
    assert elements(race.text("/changes", **WINDOW, leaderboard=apidata.BOARD), "moved") == []


def _board(body: dict) -> dict:  # type: ignore[type-arg]
    return next(b for b in body["boards"] if b["leaderboard"] == apidata.BOARD)


# -- uncertainty ----------------------------------------------------------------------------


def test_standings_table_shows_intervals_and_ties_with_the_leader(race: Race) -> None:
    """Aug 15: GLM-4.5 leads (1454–1464); Gemini and Qwen3 overlap it and are marked tied,
    Kimi K2 and Step 3 are not. Every interval the API has is in the table."""
    html = race.text("/")
    api = {r["model"]: r for r in race.get("/api/v1/standings")["rows"]}
    rows = elements(html, "standings-row")
    tied = {r.attrs["data-model"] for r in rows if r.attrs["data-tied"] == "true"}
    assert tied == {GEMINI, QWEN}
    marks = [e for e in elements(html, "tie-mark")]
    assert len(marks) == 2
    intervals = [e.content for e in elements(html, "interval")]
    for row, shown in zip(rows, intervals, strict=True):
        found = api[row.attrs["data-model"]]
        assert f"{found['ci_low']:g}" in shown and f"{found['ci_high']:g}" in shown
    assert "tied" in "".join(e.content for e in elements(html, "tie-mark")) or all(
        "≈" in e.content for e in marks
    )


def test_standings_table_shows_votes(race: Race) -> None:
    """A board that publishes votes shows them on each row; one that does not shows a dash."""
    html = race.text("/", leaderboard="voted")
    models = [r.attrs["data-model"] for r in elements(html, "standings-row")]
    votes = [e.content for e in elements(html, "votes")]
    api = {
        r["model"]: r["votes"] for r in race.get("/api/v1/standings", leaderboard="voted")["rows"]
    }
    assert sorted(api.values()) == [64, 880, 5120]
    assert votes == [str(api[m]) for m in models]
    tied = [
        r.attrs["data-model"]
        for r in elements(html, "standings-row")
        if r.attrs["data-tied"] == "true"
    ]
    assert tied == ["side-close"]
    assert {e.content for e in elements(race.text("/"), "votes")} == {"—"}


def test_crown_tables_name_co_holders(race: Race) -> None:
    """The holder line and the reigns table name Qwen3 as GLM-4.5's co-holder; the model
    page's reigns say co-held too."""
    names = {m["slug"]: m["name"] for m in race.get("/api/v1/models", limit=500)["items"]}
    html = race.text("/")
    [holder] = elements(html, "co-holders")
    assert names[QWEN] in holder.content
    reigns = {
        row.attrs["data-model"]: cell.content
        for row, cell in zip(
            elements(html, "reign-row"), elements(html, "reign-co-holders"), strict=True
        )
    }
    assert reigns[GLM] == names[QWEN] and reigns[KIMI] == "—"
    crown = race.get("/api/v1/crown")
    assert [r["co_holders"] for r in crown["reigns"] if r["model"] == GLM] == [[QWEN]]
    assert "co-held with " + QWEN in " ".join(race.text(f"/models/{GLM}").split())


# -- a CSV download on every table ----------------------------------------------------------

PAGES = (
    "/",
    f"/models/{KIMI}",
    f"/models/{GLM}",
    "/models",
    f"/compare?models={KIMI},{GLM}",
    "/changes?from=2025-07-20&to=2025-08-16",
    "/cities",
    "/sources",
)


#: Each data table of the dashboard and the CSV link that downloads its rows.
TABLE_CSV = {
    "reigns": "reigns-csv",
    "standings": "standings-csv",
    "points": "history-csv",
    "history": "events-csv",
    "dispute-reports": "disputes-csv",
    "models": "models-csv",
    "compare": "compare-facts-csv",
    "board-changes": "changes-csv",
    "labs": "labs-csv",
    "cities": "cities-csv",
    "sources": "sources-csv",
}


@pytest.mark.parametrize("path", PAGES)
def test_every_dashboard_table_has_a_csv_download(race: Race, path: str) -> None:
    """Every table on the page has its CSV link, and every CSV link downloads CSV that
    Python's csv module reads: a header, then rows of its width."""
    page = race.client.get(path)  # the path carries its query
    assert page.status_code == 200, (path, page.text[:300])
    html = page.text
    tables = [t.attrs.get("data-testid", "") for t in elements(html, tag="table")]
    assert tables and all(name in TABLE_CSV for name in tables), (path, tables)
    links = {
        a.attrs.get("data-testid"): a for a in elements(html, tag="a") if "download" in a.attrs
    }
    assert {TABLE_CSV[name] for name in tables} <= set(links), (path, tables, set(links))
    for link in links.values():
        href = link.attrs["href"]
        response = race.client.get(href)
        assert response.status_code == 200, (path, href)
        assert response.headers["content-type"].startswith("text/csv"), href
        reader = csv.reader(io.StringIO(response.text, newline=""))
        header, *rows = list(reader)
        assert header and all(len(row) == len(header) for row in rows), href


# -- the live sources page ------------------------------------------------------------------


def test_sources_page_is_never_called_pinned(race: Race) -> None:
    """Asked at a log position, /sources still shows the live poll state and says so: it
    offers no permanent link and does not claim it will not change."""
    head = race.services.reads.head()
    response = race.client.get("/sources", params={"position": str(head)})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "will not change" not in response.text
    assert elements(response.text, "pinned-note") == []
    assert elements(response.text, "copy-permalink") == []
    assert len(elements(response.text, "live-note")) == 1
    [position] = elements(response.text, "stamp-position")
    assert position.content == str(head)
    past = race.client.get("/sources", params={"as_of": "2025-07-01", "position": "3"})
    assert past.status_code == 200 and "will not change" not in past.text
    assert elements(past.text, "as-of-shown") == [] and "Current." in past.text
    assert [e.content for e in elements(past.text, "stamp-position")] == [str(head)]


# -- a pinned page's downloads (last: it appends to the module's log) -------------------------


def test_a_pinned_model_page_downloads_the_events_it_shows(race: Race) -> None:
    """The events CSV of a page pinned to a position holds the events up to it, even after
    the log grew: the rows the page lists, in its order."""
    pinned = race.services.reads.head()
    race.services.store.append([mention(KIMI, n, key=f"later|{n}") for n in range(3)])
    html = race.text(f"/models/{KIMI}", position=str(pinned))
    shown = [int(e.attrs["data-position"]) for e in elements(html, "history-row")]
    [link] = elements(html, "events-csv")
    rows = table(race.client.get(link.attrs["href"]).text)
    assert [int(r["position"]) for r in rows] == shown
    assert shown and max(shown) <= pinned
    current = race.text(f"/models/{KIMI}")
    [now] = elements(current, "events-csv")
    newest = table(race.client.get(now.attrs["href"]).text)
    assert int(newest[0]["position"]) > pinned


# -- every page on every time axis ----------------------------------------------------------


@pytest.mark.parametrize("path", PAGES[:-1])  # /sources is live (tested above)
def test_every_page_takes_known_at_and_offers_its_position(race: Race, path: str) -> None:
    """At a known_at between two appends, a page says what crownlog knew then, stands at the
    position the API cuts at, and its permanent link swaps known_at for that position: the
    pinned page stands at the same position and hash and says it will not change."""
    events = race.get("/api/v1/events", limit=500)["items"]
    recorded = sorted({e["recorded_at"] for e in events})
    assert len(recorded) >= 3, "the race is ingested in several appends"
    known_at = recorded[len(recorded) // 2]
    cut = race.get("/api/v1/standings", known_at=known_at)["position"]
    assert 0 < cut < race.services.reads.head()
    page = race.client.get(path, params={"known_at": known_at})
    assert page.status_code == 200, page.text[:300]
    [shown] = elements(page.text, "known-at-shown")
    assert shown.content.startswith(known_at[:10])
    [position] = elements(page.text, "stamp-position")
    assert position.content == str(cut)
    [head_hash] = elements(page.text, "stamp-hash")
    [link] = elements(page.text, "permalink")
    href = link.attrs["href"]
    assert "known_at" not in href and f"position={cut}" in href
    pinned = race.client.get(href)
    assert pinned.status_code == 200 and "immutable" in pinned.headers["cache-control"]
    assert [e.content for e in elements(pinned.text, "stamp-position")] == [str(cut)]
    assert elements(pinned.text, "stamp-hash")[0].attrs["title"] == head_hash.attrs["title"]
    assert len(elements(pinned.text, "pinned-note")) == 1


# -- the models index -----------------------------------------------------------------------

MODEL_FILTERS = (
    {"lab": "zhipu"},
    {"city": "Hangzhou"},
    {"country": "CN"},
    {"license": "mit"},
    {"weights": "closed"},
    {"params_min": "300B", "params_max": "700B"},
    {"city": "Beijing", "weights": "open"},
)


@pytest.mark.parametrize("params", MODEL_FILTERS, ids=lambda p: ",".join(p))
def test_models_index_filters_as_the_api_does(race: Race, params: dict[str, str]) -> None:
    """Each filter of /models keeps exactly the models the API's filter keeps."""
    html = race.text("/models", **params)
    shown = {row.attrs["data-model"] for row in elements(html, "model-row")}
    api = {m["slug"] for m in race.get("/api/v1/models", limit=500, **params)["items"]}
    everyone = {m["slug"] for m in race.get("/api/v1/models", limit=500)["items"]}
    assert shown == api and 0 < len(api) < len(everyone), params


def test_models_index_sorts_by_release_and_rank(race: Race) -> None:
    """Release date ascending or descending (unknown dates last either way); rank on the
    board in its standings order, unranked models last."""
    items = race.get("/api/v1/models", limit=500)["items"]
    dated = sorted((m["released_at"], m["slug"]) for m in items if m["released_at"])
    undated = sorted(m["slug"] for m in items if not m["released_at"])
    assert dated and undated

    def order(**params: str) -> list[str]:
        return [
            r.attrs["data-model"] for r in elements(race.text("/models", **params), "model-row")
        ]

    assert order(sort="released") == [slug for _day, slug in dated] + undated
    assert order(sort="released", order="desc") == [slug for _day, slug in dated[::-1]] + undated
    ranked = [row["model"] for row in race.get("/api/v1/standings")["rows"]]
    by_rank = order(sort="rank")
    assert by_rank[: len(ranked)] == ranked
    assert by_rank[len(ranked) :] == sorted(set(by_rank) - set(ranked))


def test_the_disputes_table_downloads_as_csv(race: Race) -> None:
    """GLM-4.5's sources disagree on its size: the page's table and the model's CSV hold the
    same reports, each with its evidence and source."""
    detail = race.get(f"/api/v1/models/{GLM}")
    reports = detail["disputes"]["params_total"]
    assert sorted(r["value"] for r in reports) == [335 * 10**9, 355 * 10**9]
    html = race.text(f"/models/{GLM}")
    shown = [
        (e.attrs["data-field"], e.attrs["data-current"]) for e in elements(html, "dispute-row")
    ]
    [link] = elements(html, "disputes-csv")
    response = race.client.get(link.attrs["href"])
    assert response.headers["content-disposition"] == 'attachment; filename="disputes.csv"'
    rows = table(response.text)
    assert [(r["fact"], "yes" if r["current"] == "true" else "no") for r in rows] == shown
    assert {r["model"] for r in rows} == {GLM}
    by_value = {int(r["value"]): r for r in rows if r["fact"] == "params_total"}
    for report in reports:
        row = by_value[report["value"]]
        assert (row["position"], row["evidence"], row["source_id"]) == (
            str(report["position"]),
            report["evidence"],
            report["source_id"],
        )
    assert "335 billion" in by_value[335 * 10**9]["evidence"]
    as_csv = race.client.get(f"/api/v1/models/{GLM}", headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert race.client.get(f"/api/v1/models/{GLM}", params={"format": "xml"}).status_code == 422


# -- compare --------------------------------------------------------------------------------


def test_compare_takes_two_to_four_models(race: Race) -> None:
    """Four models side by side, each a column and a series on the one chart; one or five
    are a 422 page that says why."""
    four = [KIMI, GLM, QWEN, R1]
    html = race.text("/compare", models=",".join(four))
    assert [e.attrs["data-model"] for e in elements(html, "compare-column")] == four
    series = {e.attrs["data-model"] for e in elements(html, "history-point")}
    assert series == set(four)
    for models in ([KIMI], [*four, STEP]):
        response = race.client.get("/compare", params={"models": ",".join(models)})
        assert response.status_code == 422
        assert f"compare 2 to 4 models, not {len(models)}" in response.text
    unknown = race.client.get("/compare", params={"models": f"{KIMI},nobody"})
    assert unknown.status_code == 404
