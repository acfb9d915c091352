"""Extraction quality: precision, recall and attribution errors per language and per set.

    python bench/extraction_report.py [--cases]

Sets (``tests/fixtures/``): ``rules`` (the cases written beside the extractor), ``dev`` (the
development part of the evaluation set from real published text, tuned on) and ``held-out``
(its frozen part, written before any rule change and never tuned on: its figures are reported,
not asserted) and ``held-out-2`` (a second frozen part, from pages no earlier case used,
written before the next round of rule changes). Runs ``extract`` with the bundled catalog on
every case and scores (model, field, value) facts about models the catalog knows, mentions
aside; prints a table, the time the extraction took, and one JSON line. ``--cases`` also
lists each wrong fact.
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
from tests.unit.extraction_cases import (
    CASES_FILE,
    DEV_FILE,
    HELDOUT2_FILE,
    HELDOUT_FILE,
    LANGUAGES,
    Case,
    found_facts,
    load_cases,
    score,
)

ROOT = Path(__file__).resolve().parents[1]
SETS = {"rules": CASES_FILE, "dev": DEV_FILE, "held-out": HELDOUT_FILE,
        "held-out-2": HELDOUT2_FILE}  # fmt: skip


def main() -> None:
    """Score every set and print the report."""
    resolver = NameResolver.from_catalog(load_catalog(ROOT / "config" / "catalog.toml"))
    rows: list[list[object]] = []
    summary: dict[str, object] = {}
    total_cases, total_seconds = 0, 0.0
    for name, path in SETS.items():
        if not path.exists():
            continue
        cases = load_cases(path)
        started = time.perf_counter()
        tallies = score(cases, lambda case: run(resolver, case), resolver.knows)
        total_seconds += time.perf_counter() - started
        total_cases += len(cases)
        for lang in (*LANGUAGES, "all"):
            tally = tallies.get(lang)
            if tally is None:
                continue
            count = sum(case.lang == lang or lang == "all" for case in cases)
            ratios = [f"{tally.precision:.3f}", f"{tally.recall:.3f}"]
            rows.append([name, lang, count, tally.tp, tally.fp, tally.fn, *ratios,
                         tally.attribution])  # fmt: skip
            summary[f"{name}/{lang}"] = {
                "precision": round(tally.precision, 4),
                "recall": round(tally.recall, 4),
                "attribution_errors": tally.attribution,
            }
        if "--cases" in sys.argv:
            _print_errors(name, cases, resolver)
    summary["cases"] = total_cases
    summary["seconds"] = round(total_seconds, 3)
    summary["ms_per_case"] = round(1000 * total_seconds / max(total_cases, 1), 3)
    headers = ["set", "language", "cases", "tp", "fp", "fn", "precision", "recall", "attrib."]
    report("extraction precision / recall / attribution errors", headers, rows, summary)


def run(resolver: NameResolver, case: Case) -> list[Fact]:
    return extract(case.text, resolver, case.topic)


def _print_errors(name: str, cases: list[Case], resolver: NameResolver) -> None:
    for case in cases:
        found = found_facts(case, lambda c: run(resolver, c), resolver.knows)
        wrong = sorted(found - case.expected, key=str)
        missed = sorted(case.expected - found, key=str)
        if wrong or missed:
            print(f"[{name}] {case.id or case.text[:30]!r} ({case.lang}, {case.form})")
            for fact in wrong:
                print(f"    + {fact}")
            for fact in missed:
                print(f"    - {fact}")


if __name__ == "__main__":
    main()
