"""What an append returns, on a store with no projector (its stored events are built only
when asked for) and with one (built at once, for the projector): the same events, equal to
what a read gives back, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from service.appendchain import AppendedLater
from service.bootstrap import projectors
from service.chain import verify
from service.events import AppendResult
from service.store import EventStore
from tests.builders import item, mention


def test_results_without_a_projector_equal_what_a_read_gives_back(engine: Engine) -> None:
    store = EventStore(engine)
    first = store.append([item(1), item(2), mention("glm-4.5", 1)])
    second = store.append([item(2), item(3), mention("glm-4.5", 2)])  # item 2: a known key
    assert isinstance(first, AppendedLater)
    assert second.skipped == ["item|news|item-2"]
    assert second.head == 5
    read = list(store.read())
    assert first.appended + second.appended == read
    assert second.appended is second.appended  # built once
    assert verify(read) == 5
    assert first == AppendResult(read[:3], []) and AppendResult(read[:3], []) == first
    assert second != AppendResult(read[3:], [])  # the skipped key differs


def test_results_with_a_projector_are_the_same_events(engine: Engine) -> None:
    store = EventStore(engine, projectors=projectors())
    result = store.append([item(1), mention("glm-4.5", 1)])
    assert type(result) is AppendResult
    assert result.appended == list(store.read())


def test_the_head_cache_follows_lazy_appends(engine: Engine) -> None:
    """Stream versions stay contiguous when two stores interleave, results never read."""
    one, two = EventStore(engine), EventStore(engine)
    for n in range(1, 7):
        (one if n % 2 else two).append([mention("glm-4.5", n)])
    versions = [e.version for e in one.read() if e.stream == "model:glm-4.5"]
    assert versions == [1, 2, 3, 4, 5, 6]
    assert verify(list(one.read())) == 6
