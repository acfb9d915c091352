"""Figures the sources disagree on: every distinct reported value of a model's spec fields.

The catalog keeps, for each model, the strongest report of each distinct value of a spec field
(``record``, called by the catalog fold on ``ModelSpecReported``) under the field ``reports``.
``disputes_view`` turns them into the model page's ``disputes`` (docs/design.md §6): for each
field where some report disagrees with the current value — by more than rounding (5%) for
counts and context lengths — the current value and each disagreeing one, strongest first, with
its authority (``lab``/``press``), confidence, date, log position and plausibility flags
(the report's own, and ``service.projections.plausibility`` judged against the current
figures). The current value stays what the conflict rule picked
(``service.projections.authority``); a dispute only shows the evidence that disagrees.
"""

from __future__ import annotations

from typing import Any

from service.clock import format_time
from service.projections.authority import authority_of
from service.projections.facts import FactKey
from service.projections.plausibility import count_flags

REPORTS = "reports"
FIELDS = ("params_total", "params_active", "architecture", "context_length")
COUNTS = ("params_total", "params_active")
#: Figures this close to each other are one figure rounded (671B vs 6710亿 vs 0.67T).
ROUNDING = 0.05

#: ``(field, value, tier, confidence, occurred_at ISO, position, flags)``
Entry = tuple[str, Any, int, float, str, int, tuple[str, ...]]
Fields = dict[str, tuple[FactKey, Any]]


def record(fields: Fields, data: dict[str, Any], key: FactKey) -> None:
    """Keep ``data``'s spec values, ranked by ``key``, among the model's ``reports``."""
    reported = [(name, data[name]) for name in FIELDS if data.get(name) is not None]
    if not reported:
        return
    old = fields.get(REPORTS)
    entries = {(e[0], e[1]): _entry(e) for e in (old[1] if old else ())}
    flags = tuple(str(flag) for flag in data.get("flags") or ())
    tier, confidence, occurred_at, position = key
    for name, value in reported:
        entry: Entry = (name, value, tier, confidence, format_time(occurred_at), position, flags)
        prior = entries.get((name, value))
        if prior is None or entry[2:6] > prior[2:6]:
            entries[(name, value)] = entry
    ordered = tuple(sorted(entries.values(), key=lambda e: (e[0], e[5])))
    fields[REPORTS] = (max(old[0], key) if old else key, ordered)


def disputes_view(fields: Fields | None) -> dict[str, list[dict[str, Any]]]:
    """``{field: [report, …]}`` for each spec field the sources disagree on (empty if none)."""
    if not fields or REPORTS not in fields:
        return {}
    current = {name: fields[name][1] for name in FIELDS if name in fields}
    counts = {name: current.get(name) for name in COUNTS}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, value in current.items():
        entries = [_entry(e) for e in fields[REPORTS][1] if e[0] == name]
        others = [e for e in entries if not _agrees(e[1], value)]
        if not others:
            continue
        shown = [e for e in entries if e[1] == value] + others
        shown.sort(key=lambda e: e[2:6], reverse=True)
        out[name] = [_report(e, e[1] == value, counts) for e in shown]
    return out


def _report(entry: Entry, is_current: bool, counts: dict[str, Any]) -> dict[str, Any]:
    name, value, tier, confidence, occurred_at, position, flags = entry
    judged = () if is_current or name not in COUNTS else count_flags(name, value, counts, {})
    return {
        "value": value,
        "current": is_current,
        "authority": authority_of(tier),
        "confidence": confidence,
        "occurred_at": occurred_at,
        "position": position,
        "flags": list(dict.fromkeys((*flags, *judged))),
    }


def _agrees(value: Any, current: Any) -> bool:
    if value == current:
        return True
    numbers = isinstance(value, int | float) and isinstance(current, int | float)
    if not numbers or not value or not current:
        return False
    return abs(value - current) / max(abs(value), abs(current)) <= ROUNDING


def _entry(raw: Any) -> Entry:
    """An entry as stored, or as read back from a snapshot (lists for tuples)."""
    name, value, tier, confidence, occurred_at, position, flags = raw
    return (name, value, tier, confidence, occurred_at, position, tuple(flags))
