"""Decisions on derived Hugging Face fetches: a verified repository, a model card's facts.

- ``hf-repo``: a repository that exists, is public and enabled, and holds weight files (or
  lists no files at all) is downloadable weights: every model that linked it and has no
  weights repository yet gets ``WeightsRepoVerified``, dated by the repository's creation
  (the weights did not exist before it). A missing, private or empty repository appends
  nothing: the candidate stays a candidate.
- ``model-card``: the lab's own statement about the repository's model. Facts it states about
  that model get the authority of a lab source (at least ``CARD_CONFIDENCE``), so a secondary
  page's figure does not outrank them; facts about other models (comparison tables) keep the
  extraction's own confidence. A card names its model by definition: that is no mention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from jobs.extract.emitter import Emitter, moment
from jobs.extract.facts import Fact

if TYPE_CHECKING:
    from jobs.extract.decide import ModelState

CARD_CONFIDENCE = 0.95


def verification_events(emitter: Emitter, state_of: Callable[[str], ModelState]) -> None:
    """``WeightsRepoVerified`` for the models of a repository the model API shows downloadable."""
    fields = emitter.observation.fields
    repo = str(fields.get("repo") or "")
    if not repo or fields.get("private") or fields.get("disabled"):
        return
    if fields.get("weight_files") == 0:
        return  # a placeholder: the repository exists, the weights are not in it (yet)
    created = moment(fields.get("created_at"))
    for model in fields.get("models") or []:
        if not isinstance(model, str) or state_of(model).weights_repo is not None:
            continue
        data: dict[str, Any] = {
            "model": model,
            "repo": repo,
            "url": f"https://huggingface.co/{repo}",
            "evidence": _evidence(repo, fields),
        }
        if created is not None:
            data["created_at"] = fields["created_at"]
        if fields.get("gated"):
            data["gated"] = fields["gated"]
        key = emitter.key("verified", model, repo)
        emitter.emit(f"model:{model}", "WeightsRepoVerified", data, key, created or emitter.now)


def card_facts(facts: list[Fact], models: list[str]) -> list[Fact]:
    """A model card's facts: its own model's at lab authority, no mentions."""
    own = set(models)
    return [
        replace(fact, confidence=max(fact.confidence, CARD_CONFIDENCE))
        if fact.model in own
        else fact
        for fact in facts
        if fact.field != "mention"
    ]


def _evidence(repo: str, fields: dict[str, Any]) -> str:
    files = fields.get("weight_files")
    held = f"{files} weight files" if files else "files not listed"
    created = fields.get("created_at") or "creation time not stated"
    return f"Hugging Face model API: {repo} is public ({held}), created {created}"
