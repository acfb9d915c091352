"""The extraction case tables and their scoring.

Three tables in ``tests/fixtures/``:

- ``extraction_cases.toml`` — the rule cases written beside the extractor (regression);
- ``extraction_dev.toml`` — the development part of the evaluation set built from real
  published text (issue 11): rules are tuned on it;
- ``extraction_heldout.toml`` — its held-out part, written first and frozen: reported, never
  tuned on;
- ``extraction_heldout2.toml`` — a second held-out part from pages no earlier case used, frozen
  before the rule changes of the session that added it (a fresh measure of generalisation).

Shared by ``tests/unit/test_extract.py``, ``tests/unit/test_extraction_eval.py`` and
``bench/extraction_report.py``: precision, recall and attribution errors per language over
(model, field, value) facts, mentions aside.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES_FILE = FIXTURES / "extraction_cases.toml"
DEV_FILE = FIXTURES / "extraction_dev.toml"
HELDOUT_FILE = FIXTURES / "extraction_heldout.toml"
HELDOUT2_FILE = FIXTURES / "extraction_heldout2.toml"
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
    id: str = ""
    form: str = "prose"
    url: str = ""


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    """Every case of the table at ``path``, in file order."""
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
            id=entry.get("id", ""),
            form=entry.get("form", "prose"),
            url=entry.get("url", ""),
        )
        for entry in document["case"]
    ]


@dataclass
class Tally:
    """True positives, false positives, false negatives and attribution errors.

    An attribution error is a false positive that gave a model what the text says about
    another model (the value is expected for another model of the case), or a fact the case
    lists as absent (a model merely compared with, a shorter name inside a longer one).
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    attribution: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


Extractor = Callable[[Case], Iterable[Any]]


def found_facts(
    case: Case, extract: Extractor, known: Callable[[str], bool] | None = None
) -> set[FactKey]:
    """The (model, field, value) the extractor returns for a case, mentions aside; with
    ``known``, only facts about models it knows (what ``decide`` would record)."""
    return {
        (f.model, f.field, f.value)
        for f in extract(case)
        if f.field != "mention" and (known is None or known(f.model))
    }


def attribution_errors(case: Case, found: set[FactKey]) -> set[FactKey]:
    """Found facts that belong to another model of the case, or that the case forbids."""
    others = {(model, fld, value) for model, fld, value in case.expected}
    errors = set()
    for model, fld, value in found - case.expected:
        if (model, fld) in case.absent or any(
            other != model and (fld, value) == (f2, v2) for other, f2, v2 in others
        ):
            errors.add((model, fld, value))
    return errors


def score(
    cases: Iterable[Case], extract: Extractor, known: Callable[[str], bool] | None = None
) -> dict[str, Tally]:
    """Tallies per language, and ``"all"``."""
    tallies: dict[str, Tally] = {}
    for case in cases:
        found = found_facts(case, extract, known)
        for lang in (case.lang, "all"):
            tally = tallies.setdefault(lang, Tally())
            tally.tp += len(found & case.expected)
            tally.fp += len(found - case.expected)
            tally.fn += len(case.expected - found)
            tally.attribution += len(attribution_errors(case, found))
    return tallies
