"""The extraction case table (``tests/fixtures/extraction_cases.toml``) and its scoring.

Shared by ``tests/unit/test_extract.py`` and ``bench/extraction_report.py``: precision and
recall per language over (model, field, value) facts, mentions aside.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "extraction_cases.toml"
LANGUAGES = ("en", "zh-Hans", "zh-Hant")
FactKey = tuple[str, str, Any]


@dataclass(frozen=True)
class Case:
    """One text, in one language, with the facts it states and the facts it must not yield."""

    lang: str
    text: str
    expected: frozenset[FactKey]
    absent: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    topic: str | None = None
    batch: str = "main"


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    """Every case of the table, in file order."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    return [
        Case(
            lang=entry["lang"],
            text=entry["text"],
            expected=frozenset(tuple(item) for item in entry.get("expect", [])),
            absent=frozenset(tuple(item) for item in entry.get("absent", [])),
            topic=entry.get("topic"),
            batch=entry.get("batch", "main"),
        )
        for entry in document["case"]
    ]


@dataclass
class Tally:
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


Extractor = Callable[[Case], Iterable[Any]]


def found_facts(case: Case, extract: Extractor) -> set[FactKey]:
    """The (model, field, value) the extractor returns for a case, mentions aside."""
    return {(f.model, f.field, f.value) for f in extract(case) if f.field != "mention"}


def score(cases: Iterable[Case], extract: Extractor) -> dict[str, Tally]:
    """Tallies per language, and ``"all"``."""
    tallies: dict[str, Tally] = {}
    for case in cases:
        found = found_facts(case, extract)
        for lang in (case.lang, "all"):
            tally = tallies.setdefault(lang, Tally())
            tally.tp += len(found & case.expected)
            tally.fp += len(found - case.expected)
            tally.fn += len(case.expected - found)
    return tallies
