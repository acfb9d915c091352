"""Flattened spec sheets: a label and its value split over two lines, or glued together.

Scraped model pages lose their layout: ``Active Parameters`` on one line and ``355B`` on the
next, ``总参数(视觉语言模型)`` then ``3210亿``, or ``Max Context Length65536`` and
``Parameters117B`` with no separator at all. A label naming a spec field (parameters, context,
licence, release date, architecture) is joined to its value with ``": "``, so the prose rules
read ``Active Parameters: 355B`` as they read any sentence. Other lines are left alone.
"""

from __future__ import annotations

import re

from jobs.extract.text import Edit, Normalized

_FIELD = (
    r"(?:param(?:eter)?s?|参数|參數|引數|context|上下文|licen[cs]e|许可|許可|协议|協議|授权|授權"
    r"|releas|发布日期|發布日期|architecture|架构|架構)"
)
_LABEL = re.compile(rf"^[^\d\n:：|]{{0,50}}{_FIELD}[^\d\n:：|]{{0,30}}$", re.IGNORECASE)
#: A value line: a figure with its unit, a licence or architecture name, or a date.
_VALUE = re.compile(
    r"^(?:[~≈]?\d[\d,.]*\s*(?:[A-Za-z]{0,9}|亿|億|万|萬|万亿|萬億|兆)(?:\s*tokens?)?"
    r"|\d{1,2}\s+[A-Za-z]{3,9},?\s+20\d{2}|[A-Za-z][A-Za-z0-9 .()'-]{1,40})$"
)
_GLUED = re.compile(
    rf"^(?P<label>[^\d\n:：|]{{0,50}}{_FIELD}[^\d\n:：|]{{0,30}}?[A-Za-z)\u3400-\u9fff])"
    r"(?P<value>\d[\d,.]*\s*[A-Za-z万萬亿億]{0,8})\s*$",
    re.IGNORECASE,
)


def join_spec_lines(norm: Normalized) -> Normalized:
    """``norm`` with spec labels joined to their values (``"Context Length: 128K"``)."""
    text = norm.text
    edits: list[Edit] = []
    lines = _lines(text)
    for index, (start, end) in enumerate(lines):
        line = text[start:end].strip()
        glued = _GLUED.match(line)
        if glued:
            at = start + (len(text[start:end]) - len(text[start:end].lstrip())) + glued.end("label")
            edits.append((at, at, ": "))
            continue
        if not _LABEL.match(line) or index + 1 >= len(lines):
            continue
        next_start, next_end = lines[index + 1]
        value = text[next_start:next_end].strip()
        if value and _VALUE.match(value) and not _LABEL.match(value):
            edits.append((end, next_start, ": "))
    return norm.rewrite(edits) if edits else norm


def _lines(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every non-blank line."""
    spans, start = [], 0
    for found in re.finditer(r"\n", text):
        if text[start : found.start()].strip():
            spans.append((start, found.start()))
        start = found.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans
