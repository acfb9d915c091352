"""Choosing and ordering models: the filters and sorts of ``/api/v1/models`` and the dashboard's
models index (docs/design.md §6). Pure functions over the ``model`` shape."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WEIGHTS = ("open", "claimed", "closed", "unknown")
_COUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmbt]?)\s*$", re.IGNORECASE)
MAX_COUNT = 10**18  # far beyond any model; keeps the value an exact, storable integer
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}


def parse_count(text: str) -> int:
    """``"355000000000"``, ``"355B"``, ``"1.5T"``, ``"7b"`` as an integer count.

    Raises ``ValueError`` naming the accepted forms."""
    found = _COUNT.match(text)
    value = float(found.group(1)) * _SCALE[found.group(2).lower()] if found else -1.0
    if not 0 <= value <= MAX_COUNT:
        raise ValueError(f"not a parameter count: {text[:40]!r} (e.g. 70B, 1.5T, 7000000000)")
    return int(value)


def weights_of(model: dict[str, Any]) -> str:
    """The model's weights status (docs/design.md §4): its ``weights`` field where the catalog
    gives one, else read from ``open_weights`` (true: open, false: closed, null: unknown)."""
    status = model.get("weights")
    if status in WEIGHTS:
        return str(status)
    flag = model.get("open_weights")
    return "unknown" if flag is None else ("open" if flag else "closed")


def _same(value: Any, wanted: str) -> bool:
    return value is not None and str(value).strip().lower() == wanted.strip().lower()


@dataclass(frozen=True, slots=True)
class ModelFilter:
    """Every given condition must hold; text matches ignore case; the parameter range is
    inclusive and leaves out models whose size is unknown."""

    lab: str | None = None
    city: str | None = None
    country: str | None = None
    license: str | None = None
    weights: str | None = None
    params_min: int | None = None
    params_max: int | None = None
    slugs: frozenset[str] | None = None

    def matches(self, model: dict[str, Any]) -> bool:
        if self.slugs is not None and model["slug"] not in self.slugs:
            return False
        texts = (
            ("lab", self.lab),
            ("city", self.city),
            ("country", self.country),
            ("license", self.license),
        )
        if any(wanted is not None and not _same(model.get(key), wanted) for key, wanted in texts):
            return False
        if self.weights is not None and weights_of(model) != self.weights:
            return False
        size = model.get("params_total")
        if self.params_min is not None and (size is None or size < self.params_min):
            return False
        return not (self.params_max is not None and (size is None or size > self.params_max))


#: Sort keys of the models index: each gives (missing?, value) so unknowns sort last.
SORTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "name": lambda m: (False, (m.get("name") or m["slug"]).lower()),
    "slug": lambda m: (False, m["slug"]),
    "lab": lambda m: (m.get("lab") is None, m.get("lab") or ""),
    "city": lambda m: (m.get("city") is None, m.get("city") or ""),
    "released": lambda m: (m.get("released_at") is None, m.get("released_at") or ""),
    "params": lambda m: (m.get("params_total") is None, m.get("params_total") or 0),
    "rank": lambda m: (m.get("rank") is None, m.get("rank") or 0),
}


def sort_models(
    models: list[dict[str, Any]], key: str, descending: bool = False
) -> list[dict[str, Any]]:
    """``models`` ordered by ``key`` (one of ``SORTS``); unknown values last either way."""
    get = SORTS[key]
    known = [m for m in models if not get(m)[0]]
    unknown = [m for m in models if get(m)[0]]
    known.sort(key=lambda m: (get(m)[1], m["slug"]), reverse=descending)
    return known + sorted(unknown, key=lambda m: m["slug"])
