"""Whose figure wins: a lab's own statement outranks a secondary page (docs/design.md §4).

A ``ModelSpecReported`` whose payload says ``authority = "lab"`` (the lab's release or commit
feed, its Hugging Face listing, its model card, or a news feed the lab itself publishes; see
``jobs.extract.authority``) is ranked at tier ``LAB``, above every other report of the field
(tier ``OWN`` of ``service.projections.facts``), whatever their confidence or date. Within a tier
the usual rule holds: higher confidence, then later occurred_at, then later position. A report
without ``authority`` (older logs, structured data) is a secondary report at tier ``OWN``.

So a secondary page's figure that disagrees with the lab's stays in the log as evidence (and on
the model page as a dispute, ``service.projections.disputes``) but does not change the fact.
"""

from __future__ import annotations

from service.events import Foldable
from service.projections.facts import OWN, FactKey, fact_key

LAB = 2
#: The payload value that marks a lab's own statement.
LAB_AUTHORITY = "lab"


def spec_key(event: Foldable) -> FactKey:
    """The rank of a spec report: tier ``LAB`` for a lab's own statement, else ``OWN``."""
    return fact_key(event, LAB if event.data.get("authority") == LAB_AUTHORITY else OWN)


def authority_of(tier: int) -> str:
    """``"lab"`` for a report ranked at tier ``LAB``, else ``"press"``."""
    return LAB_AUTHORITY if tier >= LAB else "press"
