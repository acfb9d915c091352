"""How competing reports of one fact are ranked, shared by the folds that keep facts.

The conflict rule: of two reports of the same field, the one with the higher *tier* wins,
then the higher ``confidence``, then the later ``occurred_at``, then the later log position.
The position makes the order total, so every fold of the same events picks the same winner
whatever the order it saw them in.

- Tier ``LAB`` (2, spec fields only, ``service.projections.authority``): a figure the lab itself
  stated (its model card, its own feed or listing).
- Tier ``OWN`` (1): a lab's or model's own facts — registration, release, spec, license,
  downloads.
- Tier ``HINT`` (0): what a leaderboard row says about a model (``open_weights``, ``license``,
  ``name``); it only counts while no own fact of that field exists.

A report without ``confidence`` counts as 1.0: it is structured data (a registry entry, an API
field), not a sentence an extractor read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.events import Foldable

#: ``(tier, confidence, occurred_at, position)`` — compare with ``>`` to apply the rule.
FactKey = tuple[int, float, datetime, int]

OWN = 1
HINT = 0


def fact_key(event: Foldable, tier: int) -> FactKey:
    """The rank of ``event``'s report of a fact at ``tier``."""
    confidence = event.data.get("confidence")
    return (
        tier,
        1.0 if confidence is None else float(confidence),
        event.occurred_at,
        event.position,
    )


def is_proprietary(license_name: str) -> bool:
    """True if ``license_name`` says closed weights (``Proprietary``, any case: docs/design.md
    §5)."""
    return license_name.strip().lower() == "proprietary"


def open_weights_of(data: dict[str, Any]) -> bool | None:
    """Whether a payload says the weights are open: its flag, else read from its license.

    A named license other than ``Proprietary`` means open weights (a leaderboard's License
    column names the license of open models and says ``Proprietary`` for the rest). None when
    the payload has neither key: the folds' per-row hot paths test that before calling.
    """
    flag = data.get("open_weights")
    if flag is not None:
        return bool(flag)
    license_name = data.get("license")
    if not license_name:
        return None
    found = _OPEN.get(license_name) if isinstance(license_name, str) else None
    if found is None:
        found = not is_proprietary(str(license_name))
        if isinstance(license_name, str) and len(_OPEN) < 4096:
            _OPEN[license_name] = found  # a handful of licence names: every score row asks
    return found


#: License name -> open weights (``open_weights_of`` runs on every score row, in three folds).
_OPEN: dict[str, bool] = {}
