"""Placing models in labs: by a source's organization column, or by a lab family pattern.

Both are identity, not news: a ``ModelPlaced`` holds at every world time (dated at the epoch,
like the catalog file's own events), so ``as_of`` views of any date see the model's lab and
city whatever order the board's archive and its metadata were read in. Keys name the model,
the lab and the evidence, so re-reading the same source, or two workers, append it once.
"""

from __future__ import annotations

from jobs.catalog import IDENTITY_TIME
from jobs.extract.emitter import Emitter
from jobs.extract.names import NameResolver


def family_key(model: str, lab: str, pattern: str) -> str:
    """The idempotency key of placing ``model`` in ``lab`` by ``pattern`` (source-independent)."""
    return f"family:{model}:{lab}:{pattern}"


def place_by_family(emitter: Emitter, names: NameResolver | None) -> None:
    """Place every model this batch registers without a lab, where a lab family matches it."""
    if names is None:
        return
    placed = {e.data["model"] for e in emitter.changes if e.type == "ModelPlaced"}
    for event in list(emitter.registrations):
        data = event.data
        if data.get("lab") is not None or data["slug"] in placed:
            continue
        family = names.family_of(data["slug"], data["name"], *data.get("aliases", ()))
        if family is None:
            continue
        payload = {"model": data["slug"], "lab": family.lab, "by": "family"}
        payload["pattern"] = family.pattern
        key = family_key(data["slug"], family.lab, family.pattern)
        emitter.emit(f"model:{data['slug']}", "ModelPlaced", payload, key, IDENTITY_TIME)


def place_by_organization(
    emitter: Emitter,
    model: str,
    lab: str,
    organization: str,
    current: tuple[str | None, str | None],
) -> None:
    """Place ``model`` in ``lab`` as the source's organization column says.

    ``current`` is the model's own lab and what placed it (``lab_by``; a family guess is not
    an own lab). A lab from the catalog file or a registration stands; an earlier organization
    placement gives way to a corrected column.
    """
    own_lab, placed_by = current
    if own_lab == lab or (own_lab is not None and placed_by != "organization"):
        return
    data = {"model": model, "lab": lab, "by": "organization", "organization": organization}
    key = f"organization:{model}:{lab}"
    emitter.emit(f"model:{model}", "ModelPlaced", data, key, IDENTITY_TIME)
