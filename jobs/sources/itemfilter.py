"""A source's item filter (docs/design.md §5 ``filter``): only items on topic are recorded.

General tech-news feeds (IT之家, 36氪) publish phones, cars and earnings beside model releases.
A source with ``filter = ["AI", "大模型", "开源", …]`` keeps an item only if its title or text
contains one of the keywords. Matching is case-insensitive and runs on the NFKC form of both
sides (full-width ``ＡＩ`` is ``AI``, ``大模型`` in either script must be listed in both); a
keyword of ASCII letters and digits only matches where no Latin letter touches it, so ``AI``
does not match "said", "Thailand" or "OpenAI" but does match "AI大模型" and "(AI)", and ``Qwen``
matches "Qwen3". Items the filter leaves out
are neither recorded nor extracted: the log keeps what the service read about the race, not a
general news archive. A source without a filter keeps every item.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from jobs.observation import Observation

_WORD = re.compile(r"[A-Za-z0-9]+")


def on_topic(keywords: Sequence[str], observations: Sequence[Observation]) -> list[Observation]:
    """The observations that match ``keywords`` (all of them when there are none)."""
    if not keywords:
        return list(observations)
    pattern = _pattern(tuple(keywords))
    return [o for o in observations if pattern.search(_fold(f"{o.title or ''}\n{o.text}"))]


@lru_cache(maxsize=64)
def _pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for keyword in sorted({_fold(word).strip() for word in keywords} - {""}, key=len):
        escaped = re.escape(keyword)
        if _WORD.fullmatch(keyword):
            escaped = rf"(?<![a-z]){escaped}(?![a-z])"
        parts.append(escaped)
    return re.compile("|".join(parts) or r"(?!)")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()
