"""The audit compares every stored projection row with a replay: a row deleted from the stored
tables (or changed, or added) fails it, naming the row — on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from service.audit import audit
from service.schema import projection_rows
from service.store import EventStore
from tests.race import catalog


def stored_keys(store: EventStore) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        query = sa.select(projection_rows.c.projection, projection_rows.c.key)
        return sorted((str(p), str(k)) for p, k in conn.execute(query))


def test_a_projection_row_deleted_from_the_stored_tables_fails_the_audit(
    store: EventStore,
) -> None:
    """Given a log folded into its tables, when one stored row is deleted, the audit fails
    naming that row as missing; the chain itself is intact."""
    store.append(catalog())
    assert audit(store).ok
    keys = stored_keys(store)
    assert keys, "the catalog folds into stored rows"
    projection, key = keys[len(keys) // 2]
    with store.engine.begin() as conn:
        conn.execute(
            projection_rows.delete().where(
                (projection_rows.c.projection == projection) & (projection_rows.c.key == key)
            )
        )
    report = audit(store)
    assert not report.ok and report.first_bad_position is None
    missing = f"projection row {projection}/{key} is missing from the stored tables"
    assert any(problem.startswith(missing) for problem in report.problems), report.problems
    assert report.digests[projection]["stored"] != report.digests[projection]["replayed"]


def test_a_changed_or_added_projection_row_fails_the_audit(store: EventStore) -> None:
    store.append(catalog())
    projection, key = stored_keys(store)[0]
    with store.engine.begin() as conn:
        conn.execute(
            projection_rows.update()
            .where((projection_rows.c.projection == projection) & (projection_rows.c.key == key))
            .values(value={"forged": True})
        )
        forged = {"projection": projection, "key": "zz-forged", "value": {"x": 1}, "position": 1}
        conn.execute(projection_rows.insert().values(**forged))
    problems = audit(store).problems
    assert f"projection row {projection}/{key} differs from a replay of the log" in problems
    added = f"projection row {projection}/zz-forged is in the stored tables but not in a replay"
    assert any(problem.startswith(added) for problem in problems), problems
