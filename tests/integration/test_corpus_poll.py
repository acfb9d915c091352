"""The whole feed corpus polled as sources by the real poller: nothing stops the run; each
malformed file marks only its own source (unhealthy or bozo), the others go on."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jobs.fetch.fetcher import Fetcher, FetchSettings
from jobs.fetch.sandbox import ParseSandbox
from jobs.poll import Poller
from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.staterepo import load_all
from service import migrate
from service.bootstrap import projectors
from service.db import create_engine
from service.store import EventStore
from tests.conftest import CORPUS

FEEDS = (CORPUS or Path("/nonexistent")) / "feeds"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def corpus_base(corpus_dir: Path) -> Iterator[str]:
    """The corpus folder served over HTTP on loopback."""
    handler = functools.partial(_Quiet, directory=str(FEEDS))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.request_queue_size = 128
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_every_corpus_file_polled_marks_only_its_own_source(
    corpus_base: str, tmp_path: Path
) -> None:
    """~390 corpus files as sources in one cycle: failures are per source, with their error."""
    files = sorted(p.relative_to(FEEDS).as_posix() for p in FEEDS.rglob("*.xml"))
    sources = [
        SourceConfig(id=f"c{n}", kind="feed", url=f"{corpus_base}/{name}")
        for n, name in enumerate(files)
    ]
    engine = create_engine(f"sqlite:///{tmp_path / 'corpus.db'}")
    migrate.upgrade(engine)
    store = EventStore(engine, projectors=projectors())
    with ParseSandbox(workers=2) as sandbox:
        fetcher = Fetcher(FetchSettings(retries=0))
        poller = Poller(store, fetcher, sandbox)
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(poller.poll, sources))
        fetcher.close()
    with engine.connect() as conn:
        states = load_all(conn)
    assert len(states) == len(sources)  # every source has a state row, failed or not
    by_status = {o.status for o in outcomes}
    assert by_status <= {"ok", "error"}
    errors = [o for o in outcomes if o.status == "error"]
    ok = [o for o in outcomes if o.status == "ok"]
    assert len(ok) > 0.8 * len(sources), f"only {len(ok)} of {len(sources)} polled cleanly"
    for outcome in errors:
        state = states[outcome.source_id]
        assert state.consecutive_errors == 1 and state.last_error, outcome
        assert not state.healthy
    bozo = [s for s in states.values() if s.bozo_reason and s.last_status == "ok"]
    assert bozo, "malformed-but-readable feeds record their bozo reason"
    good = files.index("wellformed/rss/item_guid.xml")
    assert states[f"c{good}"].healthy and states[f"c{good}"].items_seen >= 1
    appended = sum(o.appended for o in outcomes)
    items = sum(o.items for o in ok)
    assert 0 < appended <= items
