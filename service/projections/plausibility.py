"""Plausibility of a reported parameter count, against the item and against what is known.

Shared by extraction (``jobs.extract.changes``: the flags go into the ``ModelSpecReported``
payload and a flagged report counts half its confidence, so it never outranks an unflagged
report of the same authority while it stays in the log as evidence) and by the model page's
disputes (``service.projections.disputes``: each other figure judged against the current one).
Flags:

- ``active_exceeds_total`` — an active count above the total (the item's or the known one);
- ``moe_share`` — an MoE's active share outside 2%–60% of its total (a dropped digit:
  ``3550亿`` total with ``32亿`` active);
- ``magnitude`` — ten times or more off the known value ("32亿" for 320亿, 100× typos);
- ``swapped`` — the total equals the known active count, or the reverse (a secondary page that
  swapped the two columns).
"""

from __future__ import annotations

from collections.abc import Mapping

#: An MoE activates between these shares of its parameters: the sparsest of 2025 (Kimi K2 3.2%,
#: Qwen3-Next 3.75%) to Wan2.2 A14B (~52%).
MIN_SHARE, MAX_SHARE = 0.02, 0.60
#: Off by this factor or more from the known value: an order of magnitude.
MAGNITUDE = 9.5


def count_flags(
    field: str,
    value: int,
    known: Mapping[str, int | None],
    item: Mapping[str, set[int]],
) -> tuple[str, ...]:
    """Flags for ``field = value`` given the ``known`` counts (``params_total``,
    ``params_active``) and the counts the same item states for the same model."""
    flags: list[str] = []
    other_field = "params_active" if field == "params_total" else "params_total"
    others = set(item.get(other_field, set()))
    if known.get(other_field) is not None:
        others.add(int(known[other_field]))  # type: ignore[arg-type]
    for other in others:
        total, active = (value, other) if field == "params_total" else (other, value)
        if active > total:
            flags.append("active_exceeds_total")
        elif total and not MIN_SHARE <= active / total <= MAX_SHARE and active != total:
            flags.append("moe_share")
    current = known.get(field)
    if current and value != current:
        ratio = max(value, current) / min(value, current)
        if ratio >= MAGNITUDE:
            flags.append("magnitude")
        if known.get(other_field) == value:
            flags.append("swapped")
    return tuple(dict.fromkeys(flags))
