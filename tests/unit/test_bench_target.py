"""``make bench`` runs every benchmark script in bench/ (helpers aside)."""

from __future__ import annotations

import re

from tests.conftest import ROOT

HELPERS = {"__init__", "common", "eventsourcing_ref", "scalelog"}


def test_make_bench_lists_every_benchmark() -> None:
    """Each bench/*.py that is not a helper module is in the Makefile's BENCHMARKS."""
    makefile = (ROOT / "Makefile").read_text()
    listed = set(re.search(r"^BENCHMARKS := (.*)$", makefile, re.M).group(1).split())  # type: ignore[union-attr]
    scripts = {path.stem for path in (ROOT / "bench").glob("*.py")} - HELPERS
    assert listed == scripts
    for name in scripts:
        assert '__name__ == "__main__"' in (ROOT / "bench" / f"{name}.py").read_text(), name
