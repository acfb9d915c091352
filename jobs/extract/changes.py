"""Facts compared with a model's current state, and the change events that follow.

Only differences become events: a fact equal to the state's value appends nothing. Two
different values for one field in one item are both reported; the projection's rule (see
``jobs.extract.decide``) picks the current one. Every spec report carries its ``authority``
(``jobs.extract.authority``: a lab's own statement outranks a secondary page's); a parameter
count also carries the ``flags`` of ``service.projections.plausibility`` and, when flagged, half
its confidence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from jobs.extract.authority import LAB, PRESS
from jobs.extract.emitter import Emitter
from jobs.extract.facts import Fact
from jobs.extract.licenses import is_open
from service.projections.plausibility import count_flags

if TYPE_CHECKING:
    from jobs.extract.decide import ModelState

SPEC_FIELDS = ("params_total", "params_active", "architecture", "context_length")
COUNT_FIELDS = ("params_total", "params_active")
Authority = Callable[[Fact], str]


def fact_events(
    emitter: Emitter,
    facts: list[Fact],
    state_of: Callable[[str], ModelState],
    known: Callable[[str], bool],
    authority: Authority = lambda fact: PRESS,
) -> None:
    """Emit mentions, specs, releases and licence changes stated by ``facts``."""
    by_model: dict[str, dict[tuple[str, Any], Fact]] = {}
    for fact in facts:
        if not known(fact.model):
            continue  # a repo id in the news of a model nobody registered: nothing to attach to
        slot = by_model.setdefault(fact.model, {})
        key = (fact.field, fact.value)
        if key not in slot or slot[key].confidence < fact.confidence:
            slot[key] = fact
    for model, model_facts in by_model.items():
        current = state_of(model)
        ordered = list(model_facts.values())
        _mention(emitter, model, ordered)
        counts = {name: {f.value for f in ordered if f.field == name} for name in COUNT_FIELDS}
        known_counts = {name: getattr(current, name) for name in COUNT_FIELDS}
        for fact in ordered:
            if fact.field not in SPEC_FIELDS:
                continue
            said_by = authority(fact)
            if fact.value != getattr(current, fact.field) or (
                said_by == LAB and fact.field not in current.lab_held
            ):
                data = {"model": model, fact.field: fact.value, **_cited(fact)}
                data["authority"] = said_by
                flags = (
                    count_flags(fact.field, fact.value, known_counts, counts)
                    if fact.field in COUNT_FIELDS
                    else ()
                )
                if flags:
                    data.update(flags=list(flags), confidence=round(fact.confidence / 2, 3))
                emitter.emit(
                    f"model:{model}",
                    "ModelSpecReported",
                    data,
                    emitter.key("spec", model, fact.field, fact.value),
                )
        _release(emitter, model, ordered, current)
        _licence(emitter, model, ordered, current)


def _mention(emitter: Emitter, model: str, facts: list[Fact]) -> None:
    mention = next((fact for fact in facts if fact.field == "mention"), None)
    if mention is None:
        return
    observation = emitter.observation
    data = {"model": model, "snippet": mention.value, "confidence": mention.confidence}
    data.update(
        {
            name: value
            for name, value in (
                ("item_id", observation.item_id),
                ("url", observation.url),
                ("title", observation.title),
            )
            if value is not None
        }
    )
    emitter.emit(f"model:{model}", "ModelMentioned", data, emitter.key("mention", model))


def _release(emitter: Emitter, model: str, facts: list[Fact], current: ModelState) -> None:
    for fact in facts:
        if fact.field != "released_at" or fact.value == _day(current.released_at):
            continue
        data: dict[str, Any] = {"model": model, "released_at": fact.value, **_cited(fact)}
        if current.license is None:
            licence = _best(facts, "license")
            if licence is not None:
                data["license"] = licence.value
        opened = _best(facts, "open_weights")
        if opened is not None:
            data["open_weights"] = opened.value
        emitter.emit(
            f"model:{model}", "ModelReleased", data, emitter.key("released", model, fact.value)
        )


def _licence(emitter: Emitter, model: str, facts: list[Fact], current: ModelState) -> None:
    carried = emitter.released.get(model, {})
    opened = _best(facts, "open_weights")
    licences = [fact for fact in facts if fact.field == "license"]
    for fact in licences:
        if fact.value == current.license or fact.value == carried.get("license"):
            continue
        open_weights = is_open(fact.value)
        data = {
            "model": model,
            "license": fact.value,
            "open_weights": open_weights if opened is None else opened.value,
            "previous": current.license,
            **_cited(fact),
        }
        emitter.emit(
            f"model:{model}", "ModelLicenseChanged", data, emitter.key("license", model, fact.value)
        )
    if (
        opened is not None
        and not licences
        and opened.value != current.open_weights
        and "open_weights" not in carried
        and current.license is not None
    ):
        # Openness changed under a known licence (there is no separate event for it).
        data = {
            "model": model,
            "license": current.license,
            "open_weights": opened.value,
            "previous": current.license,
            **_cited(opened),
        }
        key = emitter.key("open_weights", model, opened.value)
        emitter.emit(f"model:{model}", "ModelLicenseChanged", data, key)


def _day(value: str | date | None) -> str | None:
    """An ISO date from what the projection holds (text, a date or a datetime)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value[:10] if value else None


def _best(facts: list[Fact], field: str) -> Fact | None:
    candidates = [fact for fact in facts if fact.field == field]
    return max(candidates, key=lambda fact: fact.confidence) if candidates else None


def _cited(fact: Fact) -> dict[str, Any]:
    return {"evidence": fact.evidence, "confidence": fact.confidence}
