"""A model called by the last word of its name once the text has named its family.

Articles introduce a model in full or by its family and then shorten it: "Meta released
Llama 4 in two variants: Scout … and Maverick …", "DeepSeek-R1、DeepSeek-V3 … R1 用 MIT 授權",
"MiniMax M1 … M1 uses …". The short form is the last word of a catalog name (``Scout``,
``Maverick``, ``R1``, ``K2``) and names that model only where

- the rest of the name (its head: ``Llama 4``, ``DeepSeek``, ``Kimi``) appears in the same text,
  so "Scout" in an article about scouting names nothing;
- it is distinctive: a code with letters and digits that is not a size (``R1``, ``A13B``, not
  ``120b``) written with the name's case and not after an acronym ("BFCL v3", "BFCL V3" are a
  benchmark's versions), or a
  capitalised word of five letters or more that is not a generic tier
  (``Scout``, not ``Small``, ``Flash`` or ``Coder``), written with its capital;
- no other catalog model with the same head has the same short form, it stands alone
  (``R1-0528`` is another model, never DeepSeek-R1), and the text names no other model whose
  name holds it: after "DeepSeek-R1-0528", a bare "R1" may mean either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from jobs.catalog import ModelEntry
from jobs.extract.names import Match

_SPLIT = re.compile(r"[\s_\-]+")
_SIZE = re.compile(r"^\d+(?:\.\d+)?[bmtk]$", re.IGNORECASE)
_CODE = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9.]{2,8}$")
_WORD = re.compile(r"^[A-Z][a-z]{4,}$")
#: An acronym or a versioned word right before a code makes the code its version ("BFCL V3").
_VERSION_OF = re.compile(r"(?:[A-Z]{2,}[A-Za-z0-9]*|[A-Za-z]*\d[A-Za-z0-9]*)[ \t-]$")
_GENERIC = frozenset({
    "small", "large", "medium", "flash", "instruct", "thinking", "preview", "turbo", "coder",
    "vision", "experimental", "reasoning", "base", "chat", "ultra", "plus", "latest", "mini",
})  # fmt: skip
#: (short form, head, slug): compiled once per model list.
ShortForm = tuple[str, str, str]


def short_forms(models: Iterable[ModelEntry]) -> tuple[ShortForm, ...]:
    """Every distinctive short form of ``models``' names, ambiguous ones dropped."""
    return _forms(tuple((m.slug, m.name) for m in models))


@lru_cache(maxsize=8)
def _forms(named: tuple[tuple[str, str], ...]) -> tuple[ShortForm, ...]:
    seen: dict[tuple[str, str], set[str]] = {}
    for slug, name in named:
        words = [w for w in _SPLIT.split(name.strip()) if w]
        if len(words) < 2:
            continue
        last, head = words[-1], " ".join(words[:-1])
        if _SIZE.match(last) or last.casefold() in _GENERIC:
            continue
        if not (_CODE.match(last) or _WORD.match(last)):
            continue
        seen.setdefault((last, head), set()).add(slug)
    return tuple((last, head, next(iter(slugs))) for (last, head), slugs in seen.items()
                 if len(slugs) == 1)  # fmt: skip


def short_names(text: str, known: list[Match], forms: tuple[ShortForm, ...]) -> list[Match]:
    """Matches for the short forms in ``text`` whose head the text names, outside ``known``."""
    folded = _SPLIT.sub(" ", text).casefold()
    taken = [(m.start, m.end) for m in known]
    found: list[Match] = []
    for last, head, slug in forms:
        if head.casefold() not in folded:
            continue
        word = rf"(?<![A-Za-z0-9]){re.escape(last)}(?![A-Za-z0-9])"
        if any(m.slug != slug and re.search(word, m.surface, re.IGNORECASE) for m in known):
            continue
        pattern = rf"(?<![A-Za-z0-9][-_.]){word}(?![-_.][A-Za-z0-9])"
        for hit in re.finditer(pattern, text):
            start, end = hit.span()
            if any(s < end and start < e for s, e in taken):
                continue
            if _CODE.match(last) and _VERSION_OF.search(text, max(0, start - 20), start):
                continue
            taken.append((start, end))
            found.append(Match(slug, start, end, hit.group(), short=True))
    return found
