"""Per-source state transitions: backoff and recovery, hints, confirmed redirects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.sourcestate import SourceState, after_failure, after_fetch

NOW = datetime(2025, 7, 28, 12, 0, tzinfo=UTC)
SOURCE = SourceConfig(
    id="zai", kind="feed", url="https://a.example/feed", every=timedelta(minutes=30)
)


def _ok(state: SourceState, now: datetime = NOW, **changes: object) -> SourceState:
    values: dict[str, object] = {
        "status": "ok",
        "http_status": 200,
        "etag": '"v1"',
        "last_modified": None,
        "permanent_redirect": None,
        "hint_seconds": None,
    }
    values.update(changes)
    return after_fetch(state, SOURCE, now, **values)  # type: ignore[arg-type]


def test_failures_back_off_doubling_to_a_cap_and_never_stop() -> None:
    """Each failure doubles the wait up to 24 h; the source stays scheduled with its error."""
    state = SourceState("zai")
    waits = []
    for n in range(10):
        state = after_failure(state, SOURCE, NOW, f"HTTP 503 #{n}", 503)
        waits.append(state.next_due_at - NOW)  # type: ignore[operator]
    assert waits[:4] == [timedelta(minutes=m) for m in (30, 60, 120, 240)]
    assert waits[-1] == timedelta(hours=24)
    assert state.consecutive_errors == 10 and state.last_error == "HTTP 503 #9"
    assert not state.healthy


def test_first_success_recovers_a_failing_source() -> None:
    """One good poll resets the error count and returns to the normal interval."""
    state = after_failure(after_failure(SourceState("zai"), SOURCE, NOW, "boom"), SOURCE, NOW, "x")
    state = _ok(state)
    assert state.healthy and state.last_error is None
    assert state.next_due_at == NOW + timedelta(minutes=30)


def test_retry_after_lengthens_the_wait() -> None:
    """A 429's Retry-After is honoured when longer than the backoff."""
    state = after_failure(SourceState("zai"), SOURCE, NOW, "HTTP 429", 429, retry_after=7200)
    assert state.next_due_at == NOW + timedelta(hours=2)


def test_server_hints_lengthen_but_never_shorten_the_interval() -> None:
    """max-age/ttl above the interval are honoured (capped at 24 h); below it are ignored."""
    assert _ok(SourceState("zai"), hint_seconds=3600).next_due_at == NOW + timedelta(hours=1)
    assert _ok(SourceState("zai"), hint_seconds=60).next_due_at == NOW + timedelta(minutes=30)
    far = _ok(SourceState("zai"), hint_seconds=10**7).next_due_at
    assert far == NOW + timedelta(hours=24)


def test_permanent_redirect_is_adopted_only_after_two_polls() -> None:
    """A 301 seen once is a candidate; seen on the next poll too, it becomes the URL."""
    target = "https://b.example/feed"
    once = _ok(SourceState("zai"), permanent_redirect=target)
    assert once.url_for(SOURCE) == SOURCE.url and once.redirect_candidate == target
    twice = _ok(once, permanent_redirect=target)
    assert twice.url_for(SOURCE) == target and twice.redirect_candidate is None


def test_a_redirect_not_repeated_is_forgotten() -> None:
    """A 301 followed by a direct answer resets the candidate."""
    once = _ok(SourceState("zai"), permanent_redirect="https://b.example/feed")
    assert _ok(once).redirect_candidate is None
    assert _ok(_ok(once), permanent_redirect="https://b.example/feed").url_for(SOURCE) == SOURCE.url


def test_changing_the_configured_url_drops_learnt_state() -> None:
    """Editing the url in sources.toml resets validators and any adopted redirect."""
    target = "https://b.example/feed"
    state = _ok(_ok(SourceState("zai"), permanent_redirect=target), permanent_redirect=target)
    moved = SourceConfig(id="zai", kind="feed", url="https://c.example/rss")
    assert state.url_for(moved) == moved.url
    fresh = after_failure(state, moved, NOW, "boom")
    assert fresh.etag is None and fresh.effective_url is None


def test_not_modified_keeps_validators_and_item_count() -> None:
    """A 304 keeps the ETag and the last item count, and counts as healthy."""
    state = _ok(SourceState("zai"), items_seen=20)
    state = _ok(state, status="not_modified", http_status=304, etag=None)
    assert state.etag == '"v1"' and state.items_seen == 20 and state.last_status == "not_modified"
