"""``extract``: the facts a news text states about models, each with its evidence and confidence.

Fields: ``params_total`` / ``params_active`` (int), ``license`` (SPDX-like), ``open_weights``
(bool), ``architecture`` (``moe`` | ``dense``), ``context_length`` (int tokens), ``released_at``
(ISO date, only from a full date) and ``mention`` (value: the sentence). Whom a statement is
about is decided by ``jobs.extract.attribution``; which numbers are parameter counts by
``jobs.extract.params`` and ``jobs.extract.sizes``.

Confidence: 0.9 for an explicit "N parameters" / 参数 phrase, 0.85 for "N active" / "N total",
a licence or a context window, 0.8 for a size in a model's name or an architecture, 0.7 for
"a N model", open weights or a release date, 0.6 for a size borrowed from a parallel figure;
minus 0.1 when the model is a pronoun's topic and 0.2 when it is a model compared with.
A size read from a name gives way to a different size the text states for the same model
(``gpt-oss-120b … 117B parameters``).
"""

from __future__ import annotations

import re

from jobs.extract.attribution import read_sentences
from jobs.extract.clean import clean
from jobs.extract.collect import Fact, FactSet
from jobs.extract.descriptors import add_descriptors
from jobs.extract.names import Match, NameResolver
from jobs.extract.numbers import name_sizes
from jobs.extract.shortnames import short_forms, short_names
from jobs.extract.sizes import sentence_sizes
from jobs.extract.tables import find_tables, table_facts
from jobs.extract.text import Normalized
from jobs.extract.unknown import unknown_names

EVIDENCE_CHARS = 300


def extract(text: str, resolver: NameResolver, topic: str | None = None) -> list[Fact]:
    """The facts ``text`` states; ``topic`` is the model a leading "It …" refers to.

    The text is cleaned first (``jobs.extract.clean``); tables are read by
    ``jobs.extract.tables`` and the prose around them sentence by sentence. Evidence is quoted
    from ``text`` as given.
    """
    cleaned = clean(text)
    tables = find_tables(cleaned.text)
    norm = _masked(cleaned.text, [(table.start, table.end) for table in tables])
    facts = FactSet()
    known = resolver.find(norm)
    known = sorted([*known, *short_names(norm, known, short_forms(resolver.entries()))],
                   key=lambda m: m.start)  # fmt: skip
    mentions = sorted(
        [*known, *unknown_names(norm, known, lambda name: resolver.lab_of(name) is not None)],
        key=lambda m: m.start,
    )
    sentences = read_sentences(norm, mentions, topic)
    for sentence in sentences:
        evidence = _quote(text, cleaned, sentence.start, sentence.end)
        names = [m for clause in sentence.clauses for m in clause.mentions]
        for match in names:
            facts.add(match.slug, "mention", evidence, evidence, 1.0)
            _name_sizes(facts, match, evidence)
        for model, field, value, confidence in sentence_sizes(norm, sentence, names):
            facts.add(model, field, value, evidence, confidence)
        add_descriptors(facts, norm, sentence, names, evidence)
    for table in tables:
        before = [s.subject for s in sentences if s.end <= table.start and s.subject]
        found, named = table_facts(table, resolver, before[-1] if before else topic)
        for match in named:
            evidence = _quote(text, cleaned, table.start, table.end)
            facts.add(match.slug, "mention", evidence, evidence, 1.0)
            _name_sizes(facts, match, evidence)
        for model, field, stated, start, end in found:
            facts.add(model, field, stated, _quote(text, cleaned, start, end), TABLE_CONFIDENCE)
    return facts.all()


#: A value under an explicit column header is as strong as an explicit "N parameters".
TABLE_CONFIDENCE = 0.9


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the table spans blanked (line breaks kept): prose rules skip tables."""
    if not spans:
        return text
    parts, position = [], 0
    for start, end in spans:
        parts.append(text[position:start])
        parts.append(re.sub(r"[^\n]", " ", text[start:end]))
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _quote(original: str, cleaned: Normalized, start: int, end: int) -> str:
    """The original text behind ``cleaned.text[start:end]``, trimmed to the evidence size."""
    first, last = cleaned.original_span(start, end)
    return original[first:last].strip()[:EVIDENCE_CHARS]


def _name_sizes(facts: FactSet, match: Match, evidence: str) -> None:
    sizes = name_sizes(match.surface)
    if sizes.total:
        facts.add(match.slug, "params_total", sizes.total, evidence, 0.8, name=True)
    if sizes.active:
        facts.add(match.slug, "params_active", sizes.active, evidence, 0.8, name=True)
        facts.add(match.slug, "architecture", "moe", evidence, 0.8)
