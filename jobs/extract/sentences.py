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
    r"(?<!\d),|,(?!\s*\d{4}\b)(?!\d)|[;、]|(?<!\bneck)\s+(?:and|while|whereas|but|although|though)\s+"
    r"|(?<![然因])而(?!且)|但是?|同时|同時|并且|並且|以及"
)

#: Cues after which the rest of the clause is about the model compared with.
_COMPARE_TO_END = re.compile(
    r"\b(?:than|vs\.?|versus|compared\s+(?:with|to)|relative\s+to|against|unlike|ahead\s+of"
    r"|in\s+contrast\s+to|(?:just|slightly|closely|far|well|only|ranks?|ranked|comes?|came"
    r"|placed|sits?|lags?|falls?|trails?)\s+behind)\b|(?<=,)\s*behind\b"
    r"|相比|相較|相较|对比|對比|较之|較之|相对于|相對於|不同于|不同於"
    r"|(?<!性价)(?<!性價)(?<!效)(?<![无無对對相])比(?![例赛賽特如分重较較肩])",
    re.IGNORECASE,
)
#: Verbs whose object is a compared model; the comparison covers that model (and the models
#: listed with it), or the rest of the clause when it names none ("超越國內閉源模型").
_COMPARE_OBJECT = re.compile(
    r"\b(?:outperform(?:s|ed|ing)?|beat(?:s|ing)?|surpass(?:es|ed|ing)?|rival(?:s|ed|ing)?"
    r"|trail(?:s|ed|ing)?|match(?:es|ed|ing)?|exceed(?:s|ed|ing)?|overtak(?:es|ing|e)|tops|topped"
    r"|approach(?:es|ed|ing)?|close\s+to|near|on\s+par\s+with|comparable\s+to|similar\s+to"
    r"|neck\s+and\s+neck\s+with|challeng(?:es|ed|ing)|lags?|lagging|falls?\s+short\s+of"
    r"|(?:models?|systems|LLMs|rivals|competitors|peers)\s+(?:like|such\s+as))\b"
    r"|超过|超過|超越|击败|擊敗|媲美|逼近|不及|优于|優於|领先|領先|接近|比肩|追平|堪比|不输|不輸"
    r"|对标|對標|相当于|相當於|碾压|碾壓|吊打|完胜|完勝|力压|力壓|跑赢|跑贏|胜过|勝過|紧追|緊追"
    r"|逊于|遜於|不如|落后于|落後於|挑战|挑戰|看齐|看齊|跑赢|模型\(如|模型（如"
)
#: "与X相比" / "和X相当": the comparison is the bracketed part only.
_COMPARE_WITH = re.compile(
    r"(?:与|與|和|跟|同)[^,;。]{1,40}?(?:相比|相較|相较|比较|比較|对比|對比|相当|相當|持平|相同|一样"
    r"|一樣|媲美|比肩|一较高下|一較高下|不相上下|竞争|競爭|看齐|看齊|同级|同級|相近|差距)"
)
#: What may join the models of one list ("DeepSeek R1 and Qwen3", "A、B").
_LISTED = re.compile(r"\s*(?:,|、|and|or|&|与|與|和|及|或)\s*", re.IGNORECASE)


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
    ordered = sorted(mentions)
    for cue in _COMPARE_OBJECT.finditer(text, start, end):
        following = [m for m in ordered if cue.end() <= m[0] < end]
        if not following:
            spans.append((cue.start(), end))
            continue
        stop = following[0][1]
        for nxt in following[1:]:
            if not _LISTED.fullmatch(text, stop, nxt[0]):
                break
            stop = nxt[1]
        spans.append((cue.start(), stop))
    return sorted(spans)
