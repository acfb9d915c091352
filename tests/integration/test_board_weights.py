"""The real board's shapes end to end: LMArena's leaderboard and model metadata polled over
HTTP, repository candidates verified against a loopback Hugging Face API (some 200, some 404),
model cards fetched once — on SQLite and PostgreSQL, through the real CLI."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cli import run
from tests.conftest import ROOT, settings_toml

METADATA = (ROOT / "tests" / "fixtures" / "lmarena_models.json").read_bytes()
#: LMArena's leaderboard-text.json shape: {"full": {key: {rating, rating_q975, rating_q025}}}.
RATINGS = {
    "gemini-3-pro": 1490.0,
    "grok-4.1": 1485.0,
    "qwen3-max-preview": 1480.0,
    "glm-4.6": 1470.0,
    "kimi-k2-thinking-turbo": 1460.0,
    "mistral-large-3": 1450.0,
    "longcat-flash-chat": 1440.0,
    "qwen3-30b-a3b-instruct-2507": 1430.0,
    "claude-3-5-haiku-20241022": 1300.0,
}
BOARD = orjson.dumps(
    {
        "full": {
            k: {"rating": v, "rating_q975": v + 9, "rating_q025": v - 9} for k, v in RATINGS.items()
        }
    }
)
WEIGHTS = [{"rfilename": "README.md"}, {"rfilename": "model-00001-of-00002.safetensors"}]
API = {
    "moonshotai/Kimi-K2-Thinking": {"createdAt": "2025-11-06T03:20:00.000Z", "siblings": WEIGHTS},
    "meituan-longcat/LongCat-Flash-Chat": {
        "createdAt": "2025-08-29T12:00:00.000Z",
        "siblings": [{"rfilename": "README.md"}],  # a placeholder: no weights in it
    },
    "Qwen/Qwen3-30B-A3B-Instruct-2507": {"createdAt": "2025-07-29T10:00:00.000Z"},
}
CARDS = {
    "moonshotai/Kimi-K2-Thinking": (
        "---\nlicense: other\n---\n# Kimi K2 Thinking\n\nKimi K2 Thinking is a thinking agent "
        "built on Kimi K2. It has 1 trillion total parameters and 32 billion activated "
        "parameters, and it is released under the Modified MIT License.\n"
    ),
}
SOURCES = """
[[source]]
id = "lmarena-text"
kind = "leaderboard"
url = "{base}/data/leaderboard-text.json"
every = "6h"
leaderboard = "lmarena-text"
rows = "full"
method = "clt-2025-07-23"

[source.columns]
score = "rating"
ci_low = "rating_q025"
ci_high = "rating_q975"

[[source]]
id = "lmarena-text-models"
kind = "models"
url = "{base}/data/scatterplot-data.json"
every = "1d"
leaderboard = "lmarena-text"

[source.columns]
model = "model_api_name"
link = "model_source"
"""


class Hub(ThreadingHTTPServer):
    """The board's files and a Hugging Face stand-in on one loopback port; counts requests."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, path: str) -> tuple[bytes, str] | None:
        if path == "/data/leaderboard-text.json":
            return BOARD, "application/json"
        if path == "/data/scatterplot-data.json":
            return METADATA, "application/json"
        if path.startswith("/api/models/"):
            repo = path.removeprefix("/api/models/")
            entry = API.get(repo)
            return (
                (orjson.dumps({"id": repo, "private": False, **entry}), "application/json")
                if entry
                else None
            )
        if path.endswith("/raw/main/README.md"):
            card = CARDS.get(path[1:].removesuffix("/raw/main/README.md"))
            return (card.encode(), "text/plain") if card else None
        return None


class _Handler(BaseHTTPRequestHandler):
    server: Hub

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits[self.path] += 1
        found = self.server.answer(self.path)
        if found is None:
            self.send_error(404)
            return
        body, kind = found
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", "Thu, 20 Nov 2025 00:00:00 GMT")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[Hub]:
    server = Hub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _setup(tmp_path: Path, hub: Hub) -> dict[str, str]:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "sources.toml").write_text(SOURCES.format(base=hub.base))
    (folder / "crownlog.toml").write_text(settings_toml())
    return {"CROWNLOG_CONFIG": str(folder / "crownlog.toml"), "CROWNLOG_HF__BASE_URL": hub.base}


def _json(url: str, cwd: Path, env: dict[str, str], *args: str) -> Any:
    result = run(*args, "--json", url=url, cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)


