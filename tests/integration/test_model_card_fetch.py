"""A model card is fetched through the fetcher with the derived-fetch limits (issue 11 item 6):
a README over the byte cap is refused and records nothing; a card within it is one observation
whose text is bounded; on a loopback Hugging Face stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer

from jobs.fetch.fetcher import Fetcher
from jobs.fetch.sandbox import InlineParser
from jobs.poll import Poller
from jobs.runtime import DERIVED_FETCH
from jobs.schedule.derived import CARD, Target, source_of
from jobs.sources.hfrepo import MAX_CARD_CHARS, parse_card
from service.settings import HfSettings
from service.store import EventStore

CARD_TEXT = (
    "---\nlicense: mit\n---\n# GLM-4.5\n\nGLM-4.5 has 355 billion total parameters and 32 billion "
    "active parameters.\n"
)


@pytest.fixture
def hub() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def _poller(store: EventStore) -> Poller:
    return Poller(store, Fetcher(replace(DERIVED_FETCH, allow_private=True)), InlineParser())


def _card(hub: HTTPServer, repo: str) -> tuple[str, object]:
    source = source_of(Target(CARD, repo, ("glm-4.5",)), HfSettings(base_url=hub.url_for("")[:-1]))
    return f"/{repo}/raw/main/README.md", source


def test_a_card_within_the_cap_is_fetched_once_and_recorded(
    store: EventStore, hub: HTTPServer
) -> None:
    path, source = _card(hub, "zai-org/GLM-4.5")
    hub.expect_request(path).respond_with_data(CARD_TEXT, content_type="text/plain")
    outcome = _poller(store).poll(source)  # type: ignore[arg-type]
    assert (outcome.status, outcome.items) == ("ok", 1), outcome
    assert outcome.appended >= 1 and len(hub.log) == 1


def test_a_card_over_the_byte_cap_is_refused_and_records_nothing(
    store: EventStore, hub: HTTPServer
) -> None:
    path, source = _card(hub, "zai-org/GLM-4.5")
    body = CARD_TEXT + "x" * (DERIVED_FETCH.max_bytes + 1)
    hub.expect_request(path).respond_with_data(body, content_type="text/plain")
    head = store.head()
    outcome = _poller(store).poll(source)  # type: ignore[arg-type]
    assert outcome.status == "error" and "max_bytes" in (outcome.error or ""), outcome
    assert outcome.appended == 0 and store.head() == head


def test_the_card_text_handed_to_extraction_is_bounded() -> None:
    source = source_of(Target(CARD, "zai-org/GLM-4.5", ("glm-4.5",)), HfSettings())
    body = (CARD_TEXT + "y" * (MAX_CARD_CHARS * 2)).encode()
    (observation,) = parse_card(body, {}, source, datetime(2025, 8, 1, tzinfo=UTC)).observations
    assert observation.text is not None and len(observation.text) == MAX_CARD_CHARS
    assert observation.text.startswith("# GLM-4.5") or "GLM-4.5 has 355" in observation.text
