"""Extraction quality: precision and recall per language over the case table.

    python bench/extraction_report.py

Reads ``tests/fixtures/extraction_cases.toml`` and the bundled catalog, runs ``extract`` on
every case and scores (model, field, value) facts, mentions aside. Rows for the whole table and
for the held-out batch (cases written after the extractor). Prints a table and one JSON line.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report
from jobs.catalog import load_catalog
from jobs.extract.facts import Fact, extract
from jobs.extract.names import NameResolver
from tests.unit.extraction_cases import LANGUAGES, Case, load_cases, score

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Score the table and print the report."""
    resolver = NameResolver.from_catalog(load_catalog(ROOT / "config" / "catalog.toml"))
    cases = load_cases()
    started = time.perf_counter()
    tallies = {
        "all cases": score(cases, lambda case: run(resolver, case)),
        "held-out": score(
            [case for case in cases if case.batch == "held-out"],
            lambda case: run(resolver, case),
        ),
    }
    elapsed = time.perf_counter() - started
    rows: list[list[object]] = []
    summary: dict[str, object] = {"cases": len(cases), "seconds": round(elapsed, 3)}
    for batch, by_language in tallies.items():
        for lang in (*LANGUAGES, "all"):
            tally = by_language.get(lang)
            if tally is None:
                continue
            count = sum(case.lang == lang or lang == "all" for case in _batch(cases, batch))
            ratios = [f"{tally.precision:.3f}", f"{tally.recall:.3f}"]
            rows.append([batch, lang, count, tally.tp, tally.fp, tally.fn, *ratios])
            summary[f"{batch}/{lang}"] = {
                "precision": round(tally.precision, 4),
                "recall": round(tally.recall, 4),
            }
    headers = ["batch", "language", "cases", "tp", "fp", "fn", "precision", "recall"]
    report("extraction precision / recall by language", headers, rows, summary)


def run(resolver: NameResolver, case: Case) -> list[Fact]:
    return extract(case.text, resolver, case.topic)


def _batch(cases: list[Case], batch: str) -> list[Case]:
    return cases if batch == "all cases" else [case for case in cases if case.batch == batch]


if __name__ == "__main__":
    main()
