"""Scraped-text noise, removed before matching (the original stays the evidence).

- zero-width characters and soft hyphens (``上下\u200b文``) are dropped;
- hyphen look-alikes (the non-breaking hyphen of ``Qwen3‑Coder``) become ``-``;
- inline romanisation after characters, as reader annotations add it (``模型(mó xíng)``,
  ``開源(kāi yuán)``), is dropped — it is recognised by its tone marks;
- thin or plain spaces inside a number before a unit (``6 710 亿``, ``262 144 tokens``) are
  dropped;
- Chinese numerals before a magnitude (``一百万``, ``一万亿``) become digits (``100万``, ``1万亿``),
  and so do English number words (``one trillion``, ``a trillion``, ``ten million``).

Full-width letters, digits and punctuation are folded by NFKC (``jobs.extract.text``) first.
"""

from __future__ import annotations

import re

from jobs.extract.text import Edit, Normalized

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HYPHENS = re.compile("[\u2010\u2011\u2012\u2043\u2212]")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_ROMANISATION = re.compile(
    r"(?<=[\u3400-\u9fff])[ \t]*\(\s*(?=[^()]*[" + _TONED + r"])"
    r"[a-zü" + _TONED + r"][a-zü" + _TONED + r"' -]{0,60}\)"
)
_UNIT_AHEAD = (
    r"(?=\s*(?:亿|億|万|萬|兆|[BbKkMmTt](?![a-z])|billion|million|trillion|thousand|tokens?"
    r"|个|個|令牌|词元|詞元|参数|參數))"
)
_SPACED_NUMBER = re.compile(
    r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?![\d])" + _UNIT_AHEAD
)
_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_SCALES = {"十": 10, "百": 100, "千": 1000}
_EN_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8, "nine": 9, "ten": 10}  # fmt: skip
_EN_NUMERAL = re.compile(
    r"\b(?P<word>an?|one|two|three|four|five|six|seven|eight|nine|ten)(?P<gap>[ -])"
    r"(?=(?:trillion|billion|million)\b)",
    re.IGNORECASE,
)
_CN_NUMERAL = re.compile(
    r"[一二两兩三四五六七八九十][零〇一二两兩三四五六七八九十百千]*(?=[万萬亿億兆])"
)


def remove_noise(norm: Normalized) -> Normalized:
    """``norm`` (already NFKC) without the noise forms listed in the module docstring."""
    text = norm.text
    edits: list[Edit] = [(m.start(), m.end(), "") for m in _INVISIBLE.finditer(text)]
    edits += [(m.start(), m.end(), "-") for m in _HYPHENS.finditer(text)]
    edits += [(m.start(), m.end(), "") for m in _ROMANISATION.finditer(text)]
    for found in _SPACED_NUMBER.finditer(text):
        edits.append((found.start(), found.end(), re.sub(r"\D", "", found.group())))
    for found in _CN_NUMERAL.finditer(text):
        value = chinese_numeral(found.group())
        if value is not None:
            edits.append((found.start(), found.end(), str(value)))
    for found in _EN_NUMERAL.finditer(text):
        value = _EN_WORDS[found.group("word").lower()]
        edits.append((found.start(), found.end("word"), str(value)))
    return norm.rewrite(edits) if edits else norm


def chinese_numeral(numeral: str) -> int | None:
    """The value of a Chinese numeral below ten thousand (``一百`` 100, ``两千五百`` 2500,
    ``十二`` 12), or None if it is not well formed."""
    total, digit = 0, None
    for char in numeral:
        if char in "零〇":
            continue  # a place holder: 三千零五 is 3005
        if char in _CN_DIGITS:
            if digit is not None:
                return None
            digit = _CN_DIGITS[char]
        elif char in _CN_SCALES:
            total += (1 if digit is None else digit) * _CN_SCALES[char]
            digit = None
        else:
            return None
    return total + (digit or 0)
