"""Extraction in the poll: observations → domain events, decided against the current state.

``FactInterpreter`` is the poll pipeline's interpreter (``jobs.poll.Interpreter``): it reads the
projections' current state (models, boards' methods, models registered by sources), extracts
facts from each new or revised item and lets ``decide`` emit only what changes the state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from jobs.boardmethods import BoardMethods
from jobs.catalog import Catalog, Lab, ModelEntry
from jobs.extract.decide import ModelState, decide
from jobs.extract.facts import Fact, extract
from jobs.extract.names import NameResolver
from jobs.itemevents import provenance
from jobs.observation import Observation
from jobs.schedule.sourcefile import SourceConfig
from service.events import NewEvent
from service.projections.authority import LAB
from service.projections.catalog import Catalog as CatalogState
from service.projections.catalog_view import fact
from service.readmodel import ReadModel

_STATE_FIELDS = (
    "lab", "params_total", "params_active", "architecture", "context_length", "license",
    "open_weights", "downloads", "likes", "repo", "lab_by", "repo_links", "weights_repo",
)  # fmt: skip


#: Tier of a fact that only a leaderboard row hinted (``service.projections.facts``).
_HINT_TIER = 0


def _own_fact(fields: Any, name: str) -> Any:
    """The model's own reported fact; a leaderboard row's hint does not count, so that a
    lab's or the news' own report of the same value is still recorded (with its evidence)."""
    entry = fields.get(name)
    if entry is None or entry[0][0] == _HINT_TIER:
        return None
    return entry[1]


def model_states(catalog: CatalogState) -> dict[str, ModelState]:
    """``ModelState`` of every model the log knows, from the catalog projection."""
    states = {}
    for slug, fields in catalog.models.items():
        values: dict[str, Any] = {name: _own_fact(fields, name) for name in _STATE_FIELDS}
        values["repo_links"] = tuple(values["repo_links"] or ())
        released = fact(fields, "released_at")
        held = frozenset(name for name, entry in fields.items() if entry[0][0] == LAB)
        states[slug] = ModelState(
            **values,
            released_at=released.date() if released else None,
            registered=True,
            lab_held=held,
        )
    return states


def learned_models(catalog: CatalogState, config: Catalog) -> list[ModelEntry]:
    """Models the log registered from sources (not in the config catalog), for name lookups."""
    configured = {model.slug for model in config.models}
    return [
        ModelEntry(slug, fact(fields, "name") or slug, fact(fields, "lab"),
                   tuple(fact(fields, "aliases") or ()))
        for slug, fields in catalog.models.items()
        if slug not in configured
    ]  # fmt: skip


def learned_labs(catalog: CatalogState, config: Catalog) -> list[Lab]:
    """Labs the log registered from sources (an unknown organization), for name lookups."""
    configured = {lab.slug for lab in config.labs}
    return [
        Lab(slug, fact(fields, "name") or slug, tuple(fact(fields, "aliases") or ()))
        for slug, fields in catalog.labs.items()
        if slug not in configured
    ]


def _card_facts(observation: Observation, names: NameResolver) -> list[Fact]:
    """What a model card states: it is about its repository's model, which the card calls by
    the repository's name ("Kimi-K2-Thinking" for the board key kimi-k2-thinking-turbo)."""
    subjects = [str(model) for model in observation.fields.get("models") or ()]
    if not subjects:
        return []
    repo = str(observation.fields.get("repo") or "")
    card_names = names.with_aliases(subjects[0], [repo, repo.rsplit("/", 1)[-1]])
    return extract(observation.text, card_names, topic=subjects[0])


class FactInterpreter:
    """Turns a poll's observations into change events."""

    def __init__(self, catalog: Catalog, reads: ReadModel, downloads_threshold: float = 0.10):
        self._catalog = catalog
        self._names = NameResolver.from_catalog(catalog)
        self._reads = reads
        self._threshold = downloads_threshold

    def __call__(
        self,
        conn: Connection,
        source: SourceConfig,
        observations: Sequence[Observation],
        now: datetime,
    ) -> list[NewEvent]:
        states = self._reads.view().states
        known = model_states(states["catalog"])
        methods = BoardMethods(conn, states["standings"])
        names = self._names.with_models(
            learned_models(states["catalog"], self._catalog),
            learned_labs(states["catalog"], self._catalog),
        )
        events: list[NewEvent] = []
        for observation in observations:
            facts = []
            if observation.kind in ("entry", "release", "commit"):
                repo = observation.fields.get("repo")
                topic = names.resolve(repo) if isinstance(repo, str) else None
                text = f"{observation.title or ''}\n{observation.text}"
                facts = extract(text, names, topic=topic)
            elif observation.kind == "model-card":
                facts = _card_facts(observation, names)
            events.extend(
                decide(
                    observation,
                    provenance(source, observation),
                    facts,
                    known,
                    now,
                    self._threshold,
                    boards=methods.at(observation),
                    names=names,
                    lab_hint=source.lab,
                )
            )
        return events
