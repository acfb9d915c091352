"""Numbers with magnitude words: ``355B``, ``1 trillion``, ``3550亿``, ``4560億``, ``1万亿``.

Amounts are computed with ``Decimal`` so ``45.9B`` and ``459億`` are exactly 45 900 000 000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

#: A figure: digits (grouped ``262,144`` or decimal ``45.9``), or one Chinese numeral.
NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[一二两兩三四五六七八九十])"

_CHINESE_DIGITS = {
    "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
    "九": 9, "十": 10,
}  # fmt: skip

#: Magnitude of each unit a parameter count may carry, by lower-cased spelling.
PARAM_UNITS: dict[str, int] = {
    "万亿": 10**12, "萬億": 10**12, "千亿": 10**11, "千億": 10**11, "百亿": 10**10,
    "百億": 10**10, "十亿": 10**9, "十億": 10**9, "亿": 10**8, "億": 10**8, "兆": 10**12,
    "trillion": 10**12, "billion": 10**9, "million": 10**6, "bn": 10**9,
    "t": 10**12, "b": 10**9, "m": 10**6,
}  # fmt: skip

#: Token-count units of context windows. "K" is 1024 when the figure is a power of two
#: (128K = 131 072, 256K = 262 144, as model cards mean them) and 1000 otherwise (131K).
CONTEXT_UNITS: dict[str, int] = {
    "k": 1000, "m": 10**6, "thousand": 1000, "million": 10**6, "万": 10**4, "萬": 10**4,
}  # fmt: skip


def context_tokens(number: str, unit: str) -> int | None:
    """Tokens of a context window written ``number`` + ``unit`` (``128K``, ``1M``, ``100万``)."""
    if unit.lower() == "k" and number.isdigit() and int(number) & (int(number) - 1) == 0:
        return int(number) * 1024
    return amount(number, unit, CONTEXT_UNITS)


_SIZE_TOKEN = re.compile(r"^(a)?(\d+(?:\.\d+)?)([bm])$", re.IGNORECASE)
_EXPERTS_TOKEN = re.compile(r"^\d+e$", re.IGNORECASE)


def amount(number: str, unit: str, units: dict[str, int] = PARAM_UNITS) -> int | None:
    """``number`` × the magnitude of ``unit``, or None if either is not understood."""
    scale = units.get(unit.lower()) if unit else 1
    if scale is None:
        return None
    if number in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[number] * scale
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    return int(value * scale)


@dataclass(frozen=True, slots=True)
class NameSizes:
    """Parameter counts a model name states: ``Qwen3-235B-A22B`` → 235B total, 22B active."""

    total: int | None = None
    active: int | None = None

    @property
    def moe(self) -> bool:
        """Names state active parameters only for mixture-of-experts models."""
        return self.active is not None


def name_sizes(name: str) -> NameSizes:
    """Sizes embedded in a model name or repo id.

    ``NB`` is the total and ``ANB`` the active count (Qwen, Hunyuan, Wan); ``17B-128E`` (Llama 4)
    states the active count followed by the number of experts. ``M1``, ``K2``, ``80k`` (a thinking
    budget) and version numbers are not sizes.
    """
    # Runs of Latin letters, digits and dots: "混元A13B" has the token "A13B".
    tokens = re.findall(r"[A-Za-z0-9.]+", name.rsplit("/", 1)[-1])
    total = active = None
    for index, token in enumerate(tokens):
        found = _SIZE_TOKEN.match(token)
        if not found:
            continue
        value = amount(found.group(2), found.group(3))
        experts_next = index + 1 < len(tokens) and _EXPERTS_TOKEN.match(tokens[index + 1])
        if found.group(1) or experts_next:
            active = active if active is not None else value
        elif total is None:
            total = value
    return NameSizes(total, active)
