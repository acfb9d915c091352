"""Architecture, context length and release date as they are written in prose."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from jobs.extract.numbers import NUMBER, context_tokens

_CTX_UNIT = r"(?P<unit>[KkMm](?![A-Za-z])|thousand|million|万|萬)?"
_TOKENS = r"(?:(?:个|個)?\s*(?:tokens?|令牌|词元|詞元|标记|標記))"
_CONTEXT = (
    re.compile(
        rf"(?P<number>{NUMBER})[\s-]*{_CTX_UNIT}[\s-]*(?:{_TOKENS}[\s-]*)?(?:(?:native|long)[\s-]+)?"
        r"(?:context|ctx)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"context(?:[\s-]+(?:windows?|lengths?|size|inference|understanding))?\s*"
        r"(?:of|is|:|=|reaches|extends\s+to|up\s+to|to)?"
        rf"\s*(?:up\s+to\s+|native(?:ly)?\s+|of\s+)*(?P<number>{NUMBER})\s*{_CTX_UNIT}",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?:上下文|視窗|视窗)(?:长度|長度|窗口|窗长|窗長)?[^,;。!?\d]{0,12}?"
        r"(?:为|為|达|達|达到|達到|支持|支援|至|到|是|:)?\s*"
        rf"(?P<number>{NUMBER})\s*{_CTX_UNIT}"
    ),
    re.compile(
        rf"(?P<number>{NUMBER})\s*{_CTX_UNIT}\s*{_TOKENS}?\s*(?:\(\s*tokens?\s*\)\s*)?(?:的)?"
        r"(?:超长|超長|长|長)?(?:上下文|視窗|视窗)"
    ),
    # "natively supports 256K tokens", "sequences of up to 1 million tokens"
    re.compile(
        r"(?:(?:natively\s+)?(?:supports?|handles?|processes?|accepts?)|sequences?\s+of|inputs?\s+of)"
        rf"\s+(?:long\s+sequences\s+of\s+)?(?:up\s+to\s+)?(?P<number>{NUMBER})\s*{_CTX_UNIT}"
        rf"\s*{_TOKENS}",
        re.IGNORECASE,
    ),
)
#: A window reached by extension ("可扩展至100万", "extendable up to 1M with YaRN"), which gives
#: way to the native window when a sentence states both.
EXTENDED = re.compile(
    r"(?:extend\w*|extrapolat\w*|scal\w*\s+to|stretch\w*|扩展|擴展|扩至|擴至|可扩|可擴|YaRN)"
    r"[^.,;。，；]{0,24}$",
    re.IGNORECASE,
)
_CHANGE = re.compile(
    rf"(?:from|从|從)\s*(?P<old>{NUMBER}\s*[KkMm万萬]?)\s*(?:tokens?\s*)?"
    r"(?:提升|扩展|擴展|增加|提高|扩大|擴大|拓展)?\s*(?:to|至|到)\s*"
    rf"(?P<number>{NUMBER})\s*{_CTX_UNIT}",
    re.IGNORECASE,
)
_CONTEXT_WORD = re.compile(r"context|上下文|視窗|视窗", re.IGNORECASE)
_MOE = re.compile(
    r"(?<!non-)(?<!not a )(?:(?<![A-Za-z])MoE(?![A-Za-z])|mixture[\s-]+of[\s-]+experts"
    r"|混合专家|混合專家|专家混合|專家混合)",
    re.IGNORECASE,
)
_DENSE = re.compile(r"(?<!non-)(?<![A-Za-z])dense(?![A-Za-z])|稠密", re.IGNORECASE)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATES = (
    re.compile(r"(?<!\d)(?P<year>20\d{2})([-/.])(?P<mon>\d{1,2})\2(?P<day>\d{1,2})(?![\d/-])"),
    re.compile(r"(?P<year>20\d{2})\s*年\s*(?P<mon>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号號]"),
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>20\d{{2}})\b", re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})\s+{_MONTH},?\s+(?P<year>20\d{{2}})\b", re.I),
)
_RELEASED = re.compile(
    r"releas|launch|unveil|open-sourc|open\s+sourc|debut|publish|drop(?:ped|s)\b|announc|arriv"
    r"|introduc"
    r"|发布|發布"
    r"|推出|开源|開源|上线|上線|亮相|问世|問世",
    re.IGNORECASE,
)


def context_lengths(text: str, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """``(start, end, tokens)`` for each context window stated in ``text[start:end]``.

    In a change ("from 128K to 256K", "从128K提升至256K") only the new window counts.
    """
    seen: list[tuple[int, int]] = []
    patterns: tuple[re.Pattern[str], ...] = _CONTEXT
    if _CONTEXT_WORD.search(text, start, end):
        for change in _CHANGE.finditer(text, start, end):
            seen.append(change.span("old"))
        patterns = (_CHANGE, *_CONTEXT)
    for pattern in patterns:
        for found in pattern.finditer(text, start, end):
            number_span = found.span("number")
            if any(s <= number_span[0] < e for s, e in seen):
                continue
            unit = found.group("unit") or ""
            # Unit-less figures must look like token counts ("262,144-token context", "131072"),
            # never like a year ("in the 2025 context").
            digits = sum(char.isdigit() for char in found.group("number"))
            if not unit and "token" not in found.group().lower() and digits < 5:
                continue
            tokens = context_tokens(found.group("number"), unit)
            if tokens is None or tokens < 1000:
                continue
            seen.append(number_span)
            yield number_span[0], number_span[1], tokens


def architectures(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """``(position, "moe" | "dense")`` for each architecture named in ``text[start:end]``."""
    for found in _MOE.finditer(text, start, end):
        yield found.start(), "moe"
    for found in _DENSE.finditer(text, start, end):
        yield found.start(), "dense"


def release_dates(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """``(position, ISO date)`` of each full date in a sentence that speaks of a release.

    Partial dates (``7月28日``, ``July 2025``) are not dates of record and are skipped.
    """
    if not _RELEASED.search(text, start, end):
        return
    for pattern in _DATES:
        for found in pattern.finditer(text, start, end):
            fields = found.groupdict()
            month = int(fields["mon"]) if fields.get("mon") else _MONTHS[fields["month"].lower()]
            try:
                day = date(int(fields["year"]), month, int(fields["day"]))
            except ValueError:
                continue
            yield found.start(), day.isoformat()
