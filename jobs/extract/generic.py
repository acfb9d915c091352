"""Model classes, not models: "a dense 70B model", "a typical 32 B model", "a dense 109B one".

An indefinite noun phrase that opens a clause ("A dense 70-billion-parameter model needs two
GPUs", "in a dense model such as Llama 3 …: a 70B model uses …") or follows a comparison word
("closer to a dense 17B model", "the cost of a typical 32 B model", "than a 13B model") speaks
of a kind of model. Its size and architecture belong to no model of the text.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_SIZE = r"\d[\d.,]*\s*-?\s*(?:[BMT]|billion|trillion|million)(?![A-Za-z])(?:-parameters?)?"
_CLASS = re.compile(
    r"(?:(?<=[:;.!?\n])|^|\b(?:like|as|than|to|near|of|versus|vs\.?)\s+)\s*"
    r"(?P<np>an?\s+(?:(?:typical|standard|regular|ordinary|comparable|similar|conventional"
    r"|traditional|full|dense|sparse|MoE)\s+){0,2}"
    rf"(?:{_SIZE}\s+)?(?:(?:dense|sparse|MoE)\s+)?(?:{_SIZE}\s+)?(?:models?|LLMs?|one)\b)",
    re.IGNORECASE,
)


def class_spans(text: str, start: int, end: int) -> list[Span]:
    """Spans of ``text[start:end]`` that name a kind of model, not a model."""
    spans = []
    for found in _CLASS.finditer(text, start, end):
        phrase = found.group("np")
        if re.search(_SIZE, phrase, re.IGNORECASE) or re.search(r"dense|sparse|MoE", phrase, re.I):
            spans.append(found.span("np"))
    return spans
