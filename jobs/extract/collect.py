"""Facts as extraction collects them: one per (model, field, value), with its best confidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing a text says about one model."""

    model: str
    field: str
    value: Any
    evidence: str
    confidence: float
    #: Read from a model's name (``Qwen3-235B-A22B``): nominal, never a lab's statement.
    nominal: bool = False


class FactSet:
    """Facts in text order; one per (model, field, value), with its best confidence."""

    def __init__(self) -> None:
        self._facts: dict[tuple[str, str, Any], Fact] = {}
        self._from_names: set[tuple[str, str, Any]] = set()
        self._mentioned: set[str] = set()

    def add(
        self,
        model: str,
        field: str,
        value: Any,
        evidence: str,
        confidence: float,
        *,
        name: bool = False,
    ) -> None:
        if field == "mention":
            if model in self._mentioned:
                return  # one mention per model: the first sentence that names it
            self._mentioned.add(model)
        key = (model, field, value)
        existing = self._facts.get(key)
        if existing is None or existing.confidence < confidence:
            nominal = name and (existing is None or existing.nominal)
            self._facts[key] = Fact(model, field, value, evidence, round(confidence, 2), nominal)
        if not name:
            self._from_names.discard(key)
        elif existing is None:
            self._from_names.add(key)

    def all(self) -> list[Fact]:
        stated = {key[:2] for key in self._facts if key not in self._from_names}
        return [
            fact
            for key, fact in self._facts.items()
            if key not in self._from_names or key[:2] not in stated
        ]
