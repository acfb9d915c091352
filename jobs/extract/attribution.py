"""Who a figure is about: the subject of its clause, a model it is attached to, or the topic.

Rules, in order, for a position inside a clause:

1. A figure right after a model name (``DeepSeek-V3 (671B)``, ``Kimi K2总参数1万亿``,
   ``DeepSeek-V3's 671B``) belongs to that model.
2. Inside a comparison (``than X``, ``versus … X``, ``比X``, ``与X相比``, ``beats X``) it belongs to
   the model compared with, or to nobody if none is named there.
3. Otherwise it belongs to the clause's subject: the first model named in the clause outside
   comparisons. A clause naming none inherits the subject of the previous clause, else of the
   sentence, else the topic: the subject of the previous sentence (``It has …``, ``该模型…``,
   ``其…``), never a model merely compared with. ``which …`` / ``the latter`` / ``后者`` refer to
   the model named last, ``the former`` / ``前者`` to the one before it. In an appositive
   (``X, the first update of Y``) a model after "of" is not the subject.
4. Coordinated subjects with "both" (``A与B总参数均为…``, ``A and B both …``) share the figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jobs.extract.anaphora import PLURAL, group_of, is_object, split_clauses
from jobs.extract.names import Match
from jobs.extract.sentences import Span, clauses, comparisons, sentences

#: Text allowed between a model name and a figure that belongs to it.
_ATTACHED = re.compile(
    r"^\s*[(\[]?\s*(?:'s|’s|的)?\s*(?:(?:总|總|激活|启用|啟用|活跃|活躍)?(?:参数|參數)(?:量|规模|規模)?"
    r"(?:为|為|是|达|達|约|約)?)?\s*(?:~|≈|about|around|约|約)?\s*$",
    re.IGNORECASE,
)
_LAST_NAMED = re.compile(r"^\s*(?:(?:which|who|whose|the\s+latter)\b|后者|後者)", re.IGNORECASE)
_FORMER = re.compile(r"^\s*(?:the\s+former|前者)", re.IGNORECASE)
_OBJECT_OF = re.compile(r"\b(?:of|from)\s+(?:the\s+)?$", re.IGNORECASE)
_JOINED = re.compile(
    r"\s*(?:\([^()]{0,40}\))?\s*(?:与|與|和|及|and|&|、|,)\s*(?:the\s+)?", re.IGNORECASE
)
#: A name followed by one of these names a family ("GLM-4.5系列", "the Qwen3 series").
_HEADING = re.compile(r"[:：]\s*$")
_LISTING = re.compile(r"包含|包括|including|includes|compris|consists\s+of", re.IGNORECASE)
_FAMILY = re.compile(r"\s*(?:系列|家族|series\b|family\b|models\b)", re.IGNORECASE)
_BOTH = re.compile(r"均|都|同样|同樣|\bboth\b|\beach\b|\bshare\s+the\s+same\b", re.IGNORECASE)
#: "DeepSeek v3 is 671B." between sentences about another model: a comparison in passing,
#: which leaves the topic (and the next "It") where it was.
_ASIDE = re.compile(
    r"\s*[A-Z][\w.-]*(?:\s[\w.-]+){0,2}\s+(?:is|was|has)\s+(?:only\s+|just\s+)?"
    r"\d[\d.,]*\s*[BMT]\b\s*[.!]?\s*"
)
#: What may come before a short name that is its clause's subject ("• Scout:", "例如 Maverick").
_OPENS = re.compile(
    r"[\s,、:;()•·*-]*(?:(?:例如|比如|其中|而|但|and|but|while|for\s+example,?)\s*)?",
    re.IGNORECASE,
)
#: Confidence lost when the owner is inferred rather than named in the clause.
COMPARED_PENALTY = 0.2
TOPIC_PENALTY = 0.1


@dataclass(frozen=True, slots=True)
class Clause:
    """A clause, the models it names, its comparison spans and whom it is about."""

    start: int
    end: int
    mentions: tuple[Match, ...]
    comparisons: tuple[Span, ...]
    owner: str | None
    penalty: float = 0.0
    co_owners: tuple[str, ...] = ()
    #: Every model of a coordinated subject ("A and B …"): descriptors (licence, openness,
    #: release date) belong to all of them, figures only with "both".
    group: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence, its clauses and its subject (None when it names no model as subject)."""

    start: int
    end: int
    clauses: tuple[Clause, ...]
    subject: str | None


