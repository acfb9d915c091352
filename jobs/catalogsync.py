"""Catalog changes go into the log before anything depends on them (replay never reads config)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from jobs.catalog import Catalog, catalog_events, load_catalog
from service import appendsql
from service.bootstrap import Services
from service.events import Provenance
from service.projections.catalog_view import fact

log = structlog.get_logger("crownlog.catalog")
#: Identity from the catalog file holds at every world time, so ``as_of`` views of any date
#: see labs, cities and aliases: its events are dated at the epoch.
IDENTITY_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def known_identities(services: Services) -> dict[str, dict[str, Any]]:
    """Per stream, the identity the log holds for each lab and model, with the stream version."""
    catalog = services.reads.view().states["catalog"]
    known: dict[str, dict[str, Any]] = {}
    for slug, fields in catalog.labs.items():
        known[f"lab:{slug}"] = {n: fact(fields, n) for n in ("name", "aliases", "city", "country")}
    for slug, fields in catalog.models.items():
        known[f"model:{slug}"] = {n: fact(fields, n) for n in ("name", "lab", "aliases")}
    with services.engine.connect() as conn:
        versions = appendsql.survey(conn, (), known).versions
    for stream, identity in known.items():
        identity["version"] = versions.get(stream, 0)
    return known


def sync_catalog(services: Services, path: Path | None = None) -> tuple[Catalog, int]:
    """Append what changed in the catalog file since the log last saw it; return the catalog."""
    path = path or services.settings.catalog
    catalog = load_catalog(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    origin = Provenance("catalog", path.name, path.resolve().as_uri(), digest)
    events = [
        replace(event, source=origin)
        for event in catalog_events(catalog, known_identities(services), IDENTITY_TIME)
    ]
    appended = len(services.store.append(events).appended) if events else 0
    if appended:
        log.info("catalog synced", file=str(path), appended=appended)
    return catalog, appended
