"""Weights status: ``open | claimed | closed | unknown``, from evidence first and claims second.

docs/design.md §4. A model's weights are

- ``open`` once a weights repository is known: an entry of a Hugging Face listing (a
  ``ModelReleased`` with a ``repo``) or a repository a source linked and the Hugging Face model
  API confirmed (``WeightsRepoVerified``) — dated by the repository's creation time, so a model
  tested on a board before its weights appeared is not open before they did;
- else ``claimed`` or ``closed`` by the winning licence claim (``service.projections.facts``
  ranks them: a model's own reports over a board's licence column): a named licence claims
  open weights, ``Proprietary`` says closed;
- else ``unknown``.

``open_weights`` is true only for ``open`` and false only for ``closed``. The crown goes to a
model whose status the crown rule (``CrownRuleChanged``, setting ``[crown] weights``) allows:
``open`` by default, or ``open`` and ``claimed`` for boards without evidence.
"""

from __future__ import annotations

from typing import Any

OPEN, CLAIMED, CLOSED, UNKNOWN = "open", "claimed", "closed", "unknown"
STATUSES = (OPEN, CLAIMED, CLOSED, UNKNOWN)
#: The crown rules: which statuses a crown holder may have.
RULES: dict[str, frozenset[str]] = {
    OPEN: frozenset({OPEN}),
    CLAIMED: frozenset({OPEN, CLAIMED}),
}
DEFAULT_RULE = OPEN
#: The catalog field that holds a model's weights repository (evidence, earliest first).
REPO_FIELD = "weights_repo"
#: Short forms for tables: the status a reader sees at a glance.
SHORT = {OPEN: "open", CLAIMED: "claimed", CLOSED: "closed", UNKNOWN: "?"}


def status(has_repo: bool, claim: bool | None) -> str:
    """The status of a model with (or without) a known repository and its winning claim."""
    if has_repo:
        return OPEN
    if claim is None:
        return UNKNOWN
    return CLAIMED if claim else CLOSED


def open_weights_flag(weights: str) -> bool | None:
    """``open_weights`` of a status: true only for open, false only for closed."""
    if weights == OPEN:
        return True
    return False if weights == CLOSED else None


def allowed(weights: str, rule: str) -> bool:
    """True if a model of status ``weights`` may hold the crown under ``rule``."""
    return weights in RULES.get(rule, RULES[DEFAULT_RULE])


def of_fields(fields: dict[str, Any] | None) -> str:
    """The status of a model from its catalog fields (``field -> (FactKey, value)``)."""
    if not fields:
        return UNKNOWN
    if REPO_FIELD in fields:
        return OPEN
    claim = fields.get("open_weights")
    return status(False, None if claim is None else bool(claim[1]))
