"""Time never runs backwards in the log: appends, imports and the audit, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from service import migrate
from service.audit import audit
from service.bootstrap import projectors
from service.db import create_engine
from service.errors import IntegrityError
from service.events import StoredEvent
from service.store import EventStore
from service.transfer import import_events
from tests.builders import item
from tests.tampering import edited, rechain, write_jsonl

LATE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
Y2K = datetime(2000, 1, 1, tzinfo=UTC)


class SteppingClock:
    """A host clock that the test sets, backwards too."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_an_append_is_never_recorded_before_the_head(engine: Engine) -> None:
    """Given a head recorded at T, a host whose clock says T - 1 day records at T, not before;
    a clock ahead again is taken as it is."""
    clock = SteppingClock(LATE)
    store = EventStore(engine, clock=clock, projectors=projectors())
    store.append([item(1)])
    clock.now = LATE - timedelta(days=1)  # another host, or NTP stepped the clock back
    (second,) = store.append([item(2)]).appended
    assert second.recorded_at == LATE
    clock.now = LATE + timedelta(seconds=5)
    (third,) = store.append([item(3)]).appended
    assert third.recorded_at == LATE + timedelta(seconds=5)
    times = [event.recorded_at for event in store.read()]
    assert times == sorted(times) and audit(store).ok


def three_events(tmp_path: Path) -> list[StoredEvent]:
    """Three events appended an hour apart to a scratch log (the file's origin)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'origin.db'}")
    migrate.upgrade(engine)
    clock = SteppingClock(LATE)
    store = EventStore(engine, clock=clock)
    for n in (1, 2, 3):
        clock.now = LATE + timedelta(hours=n)
        store.append([item(n)])
    events = list(store.read())
    engine.dispose()
    return events


def test_an_import_whose_time_runs_backwards_is_refused(store: EventStore, tmp_path: Path) -> None:
    """One event re-dated to 2000-01-01, chain recomputed: refused at its position, nothing
    written (the known_at index and time filter would disagree ever after)."""
    events = three_events(tmp_path)
    events[1] = edited(events[1], recorded_at=Y2K)
    dump = write_jsonl(tmp_path / "backdated.jsonl", rechain(events))
    target = store
    with pytest.raises(IntegrityError, match=r"^position 2: recorded_at 2000-01-01") as caught:
        import_events(target, dump)
    assert "time runs backwards" in str(caught.value) and "--clamp-time" in str(caught.value)
    assert caught.value.position == 2 and target.head()[0] == 0


def test_an_import_earlier_than_the_log_it_continues_is_refused(
    store: EventStore, tmp_path: Path
) -> None:
    """A continuation file whose first event predates the log's head is refused too."""
    events = three_events(tmp_path)
    target = store
    import_events(target, write_jsonl(tmp_path / "first.jsonl", events[:1]))
    tail = rechain([edited(e, recorded_at=Y2K) for e in events[1:]], events[0].hash)
    with pytest.raises(IntegrityError, match="position 2: recorded_at 2000"):
        import_events(target, write_jsonl(tmp_path / "tail.jsonl", tail))
    assert target.head()[0] == 1


def test_clamp_time_raises_backwards_times_and_recomputes_the_chain(
    store: EventStore, tmp_path: Path
) -> None:
    """``--clamp-time``: the re-dated event takes the time before it; the audit passes."""
    events = three_events(tmp_path)
    events[1] = edited(events[1], recorded_at=Y2K)
    target = store
    imported = import_events(target, write_jsonl(tmp_path / "b.jsonl", rechain(events)), True)
    assert imported == (3, 1)
    stored = list(target.read())
    assert [e.recorded_at for e in stored] == [events[0].recorded_at] * 2 + [events[2].recorded_at]
    assert stored[0].hash == events[0].hash and stored[1].hash != events[1].hash
    assert audit(target).ok


def test_the_audit_reports_time_running_backwards(store: EventStore, tmp_path: Path) -> None:
    """A stored log whose recorded_at steps back (written around the checks) fails the audit,
    which names the position; the chain itself is intact."""
    events = three_events(tmp_path)
    events[2] = edited(events[2], recorded_at=Y2K)
    target = store
    with target.engine.begin() as conn:
        target.insert_verified(conn, rechain(events))
    report = audit(target)
    assert not report.ok and report.first_bad_position is None
    assert any(p.startswith("position 3: recorded_at 2000-01-01") for p in report.problems)
