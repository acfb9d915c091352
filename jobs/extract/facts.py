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
from dataclasses import dataclass
from typing import Any

from jobs.extract.attribution import Clause, Sentence, owner_at, read_sentences
from jobs.extract.licenses import (
    AMBIGUOUS,
    PROPRIETARY,
    licence_context,
    licences_in,
    open_weights_in,
)
from jobs.extract.names import Match, NameResolver
from jobs.extract.numbers import name_sizes
from jobs.extract.sizes import sentence_sizes
from jobs.extract.specs import architectures, context_lengths, release_dates
from jobs.extract.text import normalize

EVIDENCE_CHARS = 300
#: Between a descriptor and the model it describes: "the proprietary GPT-4.1", "闭源的Claude".
_DESCRIBES = re.compile(r"\s*(?:the\s+|的)?\s*(?:models?\s+|模型|LLM\s+)?\s*", re.IGNORECASE)
#: A capitalised word (not an acronym such as API or MIT) right after a descriptor.
_NEXT_NAME = re.compile(r"\s*(?:the\s+)?([A-Z][a-z][\w.-]*)")


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing a text says about one model."""

    model: str
    field: str
    value: Any
    evidence: str
    confidence: float


def extract(text: str, resolver: NameResolver, topic: str | None = None) -> list[Fact]:
    """The facts ``text`` states; ``topic`` is the model a leading "It …" refers to."""
    norm = normalize(text).text
    facts = _Facts()
    for sentence in read_sentences(norm, resolver.find(norm), topic):
        evidence = norm[sentence.start : sentence.end].strip()[:EVIDENCE_CHARS]
        names = [m for clause in sentence.clauses for m in clause.mentions]
        for match in names:
            facts.add(match.slug, "mention", evidence, evidence, 1.0)
            _name_sizes(facts, match, evidence)
        for model, field, value, confidence in sentence_sizes(norm, sentence, names):
            facts.add(model, field, value, evidence, confidence)
        _descriptors(facts, norm, sentence, names, evidence)
    return facts.all()


class _Facts:
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
            self._facts[key] = Fact(model, field, value, evidence, round(confidence, 2))
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


def _name_sizes(facts: _Facts, match: Match, evidence: str) -> None:
    sizes = name_sizes(match.surface)
    if sizes.total:
        facts.add(match.slug, "params_total", sizes.total, evidence, 0.8, name=True)
    if sizes.active:
        facts.add(match.slug, "params_active", sizes.active, evidence, 0.8, name=True)
        facts.add(match.slug, "architecture", "moe", evidence, 0.8)


def _descriptors(
    facts: _Facts, text: str, sentence: Sentence, names: list[Match], evidence: str
) -> None:
    """Licence, open weights, architecture, context length and release date of a sentence."""
    start, end = sentence.start, sentence.end
    found: list[tuple[int, int, str, Any, float]] = [
        (first, last, "context_length", tokens, 0.85)
        for first, last, tokens in context_lengths(text, start, end)
        if not any(m.start <= first < m.end for m in names)
    ]
    found += [(at, at, "architecture", kind, 0.8) for at, kind in architectures(text, start, end)]
    # "MIT" is a licence only where the sentence talks about licensing.
    context = licence_context(text, start, end)
    for first, last, licence in licences_in(text, start, end):
        if licence == PROPRIETARY:
            found += [
                (first, last, "license", licence, 0.8),
                (first, last, "open_weights", False, 0.8),
            ]
        elif context or licence not in AMBIGUOUS:
            found.append((first, last, "license", licence, 0.85))
    found += [(s, e, "open_weights", True, 0.7) for s, e in open_weights_in(text, start, end)]
    found += [(at, at, "released_at", day, 0.7) for at, day in release_dates(text, start, end)]
    for first, last, field, value, confidence in found:
        if field in ("license", "open_weights") and _describes_another(text, last, names):
            continue
        clause = _clause_at(sentence, first)
        described = next((m for m in clause.mentions if m.start >= last), None)
        owners: tuple[str, ...]
        if described and _DESCRIBES.fullmatch(text, last, described.start):
            owners, penalty = (described.slug,), 0.0
        else:
            owners, penalty = owner_at(text, clause, first)
        for owner in owners:
            facts.add(owner, field, value, evidence, confidence - penalty)


def _describes_another(text: str, position: int, names: list[Match]) -> bool:
    """True if a descriptor is followed by a name the resolver does not know: "API-only Hunyuan
    TurboS", "open-source Wan2.1" say nothing about the sentence's subject."""
    word = _NEXT_NAME.match(text, position)
    return word is not None and not any(m.start == word.start(1) for m in names)


def _clause_at(sentence: Sentence, position: int) -> Clause:
    """The clause holding ``position`` (a delimiter between clauses counts with the one before)."""
    earlier = [c for c in sentence.clauses if c.start <= position]
    return earlier[-1] if earlier else sentence.clauses[0]
