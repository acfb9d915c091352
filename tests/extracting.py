"""Extraction against the project's catalog: the resolver built once, and facts as tuples."""

from __future__ import annotations

from functools import cache

from jobs.catalog import load_catalog
from jobs.extract.facts import extract
from jobs.extract.names import NameResolver
from tests.conftest import CATALOG

B = 10**9


@cache
def resolver() -> NameResolver:
    return NameResolver.from_catalog(load_catalog(CATALOG))


def facts_of(text: str, topic: str | None = None) -> set[tuple[str, str, object]]:
    """``(model, field, value)`` of every fact ``text`` states, mentions left out."""
    return {
        (f.model, f.field, f.value)
        for f in extract(text, resolver(), topic)
        if f.field != "mention"
    }
