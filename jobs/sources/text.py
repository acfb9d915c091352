"""Plain text for extraction: HTML flattened, entities unescaped, controls and whitespace tidied.

A table keeps its rows: each ``<tr>`` becomes a line of pipe-separated cells
(``| GLM-4.5 | 355B | 32B |``), which ``jobs.extract.tables`` reads.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from jobs.fetch.xmlsafe import clean_text

# Elements whose content is never readable text.
_SKIP = frozenset({"script", "style", "template", "noscript", "head", "title"})
# Elements that end a line, so paragraphs and list items do not run together.
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
        "p", "pre", "section", "table", "ul",
    }
)  # fmt: skip
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML fragment: tags dropped, script/style content dropped."""
    if "<" not in markup and "&" not in markup:
        return plain_text(markup)
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return plain_text("".join(parser.chunks))


def plain_text(text: str) -> str:
    """``text`` without controls, with runs of spaces collapsed and blank lines squeezed."""
    lines = _SPACES.sub(" ", clean_text(text).replace("\r", "\n"))
    return _BLANK_LINES.sub("\n", "\n".join(line.strip() for line in lines.split("\n"))).strip()


class _TextParser(HTMLParser):
    """Collects character data outside skipped elements; the stdlib parser never recurses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping.append(tag)
        elif tag == "tr":
            self.chunks.append("\n|")
        elif tag in ("td", "th"):
            self.chunks.append(" ")
        elif tag in _BLOCK:
            self.chunks.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skipping:
            # Pop back to the matching open tag; unclosed inner skips end with it.
            while self._skipping and self._skipping.pop() != tag:
                pass
        elif tag in ("td", "th"):
            self.chunks.append(" |")
        elif tag in _BLOCK or tag == "tr":
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)
