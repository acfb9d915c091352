"""Licence, open weights, architecture, context length and release date stated in a sentence.

Each descriptor belongs to the model it describes ("the proprietary GPT-4.1", "闭源的Claude"), to
the model named right after release words ("开源发布了其小版本升级——R1-0528"), else to the owner
of its clause (``jobs.extract.attribution``); a coordinated subject ("A and B … under Apache
2.0") shares licence, openness, release date, architecture and context window. Then, per model
and sentence: MoE and dense together say nothing (a family of both); a window reached by
extension gives way to the native one ("256K natively, up to 1M with YaRN"); a hedged sentence
("或已突破", "reportedly") states no context window.
"""

from __future__ import annotations

import re
from typing import Any

from jobs.extract.attribution import Clause, Sentence, owner_at
from jobs.extract.collect import FactSet
from jobs.extract.generic import class_spans
from jobs.extract.hedges import HEDGE
from jobs.extract.licenses import (
    AMBIGUOUS,
    GENERIC,
    PROPRIETARY,
    licence_context,
    licences_in,
    open_weights_in,
)
from jobs.extract.names import Match
from jobs.extract.specs import EXTENDED, architectures, context_lengths, release_dates

#: Between a descriptor and the model it describes: "the proprietary GPT-4.1", "闭源的Claude".
_DESCRIBES = re.compile(r"\s*(?:the\s+|的)?\s*(?:models?\s+|模型|LLM\s+)?\s*", re.IGNORECASE)
#: A name right after a descriptor (same line): a word with a digit, or two capitalised words.
_NEXT_NAME = re.compile(r"[ \t]*(?:the\s+)?([A-Z][a-z][\w.-]*(?:\d|[ \t]+[A-Z][\w.-]*))")
#: Facts that, stated once about "A and B", hold for both.
_GROUP_FIELDS = frozenset({"license", "open_weights", "released_at", "architecture",
                           "context_length"})  # fmt: skip
#: Facts about a release: a model named right after the release words is what was released.
_RELEASE_FIELDS = frozenset({"open_weights", "released_at"})
_RELEASE_TO_NAME = re.compile(
    r"^[^,，;；。]{0,30}?(?:——|—|--|:|：|\s)\s*$|^\s*(?:发布|發布|推出|了|的|新一代|最新)[^,，;；。]{0,20}$"
)
Found = tuple[int, int, str, Any, float]


def add_descriptors(
    facts: FactSet, text: str, sentence: Sentence, names: list[Match], evidence: str
) -> None:
    """Add the descriptors of ``sentence`` to ``facts``."""
    stated: list[tuple[str, str, Any, float, int]] = []
    for first, last, field, value, confidence in _found(text, sentence, names):
        if field in ("license", "open_weights") and _describes_another(text, last, names):
            continue
        for owner, penalty in _owners(text, sentence, first, last, field):
            stated.append((owner, field, value, confidence - penalty, first))
    hedged = HEDGE.search(text, sentence.start, sentence.end) is not None
    for owner, field, value, confidence, first in stated:
        kinds = {v for o, f, v, _c, _p in stated if o == owner and f == field}
        if field == "architecture" and len(kinds) > 1:
            continue
        if field == "context_length" and (
            hedged or _extended_beside(text, sentence, stated, owner, first)
        ):
            continue  # fmt: skip
        facts.add(owner, field, value, evidence, confidence)


def _found(text: str, sentence: Sentence, names: list[Match]) -> list[Found]:
    start, end = sentence.start, sentence.end
    found: list[Found] = [
        (first, last, "context_length", tokens, 0.85)
        for first, last, tokens in context_lengths(text, start, end)
        if not any(m.start <= first < m.end for m in names)
    ]
    classes = class_spans(text, start, end)  # "a dense 70B model": a kind, not a model
    found += [
        (at, at, "architecture", kind, 0.8)
        for at, kind in architectures(text, start, end)
        if not GENERIC.match(text, _word_end(text, at), end)  # "several dense models"
        and not any(s <= at < e for s, e in classes)
    ]
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
    return found


def _owners(
    text: str, sentence: Sentence, first: int, last: int, field: str
) -> list[tuple[str, float]]:
    clause = clause_at(sentence, first)
    described = next((m for m in clause.mentions if m.start >= last), None)
    if described and _DESCRIBES.fullmatch(text, last, described.start):
        return [(described.slug, 0.0)]
    if described and field in _RELEASE_FIELDS and _released_object(text, clause, last):
        return [(described.slug, 0.0)]  # "开源发布了其小版本升级——R1-0528"
    owners, penalty = owner_at(text, clause, first)
    if field in _GROUP_FIELDS and clause.group and owners[:1] == (clause.owner,):
        owners = clause.group  # "gpt-oss-120b and gpt-oss-20b, under Apache 2.0"
    return [(owner, penalty) for owner in owners]


def _extended_beside(
    text: str, sentence: Sentence, stated: list, owner: str, position: int
) -> bool:
    """True if the window at ``position`` is reached by extension and the sentence also
    states a native one for ``owner``."""
    if not EXTENDED.search(text, sentence.start, position):
        return False
    return any(
        o == owner and f == "context_length" and not EXTENDED.search(text, sentence.start, p)
        for o, f, _v, _c, p in stated
    )


def _released_object(text: str, clause: Clause, position: int) -> bool:
    """True if the model named after ``position`` is the object of a release (not compared)."""
    following = [m for m in clause.mentions if m.start >= position]
    if not following or any(s <= following[0].start < e for s, e in clause.comparisons):
        return False
    gap = text[position : following[0].start]
    return len(gap) <= 40 and _RELEASE_TO_NAME.match(gap) is not None


def _describes_another(text: str, position: int, names: list[Match]) -> bool:
    """True if a descriptor is followed by a name the resolver does not know: "API-only Hunyuan
    TurboS", "open-source Wan2.1" say nothing about the sentence's subject."""
    word = _NEXT_NAME.match(text, position)
    return word is not None and not any(m.start == word.start(1) for m in names)


def _word_end(text: str, position: int) -> int:
    while position < len(text) and (text[position].isalnum() or text[position] in "-"):
        position += 1
    return position


def clause_at(sentence: Sentence, position: int) -> Clause:
    """The clause holding ``position`` (a delimiter between clauses counts with the one before)."""
    earlier = [c for c in sentence.clauses if c.start <= position]
    return earlier[-1] if earlier else sentence.clauses[0]
