"""Whose statement a fact is: the lab's own, or a secondary page's (docs/design.md §4).

A lab's own statement is ``"lab"``: what a model card says about its own model, and what a
source whose ``lab`` setting is the model's lab says about that model — the lab's release and
commit feeds, its Hugging Face listing, a news feed it publishes itself. Everything else
(press, aggregators, wikis, a board's metadata, a lab's words about a rival's model in a
comparison table) is ``"press"``. A size read from a model's name is nominal (``gpt-oss-120b``
has 117B parameters), never the lab's statement of the count. The catalog ranks a lab's report
above any secondary page's (``service.projections.authority``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from jobs.extract.collect import Fact

LAB = "lab"
PRESS = "press"
#: Observation kinds a lab's source publishes about its own models.
LAB_KINDS = frozenset({"hf-model", "release", "commit", "entry"})


def authority_of(
    kind: str,
    source_lab: str | None,
    lab_of: Callable[[str], str | None],
    card_models: Collection[str] = (),
) -> Callable[[Fact], str]:
    """The authority of each fact of an observation of ``kind`` from a source whose ``lab``
    setting is ``source_lab``; ``lab_of`` gives a model's lab; ``card_models`` are the models
    a ``model-card`` observation is the card of."""

    def authority(fact: Fact) -> str:
        if fact.nominal:
            return PRESS
        if kind == "model-card":
            return LAB if fact.model in card_models else PRESS
        if kind in LAB_KINDS and source_lab is not None and lab_of(fact.model) == source_lab:
            return LAB
        return PRESS

    return authority
