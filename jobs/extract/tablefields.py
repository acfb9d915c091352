"""What a table header or row label means, and what a cell says under it.

Headers name a field (``#Total Params``, ``激活参数``, ``Context Length``, ``协议``), the model
column (``Model``, ``模型名称``) or nothing crownlog records (layers, experts, benchmarks,
memory, prices). Cells are read by their field: a parameter count needs a B/T/亿 unit (a
``788GB`` checkpoint size or ``128 / 8`` experts never counts), ``355B-A32B`` states both counts,
a context length is a token count, a licence is normalised.
"""

from __future__ import annotations

import re
from typing import Any

from jobs.extract.licenses import PROPRIETARY, licences_in, normalize_licence
from jobs.extract.numbers import NUMBER, amount, context_tokens, name_sizes
from jobs.extract.params import FIGURE
from jobs.extract.specs import architectures

_IGNORED = re.compile(
    r"expert|专家|專家|layer|层|層|head|头|頭|vocab|词表|詞表|\bGB\b|memory|显存|顯存|VRAM|price"
    r"|价格|價格|score|bench|download|precision|精度|embedding|嵌入|token\s*per|output|输出|輸出"
    r"|endpoint|provider|budget|预算|預算",
    re.IGNORECASE,
)
#: A component's count (the language model of a VLM, an MTP module) is not the model's.
COMPONENT = re.compile(
    r"\((?:LLM|language\s+model|大语言模型|大語言模型|语言模型|語言模型|MTP|non-embedding|非嵌入)\)"
    r"|non-embedding|非嵌入|\bMTP\b",
    re.IGNORECASE,
)
_HEADERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("params_active", re.compile(r"activ|激活|啟用|启用|啟動|启动|活跃|活躍", re.I)),
    ("context_length", re.compile(r"context|上下文|ctx", re.I)),
    ("license", re.compile(r"licen[cs]e|许可|許可|协议|協議|授权|授權", re.I)),
    ("architecture", re.compile(r"architecture|架构|架構", re.I)),
    ("params_total", re.compile(r"param|参数|參數|引數|model\s*size|^size$|总参|總參", re.I)),
    (
        "model",
        re.compile(r"^(?:models?|model\s*name|name|模型|模型名称|模型名稱|名称|名稱)$", re.I),
    ),
)
_CONTEXT_VALUE = re.compile(
    rf"(?<![\w.])(?P<number>{NUMBER})\s*(?P<unit>[KkMm](?![A-Za-z])|thousand|million|万|萬)?"
)
_NAME_SIZES = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[BbMm]-A\d+(?:\.\d+)?[Bb]\b")
_EMPTY = re.compile(r"^[\s\-—–/*]*$")


def header_field(cell: str) -> str | None:
    """The field a header or row label names, ``"model"`` for the model column, else None."""
    label = re.sub(r"[*#:：]", " ", cell).strip()
    if not label or _IGNORED.search(label) or COMPONENT.search(label):
        return None
    return next((field for field, pattern in _HEADERS if pattern.search(label)), None)


def cell_values(field: str, cell: str) -> list[tuple[str, Any]]:
    """``(field, value)`` pairs a cell states under ``field`` (usually one, none when unclear)."""
    cell = cell.strip()
    if _EMPTY.match(cell):
        return []
    if field in ("params_total", "params_active"):
        return _param_values(field, cell)
    if field == "context_length":
        tokens = _context_value(cell)
        return [] if tokens is None else [(field, tokens)]
    if field == "license":
        found = next((licence for _s, _e, licence in licences_in(cell, 0, len(cell))), None)
        licence = found or normalize_licence(cell)
        if licence is None:
            return []
        pairs: list[tuple[str, Any]] = [("license", licence)]
        return [*pairs, ("open_weights", False)] if licence == PROPRIETARY else pairs
    if field == "architecture":
        kinds = {kind for _at, kind in architectures(cell, 0, len(cell))}
        return [(field, kinds.pop())] if len(kinds) == 1 else []
    return []


def _param_values(field: str, cell: str) -> list[tuple[str, Any]]:
    if _NAME_SIZES.search(cell):  # "355B-A32B": both counts, whatever the column says
        sizes = name_sizes(_NAME_SIZES.search(cell).group())  # type: ignore[union-attr]
        return [
            (name, value)
            for name, value in (("params_total", sizes.total), ("params_active", sizes.active))
            if value is not None
        ]
    values = {amount(found.group("number"), found.group("unit")) for found in FIGURE.finditer(cell)}
    values.discard(None)
    if len(values) != 1:
        return []  # none, or a pair such as "300B/424B": no single count
    value = values.pop()
    return [(field, value)] if value is not None and 10**6 <= value <= 10**14 else []


def _context_value(cell: str) -> int | None:
    """The token count of a context cell; of a restatement ("12.8万 (128K)") the K form."""
    values = []
    for found in _CONTEXT_VALUE.finditer(cell):
        unit = found.group("unit") or ""
        digits = sum(char.isdigit() for char in found.group("number"))
        if not unit and digits < 4:
            continue
        tokens = context_tokens(found.group("number"), unit)
        if tokens is not None and tokens >= 1000:
            values.append((unit.lower() in ("k", "m"), tokens))
    if not values:
        return None
    if len({tokens for _k, tokens in values}) > 1 and not _restated(values):
        return None
    return max(values)[1]


def _restated(values: list[tuple[bool, int]]) -> bool:
    """True if every value is within 5% of the others (one window written two ways)."""
    low, high = min(v for _k, v in values), max(v for _k, v in values)
    return high <= low * 1.05
