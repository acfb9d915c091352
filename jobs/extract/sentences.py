"""Sentences, clauses and comparisons, as spans of NFKC-normalised text.

A figure is attributed within its clause, so the splits matter more than elegance: a comma
inside a number (``262,144``) or before a year (``July 28, 2025``) does not split, ``vs.``
or ``U.S.`` do not end a sentence, and neither does a line break inside a hard-wrapped one.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_SENTENCE_END = re.compile(
    # A line break ends a sentence (blocks of flattened HTML are lines) unless the next line
    # goes on in lower case: a hard-wrapped sentence.
    r"[。！？!?…]+\n*|\n+(?![ \t]*[a-z])"
    r"|(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bapprox)(?<!\bNo)(?<!\b[A-Z])\.(?=\s|$|[\"'”’)\]])"
    r"|\.(?=[\u3400-\u9fff])"
)
_CLAUSE_BREAK = re.compile(
    r"(?<!\d),|,(?!\s*\d{4}\b)(?!\d)|[;、]|\s+(?:and|while|whereas|but|although|though)\s+"
    r"|(?<![然因])而(?!且)|但是?|同时|同時|并且|並且|以及"
)

#: Cues after which the rest of the clause is about the model compared with.
_COMPARE_TO_END = re.compile(
    r"\b(?:than|vs\.?|versus|compared\s+(?:with|to)|relative\s+to|against|unlike)\b"
    r"|相比|相較|相较|对比|對比|较之|較之"
    r"|(?<!性价)(?<!性價)(?<![无無对對相])比(?![例赛賽特如分重较較])"
)
#: Verbs whose object is a compared model; the comparison covers that model only.
_COMPARE_OBJECT = re.compile(
    r"\b(?:outperform(?:s|ed|ing)?|beat(?:s|ing)?|surpass(?:es|ed|ing)?|rival(?:s|ed|ing)?"
    r"|trail(?:s|ed|ing)?|match(?:es|ed|ing)?|exceed(?:s|ed|ing)?|overtak(?:es|ing|e)|tops|topped"
    r"|approach(?:es|ed|ing)?|close\s+to|on\s+par\s+with|comparable\s+to|similar\s+to)\b"
    r"|超过|超過|超越|击败|擊敗|媲美|逼近|不及|优于|優於|领先|領先|接近|比肩|追平|堪比|不输|不輸"
)
#: "与X相比" / "和X相比": the comparison is the bracketed part only.
_COMPARE_WITH = re.compile(
    r"(?:与|與|和|跟|同)[^,;。]{1,40}?(?:相比|相較|相较|比较|比較|对比|對比)"
)


def sentences(text: str) -> list[Span]:
    """Spans of the sentences of ``text`` (English and CJK punctuation), without blanks."""
    spans: list[Span] = []
    start = 0
    for end_mark in _SENTENCE_END.finditer(text):
        spans.append((start, end_mark.end()))
        start = end_mark.end()
    spans.append((start, len(text)))
    return [span for span in spans if text[span[0] : span[1]].strip(" \t\n。.!?！？…")]


def clauses(text: str, sentence: Span) -> list[Span]:
    """Spans of the clauses of one sentence (commas, semicolons, 、, and/while/but, 而/但).

    Colons do not split: ``Total parameters: 355B`` is one clause.
    """
    start, end = sentence
    spans: list[Span] = []
    for brk in _CLAUSE_BREAK.finditer(text, start, end):
        if brk.start() > start:
            spans.append((start, brk.start()))
        start = brk.end()
    spans.append((start, end))
    return [span for span in spans if text[span[0] : span[1]].strip()]


def comparisons(text: str, clause: Span, mentions: list[Span]) -> list[Span]:
    """Spans of a clause that are about a model compared with, not the clause's subject."""
    start, end = clause
    spans = [(found.start(), found.end()) for found in _COMPARE_WITH.finditer(text, start, end)]
    for cue in _COMPARE_TO_END.finditer(text, start, end):
        if not any(s <= cue.start() < e for s, e in spans):
            spans.append((cue.start(), end))
    for cue in _COMPARE_OBJECT.finditer(text, start, end):
        following = [m_end for m_start, m_end in mentions if cue.end() <= m_start < end]
        spans.append((cue.start(), min(following) if following else cue.end()))
    return sorted(spans)
