"""Catalog and crown-rule changes go into the log before anything depends on them (replay never
reads config)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import structlog

from jobs.catalog import IDENTITY_TIME, Catalog, catalog_events, load_catalog
from jobs.extract.names import NameResolver
from service import appendsql
from service.bootstrap import Services
from service.events import NewEvent, Provenance
from service.projections import crown
from service.projections.catalog import Catalog as CatalogState
from service.projections.catalog_view import fact

log = structlog.get_logger("crownlog.catalog")
RULE_STREAM = "crown:rule"


def known_identities(services: Services) -> dict[str, dict[str, Any]]:
    """Per stream, the identity the log holds for each lab and model, with the stream version."""
    catalog = services.reads.view().states["catalog"]
    known: dict[str, dict[str, Any]] = {}
    for slug, fields in catalog.labs.items():
        known[f"lab:{slug}"] = {
            n: fact(fields, n) for n in ("name", "aliases", "city", "country", "families")
        }
    for slug, fields in catalog.models.items():
        known[f"model:{slug}"] = {n: fact(fields, n) for n in ("name", "lab", "aliases")}
    with services.engine.connect() as conn:
        versions = appendsql.survey(conn, (), known).versions
    for stream, identity in known.items():
        identity["version"] = versions.get(stream, 0)
    return known


def family_placements(catalog: Catalog, state: CatalogState, origin: Provenance) -> list[NewEvent]:
    """``ModelPlaced`` (by family) for every model the log holds without a lab that one of the
    catalog's lab families matches (by slug, name or alias). Keyed by model, lab and pattern:
    a worker repeating it appends nothing, a changed pattern places the model again."""
    families = NameResolver.from_catalog(catalog)
    events = []
    for slug, fields in sorted(state.models.items()):
        if fact(fields, "lab") is not None:
            continue
        names = (slug, fact(fields, "name") or slug, *(fact(fields, "aliases") or ()))
        family = families.family_of(*names)
        if family is None:
            continue
        data = {"model": slug, "lab": family.lab, "by": "family", "pattern": family.pattern}
        key = f"family:{slug}:{family.lab}:{family.pattern}"
        events.append(NewEvent(f"model:{slug}", "ModelPlaced", data, IDENTITY_TIME, origin, key))
    return events


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
    events += family_placements(catalog, services.reads.view().states["catalog"], origin)
    appended = len(services.store.append(events).appended) if events else 0
    if appended:
        log.info("catalog synced", file=str(path), appended=appended)
    return catalog, appended


def sync_crown_rule(services: Services) -> int:
    """Record ``[crown] weights`` in the log when it differs from the rule the log holds.

    Replay never reads config, so the crown fold learns its rule from ``CrownRuleChanged``
    (dated at the epoch: the rule applies to the whole history; ``known_at`` views before
    the change still show the crown as it was decided then). Returns the events appended.
    """
    wanted = services.settings.crown.weights
    current = crown.settle(services.reads.view().states["crown"]).race.rule
    if wanted == current:
        return 0
    with services.engine.connect() as conn:
        version = appendsql.survey(conn, (), [RULE_STREAM]).versions.get(RULE_STREAM, 0)
    event = NewEvent(
        RULE_STREAM,
        "CrownRuleChanged",
        {"weights": wanted, "previous": current},
        IDENTITY_TIME,
        Provenance("settings", "crown.weights"),
        f"crown-rule:v{version}:{wanted}",
    )
    appended = len(services.store.append([event]).appended)
    log.info("crown rule changed", weights=wanted, previous=current)
    return appended
