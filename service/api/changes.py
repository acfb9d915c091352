"""What the changes feed announces: model releases (one entry per ``ModelReleased`` event)
and crown changes (one entry per reign that started), newest first.

Entry ids never change once published: a release is named by its event's log position, a
reign by its board, model and start time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service import reader
from service.anchor import current_head
from service.api.atom import Entry, Feed, document
from service.bootstrap import Services
from service.clock import format_time, parse_time
from service.events import StoredEvent
from service.projections.catalog import Catalog
from service.projections.catalog_view import fact, place_of
from service.schema import events as events_table

TAG = "tag:crownlog,2025:"
#: How many of the newest releases a feed looks through before filtering by lab and city.
SCAN_RELEASES = 1000


def latest_releases(conn: Connection, limit: int = SCAN_RELEASES) -> list[StoredEvent]:
    """The newest ``ModelReleased`` events, newest first."""
    c = events_table.c
    columns = (c.position, c.stream, c.version, c.type, c.schema, c.data, c.occurred_at)
    query = (
        sa.select(*columns, c.recorded_at, c.source, c.key, c.prev_hash, c.hash)
        .where(c.type == "ModelReleased")
        .order_by(c.position.desc())
        .limit(limit)
    )
    return [reader.decode(row) for row in conn.execute(query)]


def release_entries(
    events: list[StoredEvent], catalog: Catalog, base: str
) -> Iterator[tuple[Entry, str | None, str | None]]:
    """``(entry, lab, city)`` per release event."""
    for event in events:
        slug = str(event.data["model"])
        name = fact(catalog.models.get(slug), "name") or slug
        lab, city, _country = place_of(catalog, slug)
        lab_name = fact(catalog.labs.get(lab), "name") if lab else None
        released = _day(event.data.get("released_at"))
        who = ", ".join(part for part in (lab_name or lab, city) if part)
        facts = [f"{name} was released on {released or 'an unknown date'}"]
        if event.data.get("license"):
            facts.append(f"licence: {event.data['license']}")
        weights = event.data.get("open_weights")
        if weights is not None:
            facts.append("open weights" if weights else "closed weights")
        via = event.source.url if event.source else None
        entry = Entry(
            id=f"{TAG}event/{event.position}",
            title=f"{name} released" + (f" ({who})" if who else ""),
            updated=format_time(event.recorded_at),
            published=format_time(event.occurred_at),
            link=f"{base}models/{quote(slug)}",
            summary="; ".join(facts) + ".",
            via=via if via and via.startswith(("http://", "https://")) else None,
            categories=("release",),
        )
        yield entry, lab, city


def reign_entries(
    crown: dict[str, Any], catalog: Catalog, base: str
) -> Iterator[tuple[Entry, str | None, str | None]]:
    """``(entry, lab, city)`` per reign of a ``crown`` view (docs/design.md §6 shape)."""
    board = crown["leaderboard"]
    previous: dict[str, Any] | None = None
    for reign in crown["reigns"]:
        slug = reign["model"]
        name = fact(catalog.models.get(slug), "name") or slug
        summary = f"{name} leads {board} among open-weights models from {reign['from'][:10]}"
        if previous is not None:
            was = fact(catalog.models.get(previous["model"]), "name") or previous["model"]
            summary += f", taking the crown from {was}"
        if reign["co_holders"]:
            summary += f" (within the margin of error: {', '.join(reign['co_holders'])})"
        entry = Entry(
            id=f"{TAG}reign/{quote(board, safe='')}/{quote(slug, safe='')}/{reign['from']}",
            title=f"{name} takes the open-weights crown on {board}",
            updated=reign["from"],
            link=f"{base}models/{quote(slug)}",
            summary=summary + ".",
            categories=("crown",),
        )
        yield entry, reign["lab"], reign["city"]
        previous = reign


def changes_feed(
    services: Services,
    base: str,
    self_link: str,
    lab: str | None,
    city: str | None,
    leaderboard: str | None,
    limit: int,
) -> bytes:
    """The Atom document: the newest ``limit`` entries of ``lab`` / ``city`` (all if None)."""
    catalog = services.reads.view().states["catalog"]
    with services.engine.connect() as conn:
        releases = latest_releases(conn)
    crown = services.reads.crown(leaderboard)
    found = [*release_entries(releases, catalog, base), *reign_entries(crown, catalog, base)]
    chosen = [
        entry
        for entry, entry_lab, entry_city in found
        if (lab is None or entry_lab == lab)
        and (city is None or (entry_city or "").lower() == city.lower())
    ]
    # ``updated`` texts are fixed-width UTC (service.clock), so text order is time order.
    chosen.sort(key=lambda entry: entry.updated, reverse=True)
    chosen = chosen[:limit]
    filters = (("leaderboard", leaderboard), ("lab", lab), ("city", city))
    anchored = current_head(services.engine).as_dict()
    feed = Feed(
        id=f"{TAG}changes" + "".join(f"/{k}/{quote(v, safe='')}" for k, v in filters if v),
        title="crownlog: releases and crown changes" + "".join(f" — {v}" for v in (lab, city) if v),
        subtitle="The open-weights model race, from crownlog's audited event log.",
        updated=chosen[0].updated if chosen else "1970-01-01T00:00:00+00:00",
        self_link=self_link,
        alternate=base,
        head={k: str(v) for k, v in anchored.items() if v is not None},
    )
    return document(feed, chosen)


def _day(value: Any) -> str | None:
    if not value:
        return None
    try:
        return format_time(parse_time(str(value)))[:10]
    except (ValueError, OverflowError):
        return str(value)[:40]
