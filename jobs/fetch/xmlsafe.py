"""Untrusted XML made safe for feedparser: no entity declarations, no forbidden control characters.

feedparser removes DOCTYPE entity declarations itself, but only with regexes anchored at line
starts: a one-line prolog, a comment before the DOCTYPE or a UTF-16 body (tests/hostile.py
builds each) slips them through to expat or to feedparser's loose parser, which expands a
"safe" entity itself (the quadratic blowup). So crownlog deletes every internal subset and
every ``<!ENTITY`` declaration before feedparser sees the bytes; references to them then stay
literal (bozo).
Control characters go first and the whole scrub repeats until nothing changes (a fixed point),
so ``<!DOC\x01TYPE`` cannot become a declaration after the scan has passed it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

_BOMS = (
    # UTF-32 LE first: its BOM starts with the UTF-16 LE BOM.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Which of the first four bytes are zero -> the UTF-16/32 flavour of "<" (XML 1.0 appendix F).
_ZERO_PATTERNS: dict[tuple[bool, ...], str] = {
    (True, True, True, False): "utf-32-be",
    (False, True, True, True): "utf-32-le",
    (True, False, True, False): "utf-16-be",
    (False, True, False, True): "utf-16-le",
}
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC
_DECLARED = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([\w.:-]{1,40})"
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]{0,300}?\?>")
_ENCODING_ATTR = re.compile(r"""encoding\s*=\s*(["'])[^"']*\1""")
_HAS_DECLARATION = re.compile(rb"<!\s*(?:doctype|entity)", re.IGNORECASE)
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ENTITY = re.compile(r"<!\s*ENTITY", re.IGNORECASE)
_DECLARATION_STOP = re.compile(r"[\"'>]")
_HEAD_STOP = re.compile(r"[\"'\[>]")
_SUBSET_STOP = re.compile(r"[\"']|<!--|<\?|\]")
_SUBSET_CLOSE = re.compile(r"\]\s*>")
# Terminal escapes (CSI, OSC, two-byte ESC sequences), bounded and never taking "<" or ">",
# so a stray ESC cannot eat markup; then the C0 controls XML 1.0 forbids (tab, LF and CR stay).
_ESCAPES = (
    r"\x1b(?:\[[0-;=?]{0,64}[ -/]{0,8}[@-~]?"  # CSI: ESC [ params final
    r"|\][^\x07\x1b\n<>]{0,512}(?:\x07|\x1b\\)?"  # OSC: ESC ] text BEL
    r"|[ -/]{0,4}[0-;=?-~]?)"  # two-byte and charset-designation escapes
)
_C0 = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_BYTE_CONTROLS = re.compile(f"{_ESCAPES}|{_C0}".encode())
_DOC_CONTROLS = re.compile(f"{_ESCAPES}|{_C0}")
# Text handed on also loses C1 controls (incl. the one-byte CSI), DEL, lone surrogates and
# non-characters: they garble terminals and logs, and orjson refuses surrogates.
_TEXT_CONTROLS = re.compile(
    _ESCAPES
    + r"|\x9b[0-;=?]{0,64}[ -/]{0,8}[@-~]?"
    + r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
)
_T = TypeVar("_T", str, bytes)
_PROBE = "<?xml !DOCTYPE ENTITY [ ] > \" ' % ; & #"


def neutralize(body: bytes, charset: str | None = None) -> bytes:
    """``body`` without DOCTYPE internal subsets, ``<!ENTITY`` declarations and C0 controls.

    ``charset`` is the HTTP charset, if the response named one: feedparser decodes by it, so a
    wide charset there (UTF-16/32, UTF-7, EBCDIC …) is honoured. A body in such an encoding is
    re-encoded to UTF-8 with a matching XML declaration (see ``decoding_for``); an
    ASCII-compatible body keeps its bytes and its encoding, invalid bytes included.
    """
    codec = decoding_for(body, charset)
    if codec is None:
        return _fixed_point(body, _scrub_bytes)
    text = _fixed_point(body.decode(codec, errors="replace").lstrip("\ufeff"), _scrub_text)
    declaration = _XML_DECL.match(text)
    if declaration and _ENCODING_ATTR.search(declaration.group()):
        fixed = _ENCODING_ATTR.sub('encoding="utf-8"', declaration.group(), count=1)
        text = fixed + text[declaration.end() :]
    return text.encode("utf-8", errors="replace")


def _scrub_bytes(body: bytes) -> bytes:
    # Controls first: removing them must not be what completes a declaration
    # ("<!DOC\x01TYPE" is "<!DOCTYPE" once the \x01 is gone).
    body = _BYTE_CONTROLS.sub(b"", body)
    if _HAS_DECLARATION.search(body):
        # latin-1 maps bytes 1:1, so the str scanner works for any ASCII-compatible encoding.
        body = strip_declarations(body.decode("latin-1")).encode("latin-1")
    return body


def _scrub_text(text: str) -> str:
    return strip_declarations(_DOC_CONTROLS.sub("", text))


def _fixed_point(value: _T, scrub: Callable[[_T], _T]) -> _T:
    """``scrub`` repeated until it changes nothing, so no removal can assemble what an earlier
    pass would have removed. A clean document costs one pass and a comparison; removing
    controls and then declarations settles in two passes (neither step can make a control)."""
    while True:
        scrubbed = scrub(value)
        if scrubbed == value:
            return scrubbed
        value = scrubbed


def decoding_for(body: bytes, charset: str | None = None) -> str | None:
    """The codec ``neutralize`` decodes ``body`` with (and re-encodes to UTF-8), or None.

    None means the body is ASCII-compatible and keeps its bytes. Precedence: a BOM, the byte
    pattern of ``<`` in UTF-16/32 or EBCDIC, the HTTP ``charset``, then an XML declaration
    naming a codec that can spell ``<!ENTITY`` without those ASCII bytes (UTF-7, ISO-2022 …).
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return None if name == "utf-8" else name
    if body[:4] == _EBCDIC_XML:
        return "cp037"
    if len(body) >= 4:
        sniffed = _ZERO_PATTERNS.get(tuple(byte == 0 for byte in body[:4]))
        if sniffed:
            return sniffed
    if charset:
        codec = _unsafe_codec(charset.strip().strip("\"'"), trust_wide=True)
        if codec:
            return codec
    declared = _DECLARED.match(body[:512])
    if declared:
        # A declaration readable as ASCII rules out a UTF-16/32 body, whatever it claims.
        return _unsafe_codec(declared.group(1).decode("ascii"), trust_wide=False)
    return None


def clean_text(text: str) -> str:
    """``text`` without terminal escapes, C0/C1 controls (but tab, LF, CR), DEL and surrogates."""
    return _TEXT_CONTROLS.sub("", text)


def strip_declarations(text: str) -> str:
    """``text`` with every DOCTYPE internal subset and ``<!ENTITY …>`` removed, wherever they are.

    The DOCTYPE itself stays (feedparser tells RSS 0.91 Netscape by it). The scan skips quoted
    strings, comments and PIs inside a subset; an unterminated subset loses only its ``[``, and
    the sweep for ``<!ENTITY`` runs until none is left, so no declaration survives either way.
    """
    while True:
        text = _strip_once(text)
        if not _ENTITY.search(text):
            return text


def _strip_once(text: str) -> str:
    parts: list[str] = []
    pos = 0
    while match := _DECLARATION.search(text, pos):
        parts.append(text[pos : match.start()])
        if match.group(1).upper() == "ENTITY":
            pos = _declaration_end(text, match.end())
            continue
        bracket = _subset_start(text, match.end())
        if bracket is None:
            parts.append(match.group())
            pos = match.end()
            continue
        close = _subset_end(text, bracket + 1)
        parts.append(text[match.start() : bracket].rstrip())
        if close is None:
            pos = bracket + 1  # the sweep removes the declarations one by one
        else:
            parts.append(">")
            pos = close
    parts.append(text[pos:])
    return "".join(parts)


def _declaration_end(text: str, pos: int) -> int:
    """Index after the ``>`` closing a markup declaration (quotes skipped), or the text's end."""
    while stop := _DECLARATION_STOP.search(text, pos):
        if stop.group() == ">":
            return stop.end()
        closing = text.find(stop.group(), stop.end())
        if closing < 0:
            return len(text)
        pos = closing + 1
    return len(text)


def _subset_start(text: str, pos: int) -> int | None:
    """Index of the ``[`` opening a DOCTYPE's internal subset, or None if it has none."""
    while stop := _HEAD_STOP.search(text, pos):
        if stop.group() == "[":
            return stop.start()
        if stop.group() == ">":
            return None
        closing = text.find(stop.group(), stop.end())
        if closing < 0:
            return None
        pos = closing + 1
    return None


def _subset_end(text: str, pos: int) -> int | None:
    """Index after the ``]>`` closing an internal subset, or None if it never closes."""
    ends = {'"': '"', "'": "'", "<!--": "-->", "<?": "?>"}
    while stop := _SUBSET_STOP.search(text, pos):
        token = stop.group()
        if token == "]":
            close = _SUBSET_CLOSE.match(text, stop.start())
            if close:
                return close.end()
            pos = stop.end()
            continue
        closing = text.find(ends[token], stop.end())
        if closing < 0:
            return None
        pos = closing + len(ends[token])
    return None


@lru_cache(maxsize=256)
def _unsafe_codec(name: str, trust_wide: bool) -> str | None:
    """``name``'s codec if ASCII bytes cannot be read as ASCII in it, else None."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None  # feedparser falls back to UTF-8 / windows-1252, both ASCII-compatible
    if "2022" in info.name or info.name in ("hz", "utf-7"):
        return info.name  # stateful: shift sequences make ASCII bytes mean other characters
    try:
        compatible = _PROBE.encode(info.name) == _PROBE.encode("ascii")
    except (UnicodeError, LookupError, TypeError):
        compatible = False
    if compatible or (info.name.startswith(("utf-16", "utf-32")) and not trust_wide):
        return None
    return info.name
