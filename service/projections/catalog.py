"""The catalog fold: labs and models with their current facts, each traceable to an event.

State: for every lab and model slug, a dict ``field -> (FactKey, value)``. The ``FactKey``
(``service.projections.facts``) ranks competing reports — higher tier, then higher
``confidence``, then later ``occurred_at``, then later position — and its last item is the
position of the event that set the field, so every fact can be traced back to the log.

Folded: ``LabRegistered``/``LabUpdated`` (name, aliases, city, country, families),
``ModelRegistered`` (name, lab, aliases, family), ``ModelPlaced`` (lab: by organization at
tier 1, by a family pattern at tier 0), ``ModelReleased`` (released_at, open_weights, license,
repo, url; a ``repo`` is also the weights evidence ``weights_repo``), ``WeightsRepoVerified``
(``weights_repo``; the earliest evidence is kept, see ``service.projections.weights``),
``ModelRepoLinked`` (``repo_links``: the candidates), ``ModelSpecReported`` (ranked by
``service.projections.authority``; every distinct figure kept under ``reports``, see
``service.projections.disputes``),
``ModelLicenseChanged``, ``DownloadsReported`` and, as tier-0 hints, a ``ScoreReported`` row's
``open_weights``/``license``/``name``. A payload value of
``None`` reports nothing. An unreadable ``released_at`` is skipped rather than failing a rebuild.

Mutable fold (see ``service.projections.digest``): ``apply`` changes ``state`` in place and
returns it; ``copy`` makes an independent snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.clock import format_time, parse_time
from service.events import Foldable
from service.projections import disputes
from service.projections.authority import spec_key
from service.projections.changes import Changes
from service.projections.dumpcache import DumpCache
from service.projections.facts import HINT, OWN, FactKey, fact_key, open_weights_of
from service.projections.loadcache import load_part
from service.projections.weights import REPO_FIELD

Fact = tuple[FactKey, Any]
Fields = dict[str, Fact]

_LAB_FIELDS = ("name", "aliases", "city", "country", "families")
_REGISTERED_FIELDS = ("name", "lab", "aliases", "family")
_SPEC_FIELDS = ("params_total", "params_active", "architecture", "context_length", "modality")
_TIME_FIELDS = frozenset({"released_at"})


@dataclass(slots=True)
class Catalog:
    """Labs and models by slug, each a dict of ranked facts."""

    labs: dict[str, Fields] = field(default_factory=dict)
    models: dict[str, Fields] = field(default_factory=dict)
    #: The models folded into (``service.projections.changes``): a light snapshot dumps those.
    changes: Changes = field(default_factory=Changes, compare=False, repr=False)


def initial() -> Catalog:
    """An empty catalog."""
    return Catalog()


def _put(fields: Fields, name: str, value: Any, key: FactKey) -> None:
    if value is None:
        return
    old = fields.get(name)
    if old is None or key > old[0]:
        fields[name] = (key, tuple(value) if isinstance(value, list) else value)


def _put_first(fields: Fields, name: str, value: Any, key: FactKey) -> None:
    """Keep the earliest report (by occurred_at, then position): evidence dates a fact."""
    old = fields.get(name)
    if old is None or (key[2], key[3]) < (old[0][2], old[0][3]):
        fields[name] = (key, value)


def _model(state: Catalog, slug: str) -> Fields:
    """The facts of model ``slug``, to change: every change of a model goes through here."""
    fields = state.models.get(slug)
    if fields is None:
        fields = state.models[slug] = {}
    state.changes.touch(slug)
    return fields


def _lab(state: Catalog, event: Foldable) -> Catalog:
    data, key = event.data, fact_key(event, OWN)
    fields = state.labs.setdefault(data["slug"], {})
    for name in _LAB_FIELDS:
        _put(fields, name, data.get(name), key)
    return state


def _registered(state: Catalog, event: Foldable) -> Catalog:
    data, key = event.data, fact_key(event, OWN)
    fields = _model(state, data["slug"])
    for name in _REGISTERED_FIELDS:
        _put(fields, name, data.get(name), key)
    return state


def _released(state: Catalog, event: Foldable) -> Catalog:
    data, key = event.data, fact_key(event, OWN)
    fields = _model(state, data["model"])
    # A bad date in one event must not stop every later rebuild: skip that field.
    with suppress(ValueError):
        _put(fields, "released_at", parse_time(str(data["released_at"])), key)
    _put(fields, "open_weights", open_weights_of(data), key)
    for name in ("license", "repo", "url"):
        _put(fields, name, data.get(name), key)
    if data.get("repo"):
        # A listing entry is a downloadable repository: evidence, dated by its creation.
        _put_first(fields, REPO_FIELD, data["repo"], key)
    return state


def _verified(state: Catalog, event: Foldable) -> Catalog:
    data = event.data
    _put_first(_model(state, data["model"]), REPO_FIELD, data["repo"], fact_key(event, OWN))
    return state


def _linked(state: Catalog, event: Foldable) -> Catalog:
    data, key = event.data, fact_key(event, OWN)
    fields = _model(state, data["model"])
    old = fields.get("repo_links")
    repos = tuple(sorted({*(old[1] if old else ()), data["repo"]}))
    fields["repo_links"] = (max(old[0], key) if old else key, repos)
    return state


def _placed(state: Catalog, event: Foldable) -> Catalog:
    data = event.data
    # A board's organization column is the lab's own statement; a name pattern only a guess.
    key = fact_key(event, OWN if data["by"] == "organization" else HINT)
    fields = _model(state, data["model"])
    _put(fields, "lab", data["lab"], key)
    _put(fields, "lab_by", data["by"], key)
    return state


def _spec(state: Catalog, event: Foldable) -> Catalog:
    # A lab's own figure outranks a secondary page's; every distinct figure stays on record.
    data, key = event.data, spec_key(event)
    fields = _model(state, data["model"])
    for name in _SPEC_FIELDS:
        _put(fields, name, data.get(name), key)
    disputes.record(fields, data, key)
    return state


def _license(state: Catalog, event: Foldable) -> Catalog:
    data, key = event.data, fact_key(event, OWN)
    fields = _model(state, data["model"])
    _put(fields, "license", data["license"], key)
    _put(fields, "open_weights", open_weights_of(data), key)
    return state


def _downloads(state: Catalog, event: Foldable) -> Catalog:
    data, key = event.data, fact_key(event, OWN)
    fields = _model(state, data["model"])
    _put(fields, "downloads", data["downloads"], key)
    _put(fields, "likes", data.get("likes"), key)
    return state


def _score(state: Catalog, event: Foldable) -> Catalog:
    data = event.data
    if "open_weights" not in data and "license" not in data and "name" not in data:
        return state  # the common case on the hot path: a bare score row
    flag, license_name, name = open_weights_of(data), data.get("license"), data.get("name")
    known = state.models.get(data["model"])
    if (
        known is not None
        and (flag is None or _outranks(known.get("open_weights")))
        and (license_name is None or _outranks(known.get("license")))
        and (name is None or _outranks(known.get("name")))
    ):
        return state  # the model's own reports of all three rank above any hint: no change
    key = fact_key(event, HINT)
    fields = _model(state, data["model"])
    _put(fields, "open_weights", flag, key)
    _put(fields, "license", license_name, key)
    _put(fields, "name", name, key)
    return state


def _outranks(fact: Fact | None) -> bool:
    """Whether ``fact`` was reported above the tier of a hint (no hint can replace it)."""
    return fact is not None and fact[0][0] > HINT


HANDLERS: dict[str, Callable[[Catalog, Foldable], Catalog]] = {
    "LabRegistered": _lab,
    "LabUpdated": _lab,
    "ModelRegistered": _registered,
    "ModelPlaced": _placed,
    "ModelReleased": _released,
    "WeightsRepoVerified": _verified,
    "ModelRepoLinked": _linked,
    "ModelSpecReported": _spec,
    "ModelLicenseChanged": _license,
    "DownloadsReported": _downloads,
    "ScoreReported": _score,
}


def apply(state: Catalog, event: Foldable) -> Catalog:
    """Fold one event into the catalog (in place); other event types are ignored."""
    handler = HANDLERS.get(event.type)
    return handler(state, event) if handler else state


def copy(state: Catalog) -> Catalog:
    """An independent snapshot of ``state`` (facts are immutable tuples, so two levels do)."""
    return Catalog(
        labs={slug: dict(fields) for slug, fields in state.labs.items()},
        models={slug: dict(fields) for slug, fields in state.models.items()},
    )


def dump_facts(fields: Fields) -> dict[str, list[Any]]:
    """A lab's or a model's facts, JSON-safe."""
    out = {}
    for name, ((tier, confidence, occurred_at, position), value) in fields.items():
        if isinstance(value, datetime):
            value = format_time(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = [value, tier, confidence, format_time(occurred_at), position]
    return out


def _load_fields(dumped: dict[str, list[Any]]) -> Fields:
    fields: Fields = {}
    for name, (value, tier, confidence, occurred_at, position) in dumped.items():
        if name in _TIME_FIELDS:
            value = parse_time(value)
        elif isinstance(value, list):
            value = tuple(value)
        fields[name] = ((tier, confidence, parse_time(occurred_at), position), value)
    return fields


def dump(state: Catalog, cache: DumpCache | None = None) -> dict[str, Any]:
    """A JSON-safe dict of ``state`` (for snapshots and digests); with ``cache``, each lab's
    and model's facts as their JSON text, reused while they do not change."""
    if cache is None:
        return {
            "labs": {slug: dump_facts(fields) for slug, fields in state.labs.items()},
            "models": {slug: dump_facts(fields) for slug, fields in state.models.items()},
        }
    return {
        "labs": cache.fragments("lab", state.labs, dump_facts),
        "models": cache.fragments("model", state.models, dump_facts),
    }


def load(dumped: dict[str, Any]) -> Catalog:
    """The catalog ``dump`` was made from (with or without a cache)."""
    return Catalog(
        labs={slug: load_part(fields, _load_fields) for slug, fields in dumped["labs"].items()},
        models={slug: load_part(fields, _load_fields) for slug, fields in dumped["models"].items()},
    )
