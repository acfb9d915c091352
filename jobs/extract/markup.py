"""Markup in extracted text: HTML tags and entities, Markdown emphasis and code fences.

Model cards and scraped pages reach extraction as raw Markdown with inline HTML (a README's
``<table>``, ``<sup>``, ``&nbsp;``). Tags are dropped, block tags end a line, and an HTML table
becomes pipe rows (``| cell | cell |``) so that ``jobs.extract.tables`` reads HTML and Markdown
tables alike. Entities are decoded (``&#8209;`` → a hyphen, ``&amp;`` → ``&``). Every change is
an edit of ``jobs.extract.text.Normalized``, so offsets still point into the original.
"""

from __future__ import annotations

import html
import re

from jobs.extract.text import Edit, Normalized

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SKIPPED = re.compile(r"<(script|style|template)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]{0,15})(?:\s[^<>]{0,500})?/?>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
#: ``**bold**``, ``__bold__`` and code fences carry no words.
_EMPHASIS = re.compile(r"\*\*|__|^[ \t]*```[\w-]*[ \t]*$", re.MULTILINE)
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
        "figcaption", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
        "main", "nav", "ol", "p", "pre", "section", "summary", "ul", "caption",
    }
)  # fmt: skip
_TABLE = frozenset({"table", "thead", "tbody", "tfoot"})
_CELL = frozenset({"td", "th"})


def strip_markup(norm: Normalized) -> Normalized:
    """``norm`` without tags, entities and emphasis marks; HTML tables as pipe rows."""
    text = norm.text
    if not any(mark in text for mark in ("<", "&", "**", "__", "```")):
        return norm
    edits: list[Edit] = []
    dropped: list[tuple[int, int]] = []
    for pattern in (_COMMENT, _SKIPPED):
        for found in pattern.finditer(text):
            edits.append((found.start(), found.end(), ""))
            dropped.append(found.span())
    in_cell = False
    for found in _TAG.finditer(text):
        if any(start <= found.start() < end for start, end in dropped):
            continue
        name = found.group(1).lower()
        closing = found.group().startswith("</")
        replacement, in_cell = _tag_replacement(name, closing, in_cell)
        edits.append((found.start(), found.end(), replacement))
    for found in _ENTITY.finditer(text):
        decoded = html.unescape(found.group())
        if decoded != found.group():
            edits.append((found.start(), found.end(), decoded.replace("\xa0", " ")))
    edits.extend((found.start(), found.end(), "") for found in _EMPHASIS.finditer(text))
    return norm.rewrite(edits)


def _tag_replacement(name: str, closing: bool, in_cell: bool) -> tuple[str, bool]:
    """What a tag becomes, and whether a table cell is open after it."""
    if name == "tr":
        return ("\n" if closing else "\n|"), False
    if name in _CELL:
        return (" |" if closing else " "), not closing
    if name in _TABLE:
        return "\n", False
    if name in _BLOCK:
        return (" " if in_cell else "\n"), in_cell
    return "", in_cell
