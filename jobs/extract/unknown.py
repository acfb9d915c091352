"""Names of models the catalog does not know, so their figures land on nobody.

A sentence about ``GLM-4.6`` or ``MiniMax-VL-01`` must not hand its figures to the model the text
was about before. Beside the siblings ``jobs.extract.names`` finds (``DeepSeek-V3.1`` next to a
known ``DeepSeek-V3``), two shapes read as a model name:

- a capitalised token with a version and a hyphen or dot (``GLM-4.6``, ``Qwen2.5-Coder``,
  ``Claude-3.5-Sonnet``, ``GLM-130B``), or words around a version (``Llama 4 Behemoth``);
- a capitalised word followed by a bracketed figure (``Behemoth (2T total parameters``);
- a capitalised word that labels a list item of sizes (``• Behemoth：2T 參數，288B 激活``);
- a capitalised word opening a sentence as its subject (``Behemoth is another beast, with
  288B active parameters``), unless it is a pronoun, a determiner or a lab (``Meta is``).

Hardware, precisions and benchmarks (``H100``, ``FP8``, ``GPTQ-Int4``, ``Top-8``, ``AIME 2025``)
are not names. Matches never overlap a known name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jobs.extract.names import Match, slugify

_VERSIONED = re.compile(
    r"(?<![A-Za-z0-9.-])[A-Z][A-Za-z0-9]{1,20}(?:[-.][A-Za-z0-9]+)+(?![A-Za-z0-9-])"
    r"|(?<![A-Za-z0-9.-])[A-Z][A-Za-z]{2,20} \d+(?:\.\d+)? [A-Z][a-z]{2,20}(?![A-Za-z0-9-])"
)
_BRACKETED = re.compile(r"(?<![A-Za-z0-9.-])[A-Z][a-z]{3,20}(?= \(\s*~?\d)")
_LABEL = re.compile(
    r"(?m)^[ \t]*(?:[•·*>-]|\d{1,2}[.)])?[ \t]*([A-Z][A-Za-z0-9]{2,20})[ \t]*:"
    r"(?=[ \t]*~?\d[\d.,]*\s*(?:[BT]\b|billion|trillion|亿|億|兆))"
)
_OPENING = re.compile(
    r"(?:^|(?<=[.!?。！？]\s)|(?<=\n))([A-Z][a-z]{3,20})(?=\s+(?:is|was|has|had)\b)"
)
_PRONOUNS = frozenset({
    "this", "that", "there", "here", "what", "which", "each", "both", "another", "they",
    "these", "those", "such", "then", "also", "everything", "nothing", "something", "none",
})  # fmt: skip
_NOT_NAMES = re.compile(
    r"^(?:apache|cc|gpl|bsd|agpl|lgpl|top|int|fp|bf|gptq|awq|mxfp|nf|pass|avg|cons|rtx|gtx|tesla|h|a|l|b|v|sm|cuda|rocm"
    r"|aime|hmmt|mmlu|gpqa|swe|bfcl|cnmo|math|gsm|mbpp|ifeval|arena|livecodebench|python|java"
    r"|windows|ubuntu|iphone|section|table|figure|step|version|release|layer|round|phase"
    r"|context|param|parameters|total|active|activated|license|licence|price|cost|score|model"
    r"|size|length|window|experts?|tokens?|training|pretraining)"
    r"(?:$|[-. \d])",
    re.IGNORECASE,
)


def unknown_names(
    text: str, known: list[Match], is_lab: Callable[[str], bool] = lambda _name: False
) -> list[Match]:
    """Model-like names in ``text`` that overlap no match in ``known``; ``is_lab`` tells a lab's
    name, which is no model."""
    found: list[Match] = []
    taken = [(m.start, m.end) for m in known]
    for pattern in (_VERSIONED, _BRACKETED, _LABEL, _OPENING):
        grouped = pattern is _LABEL or pattern is _OPENING
        for hit in pattern.finditer(text):
            start, end = hit.span(1 if grouped else 0)
            name = text[start:end]
            if pattern is _OPENING and (name.casefold() in _PRONOUNS or is_lab(name)):
                continue
            if not any(c.isdigit() for c in name) and pattern is _VERSIONED:
                continue
            if _NOT_NAMES.match(name) or any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            found.append(Match(slugify(name), start, end, name, known=False))
    return found