def read_sentences(text: str, mentions: list[Match], topic: str | None) -> list[Sentence]:
    """Split ``text`` into sentences and clauses and decide whom each clause is about."""
    result: list[Sentence] = []
    named: list[str] = []  # models in the order they were named, for "which" / "the latter"
    recent: list[tuple[str, ...]] = []  # subjects of earlier sentences, for "both" / "它们"
    for sentence in sentences(text):
        both = _BOTH.search(text, *sentence) is not None
        raw = []
        spans = split_clauses(text, clauses(text, sentence), mentions)
        for index, (start, end) in enumerate(spans):
            inside = tuple(m for m in mentions if start <= m.start < end)
            compared = tuple(comparisons(text, (start, end), [(m.start, m.end) for m in inside]))
            subjects, group = _subjects(text, start, inside, compared, index == 0, both)
            raw.append((start, end, inside, compared, subjects, group))
        sentence_subjects = next((item[4] for item in raw if item[4]), ())
        listed = [m.slug for item in raw for m in item[2] if not _within(m.start, item[3])]
        family = next((m for item in raw for m in item[2][:1] if _FAMILY.match(text, m.end)), None)
        if family is not None and _LISTING.search(text, family.end, sentence[1]):
            # "GLM-4.5系列采用MoE架构，包含：GLM-4.5 …；GLM-4.5-Air …": the family's members.
            raw = [(*item[:5], tuple(dict.fromkeys(listed)) if item[4] else ()) for item in raw]
        sentence_group = next((item[5] for item in raw if item[4]), ())
        built: list[Clause] = []
        running: tuple[str, ...] = ()
        running_group: tuple[str, ...] = ()
        last_named: str | None = None  # the last subject the sentence names: "its" is about it
        for start, end, inside, compared, subjects, group in raw:
            if subjects:
                running, running_group = subjects, group
                last_named = subjects[0]
                clause = Clause(start, end, inside, compared, subjects[0], 0.0, subjects[1:], group)
            else:
                owners = _inherited(text[start:end], named)
                if not owners and PLURAL.search(text, start, end):
                    owners = group_of(listed, recent)
                    running, running_group = owners, ()
                owners = owners or running or sentence_subjects
                group = running_group if owners == running else ()
                if owners == sentence_subjects and not running:
                    group = sentence_group
                if not inside and _HEADING.search(text, start, end) and len(set(listed)) > 1:
                    # "專家混合(MoE)架構：gpt-oss-120b …；gpt-oss-20b …": the listed models.
                    group = tuple(dict.fromkeys(listed))
                if owners:
                    clause = Clause(start, end, inside, compared, owners[0], 0.0, owners[1:], group)
                else:
                    clause = Clause(start, end, inside, compared, topic, TOPIC_PENALTY)
            built.append(clause)
            named.extend(m.slug for m in inside)
        subject = sentence_subjects[0] if sentence_subjects else None
        result.append(Sentence(sentence[0], sentence[1], tuple(built), subject))
        recent.append(
            tuple(
                dict.fromkeys(
                    slug
                    for c in built
                    if c.owner and c.penalty == 0
                    for slug in (c.owner, *c.co_owners, *c.group)
                )
            )
        )
        if not _ASIDE.fullmatch(text, *sentence):
            topic = last_named or subject or topic
    return result


def owner_at(text: str, clause: Clause, position: int) -> tuple[tuple[str, ...], float]:
    """The models a figure at ``position`` is about (usually one), and the confidence penalty."""
    before = [m for m in clause.mentions if m.end <= position]
    if before and _ATTACHED.match(text[before[-1].end : position]):
        attached = before[-1]
        if attached.slug != clause.owner:
            in_comparison = _within(attached.start, clause.comparisons)
            return (attached.slug,), COMPARED_PENALTY if in_comparison else 0.0
    for start, end in clause.comparisons:
        if start <= position < end:
            compared = next((m for m in clause.mentions if start <= m.start < end), None)
            return ((compared.slug,), COMPARED_PENALTY) if compared else ((), 0.0)
    if clause.owner is None:
        return (), 0.0
    return (clause.owner, *clause.co_owners), clause.penalty


def _subjects(
    text: str,
    start: int,
    inside: tuple[Match, ...],
    compared: tuple[Span, ...],
    first_clause: bool,
    both: bool,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The clause's subjects (the coordinated ones only with "both") and its subject group."""
    candidates = [
        m
        for m in inside
        if not _within(m.start, compared)
        and (first_clause or not _OBJECT_OF.search(text, start, m.start))
        and not is_object(text, start, m)
        # A short name ("R1", "Scout") is a subject only where it opens its clause.
        and (not m.short or _OPENS.fullmatch(text, start, m.start) is not None)
    ]
    if not candidates:
        return (), ()
    group = [candidates[0]]
    for following in inside[inside.index(candidates[0]) + 1 :]:
        if _within(following.start, compared) or not _JOINED.fullmatch(
            text, group[-1].end, following.start
        ):
            break
        group.append(following)
    slugs = tuple(dict.fromkeys(m.slug for m in group))
    return (slugs if both else slugs[:1]), (slugs if len(slugs) > 1 else ())


def _inherited(clause_text: str, named: list[str]) -> tuple[str, ...]:
    """The model named last for "which …" / "the latter", the one before for "the former"."""
    distinct = list(dict.fromkeys(reversed(named)))
    if _LAST_NAMED.match(clause_text) and distinct:
        return (distinct[0],)
    if _FORMER.match(clause_text) and len(distinct) > 1:
        return (distinct[1],)
    return ()


def _within(position: int, spans: tuple[Span, ...]) -> bool:
    return any(start <= position < end for start, end in spans)
