"""One leaderboard row in crownlog's shape: model, score, rank, license, open weights, votes, CI."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from jobs.fetch.xmlsafe import clean_text

# Licenses that name no license at all: open weights stay unknown.
_NO_LICENSE = frozenset({"", "-", "n/a", "na", "none", "null", "unknown", "?"})
_TRUE = frozenset({"true", "yes", "y", "1", "open"})
_FALSE = frozenset({"false", "no", "n", "0", "closed"})
_RELATIVE_CI = re.compile(r"^\s*\+\s*([\d.]+)\s*/\s*-\s*([\d.]+)\s*$")  # "+3/-5"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


class Columns:
    """Our column names mapped to the board's (``[source.columns]``), matched case-blind; a
    column may name several of the board's, tried in order (a board that renamed a column)."""

    def __init__(self, mapping: Mapping[str, str | tuple[str, ...]]) -> None:
        self._mapping = {
            ours: (theirs,) if isinstance(theirs, str) else tuple(theirs)
            for ours, theirs in mapping.items()
        }

    def name(self, ours: str) -> str:
        """The board's (first) name for our column ``ours``."""
        return self._mapping.get(ours, (ours,))[0]

    def get(self, record: dict[str, Any], ours: str) -> Any:
        """The value of our column ``ours`` in ``record``, or None."""
        for theirs in self._mapping.get(ours, (ours,)):
            if theirs in record:
                return record[theirs]
            folded = theirs.casefold()
            for key, value in record.items():
                if str(key).strip().casefold() == folded:
                    return value
        return None


def read_row(record: dict[str, Any], columns: Columns) -> dict[str, Any] | None:
    """The row in crownlog's shape, or None without a model or a numeric score."""
    model = columns.get(record, "model")
    model = clean_text(str(model)).strip() if isinstance(model, str | int | float) else ""
    score = _number(columns.get(record, "score"))
    if not model or score is None:
        return None
    license_ = columns.get(record, "license")
    license_ = clean_text(license_).strip() or None if isinstance(license_, str) else None
    ci_low, ci_high = _interval(columns.get(record, "ci"), score)
    if ci_low is None:
        ci_low = _number(columns.get(record, "ci_low"))
        ci_high = _number(columns.get(record, "ci_high"))
    return {
        "model": model,
        "score": score,
        "rank": _integer(columns.get(record, "rank")),
        "license": license_,
        "open_weights": open_weights(license_, _boolean(columns.get(record, "open_weights"))),
        "votes": _integer(columns.get(record, "votes")),
        "ci_low": ci_low,
        "ci_high": ci_high,
    }


def open_weights(license_: str | None, stated: bool | None) -> bool | None:
    """``Proprietary`` (any case) is closed; a named license is open unless the row says not."""
    name = (license_ or "").strip().casefold()
    if name == "proprietary":
        return False
    if stated is not None:
        return stated
    return None if name in _NO_LICENSE else True


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("_", "")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold() if isinstance(value, str | int) else None
    return True if text in _TRUE else False if text in _FALSE else None


def _interval(value: Any, score: float) -> tuple[float | None, float | None]:
    """A CI as ``[low, high]``, ``"low, high"`` or relative ``"+3/-5"``; (None, None) else."""
    bounds: list[float | None] = []
    if isinstance(value, list | tuple):
        bounds = [_number(bound) for bound in value]
    elif isinstance(value, str):
        relative = _RELATIVE_CI.match(value)
        if relative:
            return score - float(relative.group(2)), score + float(relative.group(1))
        bounds = [float(number) for number in _NUMBER.findall(value)]
    if len(bounds) != 2 or bounds[0] is None or bounds[1] is None:
        return None, None
    low, high = sorted((bounds[0], bounds[1]))
    return low, high
