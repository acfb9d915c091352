"""Atom 1.0 (RFC 4287) documents, written with ElementTree so every text is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
HEAD_NS = "https://github.com/crownlog/crownlog/ns/head"
#: Characters XML 1.0 forbids even escaped (titles come from third-party feeds).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry: ``updated``/``published`` are RFC 3339 texts."""

    id: str
    title: str
    updated: str
    link: str
    summary: str
    published: str | None = None
    via: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Feed:
    id: str
    title: str
    subtitle: str
    updated: str
    self_link: str
    alternate: str
    #: The log's anchored head (``service.anchor``), published as ``<crownlog:head …/>``.
    head: dict[str, str] | None = None


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def document(feed: Feed, entries: Sequence[Entry]) -> bytes:
    """The feed as UTF-8 XML bytes."""
    # Plain tag names under a default xmlns: ElementTree would otherwise invent "ns0:" prefixes.
    root = ET.Element("feed", {"xmlns": NS})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title)
    _add(root, "subtitle", feed.subtitle)
    _add(root, "updated", feed.updated)
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate)
    author = _add(root, "author")
    _add(author, "name", "crownlog")
    _add(root, "generator", "crownlog")
    if feed.head:
        # An extension element (RFC 4287 §6.4): feed readers skip it, auditors keep it.
        _add(root, "crownlog:head", **{"xmlns:crownlog": HEAD_NS, **feed.head})
    for entry in entries:
        element = _add(root, "entry")
        _add(element, "id", entry.id)
        _add(element, "title", entry.title)
        _add(element, "updated", entry.updated)
        if entry.published is not None:
            _add(element, "published", entry.published)
        _add(element, "link", rel="alternate", type="text/html", href=entry.link)
        if entry.via:
            _add(element, "link", rel="via", href=entry.via)
        for term in entry.categories:
            _add(element, "category", term=term)
        _add(element, "summary", entry.summary, type="text")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
