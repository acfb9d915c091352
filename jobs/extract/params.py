"""Parameter counts in a clause: which figures are model sizes, and total or active.

A figure counts only with a cue next to it (``355B parameters``, ``总参数3550亿``, ``32B active``,
``a 355B MoE model``); the unit alone is never enough, so prices, downloads, training tokens,
GPU counts and valuations are left alone. Cues are read right of the figure first
(``3550亿总参数和320亿激活参数``: each figure's own noun decides), then left of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jobs.extract.numbers import NUMBER, amount

Span = tuple[int, int]

_UNIT = (
    r"(?:万亿|萬億|千亿|千億|百亿|百億|十亿|十億|亿|億|兆"
    r"|(?:trillion|billion|million|bn)(?![A-Za-z])|[BbTtMm](?![A-Za-z]))"
)
FIGURE = re.compile(rf"(?P<number>{NUMBER})\s*(?P<unit>{_UNIT})")
_CJK_UNITS = frozenset("万亿萬億千百十兆")
_ACTIVE = (
    r"(?:active|activated|activates|activating|激活|启用|啟用|启动|啟動|活跃|活躍|活动|活動|有效"
    r"|参与计算|參與計算)"
)
_PARAM = r"(?:parameters?|params?|参数|參數|引數)"

_RIGHT_EXCLUDED = re.compile(
    r"^[\s-]*(?:个|個)?\s*(?:tokens?|词元|詞元|tok/s|downloads?|下载|下載|次|users?|用户|用戶|人"
    r"|languages?|种|種|GPUs?|张|張|块|塊|卡|hours?|小时|小時|yuan|元|美元|dollars?|USD|RMB"
    r"|EFLOPS|PFLOPS|FLOPs?|words?|字|images?|videos?|lines?|stars?|in\s+funding|valuation)",
    re.IGNORECASE,
)
_LEFT_EXCLUDED = re.compile(
    r"(?:[$¥€£]|US\$|RMB|USD|per|每|超过|超過|逾|至少|more\s+than|over|at\s+least|\d\s*(?:-|–|~|到|至|to))"
    r"\s*$",
    re.IGNORECASE,
)
#: The count of a part: a VLM's language model, its vision encoder, an MTP module, the
#: non-embedding weights.
_LEFT_PART = re.compile(
    r"(?:\((?:LLM|language\s+model|大语言模型|大語言模型|语言模型|語言模型)\)|非嵌入|non-embedding"
    r"|\bMTP\b)[^\d]{0,12}$",
    re.IGNORECASE,
)
_RIGHT_PART = re.compile(
    r"^[)\]）\s-]*(?:(?:parameters?|params?)\s*)?(?:(?:for|of)\s+the\s+)?(?:(?:为|為|是)\s*"
    r"(?:语言模型|語言模型|视觉编码器|視覺編碼器|MTP)|(?:vision|visual|image)[\s-]+(?:encoder|"
    r"transformer|tower)|ViT\b|MTP\b|Multi-Token)",
    re.IGNORECASE,
)
#: An estimate rather than a count: "50 億多一點的參數", "700亿+参数", "300余亿".
_RIGHT_APPROX = re.compile(
    r"^\s*(?:\+|余|餘|出头|出頭|多(?:一点|一點|一些)?(?=\s*(?:的|参数|參數|[,，。;；]|$)))"
)
#: A figure joined to another by a range mark ("117-120 billion", "6 億到 2,350 億").
_RANGE_AFTER = re.compile(r"^\s*(?:-|–|~|到|至|to)\s*\d", re.IGNORECASE)
_RIGHT_ACTIVE = re.compile(
    rf"^[\s-]*(?:个|個)?(?:{_PARAM}\s*)?(?:of\s+(?:them|which)\s+)?(?:(?:are|is|being|get|gets)\s+)?"
    rf"(?:为|為|是|处于|處於|被)?(?:的)?{_ACTIVE}",
    re.IGNORECASE,
)
_RIGHT_TOTAL = re.compile(r"^[\s-]*(?:total\b|in\s+total\b|overall\b|(?:的)?(?:总|總))", re.I)
_RIGHT_PARAM = re.compile(
    rf"^[)\]）\s-]*(?:个|個)?(?:的)?(?:total\s+|总|總)?{_PARAM}", re.IGNORECASE
)
_RIGHT_MODEL = re.compile(
    r"^[\s-]*(?:(?:open|open-weights?|open-source|sparse|reasoning|multimodal|flagship|base)\s+)?"
    r"(?:MoE|mixture|dense|model|LLM|language\s+model|的(?:MoE|模型|大模型)|模型|大模型|混合专家"
    r"|混合專家|稠密)",
    re.IGNORECASE,
)
_LEFT_PARAM = re.compile(
    rf"(?P<cue>(?:(?:total|active|activated)\s+)?{_PARAM}"
    r"(?:\s+(?:count|scale|size)|量|规模|規模|总量|總量|总数|總數)?"
    r"(?:\s+per\s+(?:token|forward\s+pass))?"
    rf"|(?:总|總|{_ACTIVE}){_PARAM}(?:量|规模|規模)?)(?:\s*\([^()]{{0,20}}\))?"
    r"\s*(?:respectively\s+)?(?:分别|分別|均|都)?"
    r"(?:(?:of|is|are|:|=|at|totals?|totaling|reaching|为|為|是|达|達|达到|達到|高达|高達|共|有"
    r"|仅|僅|只有|只)\s*){0,2}(?:about|around|roughly|approximately|nearly|some|~|≈|约|約)?\s*$",
    re.IGNORECASE,
)
_LEFT_ACTIVE = re.compile(
    rf"(?:{_ACTIVE}(?:\s*(?:only|just|about|roughly|其中|了|约|約|大约|大約|仅|僅|只))*"
    r"|(?:总参数|總參數|total\s+parameters?)\s*(?:中的|之中的|当中的|當中的|中))\s*$",
    re.IGNORECASE,
)
#: "out of a total of 456 billion", "总计": the total, with no parameter word after it.
_LEFT_TOTAL_OF = re.compile(r"\b(?:out\s+of\s+)?(?:a\s+)?total\s+of\s*$", re.IGNORECASE)
#: "a 355B MoE model", "是一款 4800 亿参数模型": a figure names a model's size only where the
#: text says the model is one.
_ARTICLE = re.compile(r"(?:\b(?:a|an|is|its|the)|是|为|為|一个|一個|一款|这款|這款|的)\s*$", re.I)


@dataclass(frozen=True, slots=True)
class Figure:
    """A parameter count read at ``text[start:end]``; ``cued`` is False for a bare ``671B``."""

    start: int
    end: int
    value: int
    role: str  # "total" | "active"
    confidence: float
    cued: bool = True


def parameter_figures(text: str, clause: Span, skip: list[Span]) -> list[Figure]:
    """Every figure in ``clause`` with a B/T/亿-type unit that reads as a parameter count.

    Figures inside ``skip`` (model names: ``Qwen3-235B-A22B``) are left to name parsing.
    Uncued figures are returned with ``cued=False`` so the caller can decide by context
    (``GLM-4.5 (355B)``, ``355B total parameters versus 671B for DeepSeek-R1``).
    """
    figures = []
    for found in FIGURE.finditer(text, clause[0], clause[1]):
        start, end = found.span()
        if any(s <= start < e for s, e in skip) or not _free_standing(text, found):
            continue
        value = amount(found.group("number"), found.group("unit"))
        if value is None or not 10**6 <= value <= 10**14:
            continue
        window = text[max(clause[0], start - 40) : start]
        left = re.split(r"\d", window)[-1]
        right = re.split(r"\d", text[end : min(clause[1], end + 32)])[0]
        if _RIGHT_EXCLUDED.match(right) or _LEFT_EXCLUDED.search(window):
            continue
        if _LEFT_PART.search(window) or _RIGHT_PART.match(right):
            continue
        if _RANGE_AFTER.match(text, end, clause[1]) or _RIGHT_APPROX.match(right):
            continue
        figures.append(_read(start, end, value, left, right))
    return figures


def _free_standing(text: str, found: re.Match[str]) -> bool:
    """Not a piece of a longer token (``A22B``, ``-235B``), and Chinese numerals only with 亿."""
    before = text[found.start() - 1] if found.start() else " "
    if (before.isalnum() and before.isascii()) or before in "_.-":
        return False
    number = found.group("number")
    return number[0].isdigit() or found.group("unit")[0] in _CJK_UNITS


def _read(start: int, end: int, value: int, left: str, right: str) -> Figure:
    left_param = _LEFT_PARAM.search(left)
    left_active = bool(_LEFT_ACTIVE.search(left)) or bool(
        left_param and re.search(_ACTIVE, left_param.group("cue"), re.IGNORECASE)
    )
    if _RIGHT_TOTAL.match(right):
        return Figure(start, end, value, "total", 0.9 if _RIGHT_PARAM.match(right) else 0.85)
    if _RIGHT_ACTIVE.match(right):
        return Figure(start, end, value, "active", 0.9 if re.search(_PARAM, right) else 0.85)
    if _LEFT_TOTAL_OF.search(left):
        return Figure(start, end, value, "total", 0.85)  # "45.9B … out of a total of 456B"
    role = "active" if left_active else "total"
    if _RIGHT_PARAM.match(right) or left_param:
        return Figure(start, end, value, role, 0.9)
    if left_active:
        return Figure(start, end, value, "active", 0.85)
    if _RIGHT_MODEL.match(right) and _ARTICLE.search(left):
        return Figure(start, end, value, "total", 0.7)
    return Figure(start, end, value, "total", 0.5, cued=False)