def test_the_real_boards_metadata_verified_weights_and_cards(
    database_url: str, tmp_path: Path, hub: Hub
) -> None:
    """Only verified repositories make weights open; wrong licence claims stay claimed and are
    listed as contenders; a 404 and a placeholder verify nothing; each card is fetched once."""
    env = _setup(tmp_path, hub)
    outcomes = {o["source_id"]: o for o in _json(database_url, tmp_path, env, "poll")}
    assert outcomes["lmarena-text"]["status"] == outcomes["lmarena-text-models"]["status"] == "ok"
    assert outcomes["hf-api:moonshotai/Kimi-K2-Thinking"]["status"] == "ok"
    missing = outcomes["hf-api:mistralai/Mistral-Large-3-Instruct"]
    assert missing["status"] == "error" and "HTTP 404" in missing["error"]
    assert outcomes["hf-card:moonshotai/Kimi-K2-Thinking"]["status"] == "ok"

    rows = {r["model"]: r for r in _json(database_url, tmp_path, env, "standings")["rows"]}
    assert {m: (r["weights"], r["lab"]) for m, r in rows.items()} == {
        "gemini-3-pro": ("closed", "google"),
        "grok-4.1": ("unknown", "xai"),  # no metadata: placed by the grok-* family
        "qwen3-max-preview": ("claimed", "alibaba"),  # Apache 2.0 claimed, never published
        "glm-4.6": ("claimed", "zhipu"),  # MIT claimed, no repository link
        "kimi-k2-thinking-turbo": ("open", "moonshot"),  # verified: 200 with weight files
        "mistral-large-3": ("claimed", "mistral"),  # its link answers 404
        "longcat-flash-chat": ("claimed", "meituan"),  # its repository holds no weights
        "qwen3-30b-a3b-instruct-2507": ("open", "alibaba"),  # verified (no file list)
        "claude-3-5-haiku-20241022": ("closed", "anthropic"),  # "Propretary"
    }
    assert rows["kimi-k2-thinking-turbo"]["open_weights"] is True
    assert rows["glm-4.6"]["open_weights"] is None and rows["gemini-3-pro"]["open_weights"] is False

    crown = _json(database_url, tmp_path, env, "crown")
    assert crown["holder"]["model"] == "kimi-k2-thinking-turbo"
    assert crown["holder"]["from"].startswith("2025-11-20")
    assert [(c["model"], c["rank"]) for c in crown["contenders"]] == [
        ("qwen3-max-preview", 3),
        ("glm-4.6", 4),
    ]

    kimi = _json(database_url, tmp_path, env, "models", "kimi-k2-thinking-turbo")
    assert kimi["weights_repo"] == "moonshotai/Kimi-K2-Thinking"
    assert (kimi["params_total"], kimi["params_active"]) == (10**12, 32 * 10**9)  # the card
    labs = {lab["slug"]: lab for lab in _json(database_url, tmp_path, env, "labs")["items"]}
    assert labs["luma-ai"]["city"] is None and labs["xai"]["city"] == "Palo Alto"

    again = {o["source_id"]: o for o in _json(database_url, tmp_path, env, "poll")}
    assert sum(o["appended"] for o in again.values()) == 0
    assert "hf-card:moonshotai/Kimi-K2-Thinking" not in again  # a card is fetched once
    assert hub.hits["/moonshotai/Kimi-K2-Thinking/raw/main/README.md"] == 1
    assert hub.hits["/api/models/moonshotai/Kimi-K2-Thinking"] == 1  # verified: no target
    assert hub.hits["/api/models/mistralai/Mistral-Large-3-Instruct"] == 1  # backing off


def test_cli_and_dashboard_show_the_status_and_the_contenders(
    database_url: str, tmp_path: Path, hub: Hub
) -> None:
    """The CLI tables and the dashboard say open / claimed / closed / ? and name the claimed
    models ranked above the holder, so a reader sees why they are not crowned."""
    import warnings

    from service.api.app import create_app
    from service.bootstrap import build
    from service.settings import load_settings

    env = _setup(tmp_path, hub)
    _json(database_url, tmp_path, env, "poll")
    table = run("standings", url=database_url, cwd=tmp_path, env={**env, "COLUMNS": "200"})
    assert table.returncode == 0, table.stderr
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table.stdout.splitlines()]
    statuses = {row[1]: row[-1] for row in cells if row and row[0].isdigit()}
    assert statuses["kimi-k2-thinking-turbo"] == "open"
    assert statuses["qwen3-max-preview"] == "claimed" and statuses["gemini-3-pro"] == "closed"
    assert statuses["grok-4.1"] == "?"
    crown = run("crown", url=database_url, cwd=tmp_path, env=env)
    assert "claimed, not crowned" in crown.stdout
    assert "qwen3-max-preview (#3), glm-4.6 (#4)" in crown.stdout

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    settings = load_settings(env["CROWNLOG_CONFIG"]).model_copy(
        update={"database_url": database_url}
    )
    services = build(settings)
    try:
        client = TestClient(create_app(services))
        page = client.get("/").text
        contenders = page.split('data-testid="contenders"', 1)[1].split("</p>", 1)[0]
        assert 'data-model="qwen3-max-preview"' in contenders
        assert 'data-model="glm-4.6"' in contenders
        assert 'data-model="gemini-3-pro"' not in contenders
        model = client.get("/models/qwen3-max-preview").text
        assert "claimed" in model
    finally:
        services.close()
