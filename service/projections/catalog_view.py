"""Reading the catalog: current facts, docs/design.md §6 ``model`` shapes, each fact's origin."""

from __future__ import annotations

from typing import Any

from service.clock import format_time
from service.projections import weights as weights_rules
from service.projections.catalog import Catalog, Fields
from service.projections.disputes import REPORTS

_MODEL_KEYS = (
    "name",
    "lab",
    "params_total",
    "params_active",
    "architecture",
    "context_length",
    "modality",
    "license",
    "downloads",
    "likes",
)


def fact(fields: Fields | None, name: str) -> Any:
    """The current value of one field, or None if nothing reported it."""
    if fields is None:
        return None
    found = fields.get(name)
    return None if found is None else found[1]


def lab_of(catalog: Catalog, model: str) -> str | None:
    """The slug of ``model``'s lab, or None."""
    return fact(catalog.models.get(model), "lab")


def place_of(catalog: Catalog, model: str) -> tuple[str | None, str | None, str | None]:
    """``(lab, city, country)`` of ``model``; the city and country are its lab's."""
    lab = lab_of(catalog, model)
    lab_fields = catalog.labs.get(lab) if lab is not None else None
    return lab, fact(lab_fields, "city"), fact(lab_fields, "country")


def weights(catalog: Catalog, model: str) -> str:
    """``model``'s weights status: open | claimed | closed | unknown (docs/design.md §4)."""
    return weights_rules.of_fields(catalog.models.get(model))


def open_weights(catalog: Catalog, model: str) -> bool | None:
    """Whether ``model``'s weights are open: true only with evidence, false only if closed."""
    return weights_rules.open_weights_flag(weights(catalog, model))


def model_view(catalog: Catalog, slug: str) -> dict[str, Any] | None:
    """The docs/design.md §6 ``model`` shape (plus spec extras and aliases), or None if unknown."""
    fields = catalog.models.get(slug)
    if fields is None:
        return None
    view: dict[str, Any] = {key: fact(fields, key) for key in _MODEL_KEYS}
    _lab, city, country = place_of(catalog, slug)
    released = fact(fields, "released_at")
    status = weights_rules.of_fields(fields)
    view.update(
        slug=slug,
        city=city,
        country=country,
        open_weights=weights_rules.open_weights_flag(status),
        weights=status,
        weights_repo=fact(fields, weights_rules.REPO_FIELD),
        released_at=format_time(released) if released is not None else None,
        aliases=list(fact(fields, "aliases") or ()),
    )
    return view


def lab_view(catalog: Catalog, slug: str) -> dict[str, Any] | None:
    """A lab's identity ``{slug, name, aliases, city, country}``, or None if unknown."""
    fields = catalog.labs.get(slug)
    if fields is None:
        return None
    return {
        "slug": slug,
        "name": fact(fields, "name"),
        "aliases": list(fact(fields, "aliases") or ()),
        "city": fact(fields, "city"),
        "country": fact(fields, "country"),
    }


def provenance(catalog: Catalog, kind: str, slug: str) -> dict[str, int]:
    """``{field: position}`` of the event behind each current fact of a ``lab`` or ``model``."""
    table = catalog.labs if kind == "lab" else catalog.models
    fields = table.get(slug) or {}
    return {name: key[3] for name, (key, _value) in sorted(fields.items()) if name != REPORTS}
