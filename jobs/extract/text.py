"""Text normalisation shared by name matching and fact extraction.

News arrives in English, simplified and traditional Chinese, often with full-width digits and
punctuation (``３５５０亿``, ``，``). Everything downstream works on the NFKC form, and keeps a map
back to the original offsets so a match can point into the text the caller gave.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: ``(start, end, replacement)``: ``text[start:end]`` becomes ``replacement``.
Edit = tuple[int, int, str]

#: Characters that separate the parts of a model name ("Kimi K2", "kimi-k2", "kimi_k2", "4.5").
NAME_SEPARATORS = frozenset(" \t-_.")


@dataclass(frozen=True, slots=True)
class Normalized:
    """NFKC text and, for each of its characters, the offset of the original character."""

    text: str
    origin: tuple[int, ...]
    original_length: int

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``text[start:end]`` came from."""
        if start >= len(self.origin):
            return self.original_length, self.original_length
        last = self.origin[end - 1] + 1 if end > start else self.origin[start]
        return self.origin[start], last

    def rewrite(self, edits: Iterable[Edit]) -> Normalized:
        """This text with ``edits`` applied (sorted; an edit overlapping an earlier one is
        dropped), still mapped to the original offsets: a replacement maps to the span it
        replaced."""
        parts: list[str] = []
        origin: list[int] = []
        position = 0
        for start, end, replacement in sorted(edits):
            if start < position:
                continue
            parts.append(self.text[position:start])
            origin.extend(self.origin[position:start])
            if replacement:
                first = self.origin[start] if start < len(self.origin) else self.original_length
                last = self.origin[end - 1] if end > start else first
                origin.extend([first] * (len(replacement) - 1) + [last])
                parts.append(replacement)
            position = max(position, end)
        parts.append(self.text[position:])
        origin.extend(self.origin[position:])
        return Normalized("".join(parts), tuple(origin), self.original_length)


def normalize(text: str) -> Normalized:
    """NFKC-normalise ``text`` character by character, keeping the offset map.

    Per-character normalisation differs from whole-string NFKC only for combining sequences,
    which do not occur in model names or figures.
    """
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            parts.append(char)
            origin.append(index)
            continue
        folded = unicodedata.normalize("NFKC", char)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return Normalized("".join(parts), tuple(origin), len(text))


def is_cjk(char: str) -> bool:
    """True for Han ideographs and kana (scripts written without spaces between words)."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
    )


def is_word(char: str) -> bool:
    """True for a letter or digit of a space-separated script (a Latin-text word character)."""
    return char.isalnum() and not is_cjk(char)


def name_tokens(name: str) -> list[str]:
    """Split a normalised, case-folded name into runs of letters, digits, CJK and other marks.

    Separators (space, hyphen, underscore, dot) are dropped: they are optional when matching.
    """
    tokens: list[str] = []
    kind = ""
    for char in name:
        if char in NAME_SEPARATORS or char.isspace():
            kind = ""
            tokens.append("")
            continue
        current = "d" if char.isdigit() else "c" if is_cjk(char) else "l" if char.isalnum() else "s"
        if current == kind and current != "s" and tokens:
            tokens[-1] += char
        else:
            tokens.append(char)
        kind = current
    return [token for token in tokens if token]


def name_key(name: str) -> str:
    """A canonical key: equal for every spelling of a name that matching treats as the same.

    ``Kimi K2``, ``kimi-k2`` and ``KIMI_K2`` share ``kimik2``; ``GLM-4.5`` is ``glm4.5`` and stays
    distinct from ``GLM-45`` because two numbers never run together.
    """
    tokens = name_tokens(unicodedata.normalize("NFKC", name).casefold().strip())
    key = ""
    for index, token in enumerate(tokens):
        if index and token[0].isdigit() and tokens[index - 1][-1].isdigit():
            key += "."
        key += token
    return key
