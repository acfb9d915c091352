"""xmlsafe: entity declarations and control characters removed, in every encoding and layout."""

from __future__ import annotations

import io
import re
import time

import feedparser
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jobs.fetch.xmlsafe import clean_text, decoding_for, neutralize, strip_declarations
from jobs.sources.feed import read_feed

LAUGHS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
)  # ~3 GB if expanded
DTD = f'<!DOCTYPE rss [<!ENTITY lol "lol">{LAUGHS}]>'
BODY = (
    '<rss version="2.0"><channel><title>T &lol9; é</title>'
    "<item><title>i</title></item></channel></rss>"
)
LAYOUTS = {
    "one line": '<?xml version="1.0" encoding="{enc}"?>' + DTD + BODY,
    "own lines": '<?xml version="1.0" encoding="{enc}"?>\n'
    + DTD.replace("<!ENTITY", "\n  <!ENTITY").replace("]>", "\n]>\n")
    + BODY,
    "after a comment": '<?xml version="1.0" encoding="{enc}"?><!-- see <a href="x">x</a> -->'
    + DTD
    + BODY,
}
ENCODINGS = {
    "utf-8": ("utf-8", b""),
    "utf-8 bom": ("utf-8", b"\xef\xbb\xbf"),
    "utf-16-le bom": ("utf-16-le", b"\xff\xfe"),
    "utf-16-be bom": ("utf-16-be", b"\xfe\xff"),
    "utf-16-le": ("utf-16-le", b""),
    "utf-16-be": ("utf-16-be", b""),
    "utf-32-le bom": ("utf-32-le", b"\xff\xfe\x00\x00"),
    "utf-32-be": ("utf-32-be", b""),
}
ENTITY = re.compile(r"<!\s*ENTITY", re.IGNORECASE)


def as_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_billion_laughs_loses_every_declaration(layout: str, encoding: str) -> None:
    """Whatever the layout or encoding, no ENTITY survives and feedparser expands nothing."""
    codec, bom = ENCODINGS[encoding]
    document = LAYOUTS[layout].format(enc=codec.removesuffix("-le").removesuffix("-be"))
    safe = neutralize(bom + document.encode(codec))
    assert not ENTITY.search(as_text(safe))
    started = time.perf_counter()
    result = feedparser.parse(io.BytesIO(safe))
    assert time.perf_counter() - started < 2
    assert result.feed.title.startswith("T ") and result.feed.title.endswith(" é")
    assert "lollol" not in result.feed.title
    assert [entry.title for entry in result.entries] == ["i"]


def test_wide_encodings_come_out_as_utf8_with_a_matching_declaration() -> None:
    """Re-encoded documents say encoding="utf-8" and keep their text."""
    document = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel>'
    document += "<title>Ünï</title></channel></rss>"
    safe = neutralize(b"\xff\xfe" + document.encode("utf-16-le"))
    assert safe.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert feedparser.parse(io.BytesIO(safe)).feed.title == "Ünï"
    assert decoding_for(b"\xff\xfe" + document.encode("utf-16-le")) == "utf-16-le"


def test_an_http_charset_is_honoured_for_wide_encodings() -> None:
    """A UTF-16 body with no BOM and no "<" first is found by the header's charset."""
    document = "\u4e2d<!DOCTYPE x [<!ENTITY a 'b'>]><rss/>"
    body = document.encode("utf-16-le")
    assert decoding_for(body) is None  # nothing in the bytes says UTF-16 …
    assert decoding_for(body, "UTF-16LE") == "utf-16-le"  # … but the header does
    assert not ENTITY.search(as_text(neutralize(body, "utf-16le")))


def test_utf7_and_ebcdic_declarations_are_decoded_before_scanning() -> None:
    """Codecs that spell "<!ENTITY" without those bytes are decoded first."""
    document = '<?xml version="1.0" encoding="utf-7"?><!DOCTYPE rss [<!ENTITY a "AAA">]><rss/>'
    utf7 = document.encode("utf-7").replace(b"<!ENTITY", b"+ADwAIQ-ENTITY")  # "<!" in base64
    assert b"<!ENTITY" not in utf7 and decoding_for(utf7) == "utf-7"
    assert not ENTITY.search(as_text(neutralize(utf7)))
    ebcdic = document.replace("utf-7", "cp037").encode("cp037")
    assert decoding_for(ebcdic) == "cp037"
    assert as_text(neutralize(ebcdic)).endswith("<!DOCTYPE rss><rss/>")


def test_an_xml_declaration_claiming_utf16_over_ascii_bytes_is_not_believed() -> None:
    """Readable ASCII cannot be UTF-16: the bytes are scanned as they are."""
    body = b'<?xml version="1.0" encoding="utf-16"?><!DOCTYPE r [<!ENTITY a "b">]><r/>'
    assert decoding_for(body) is None
    assert neutralize(body) == b'<?xml version="1.0" encoding="utf-16"?><!DOCTYPE r><r/>'


def test_the_doctype_stays_and_only_its_internal_subset_goes() -> None:
    """RSS 0.91 Netscape is told by its DOCTYPE; an external id is kept."""
    netscape = (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    )
    assert strip_declarations(netscape + "<rss/>") == netscape + "<rss/>"
    assert strip_declarations('<!DOCTYPE rss SYSTEM "a.dtd" [ <!ENTITY x "y"> ]><rss/>') == (
        '<!DOCTYPE rss SYSTEM "a.dtd"><rss/>'
    )


@pytest.mark.parametrize(
    "subset",
    [
        '<!ENTITY a "]>"> <!ENTITY b "&a;&a;">',  # a quoted "]>" does not end the subset
        "<!ENTITY a '>'> <!-- ]> --> <!ENTITY b 'x'>",  # nor does one in a comment
        '<?pi ]> ?><!ENTITY b "x">',  # nor in a processing instruction
        '<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;',  # parameter entities
        '<!entity lower "case"><!ENTITY\n\tspaced\n"x">',  # odd spellings
    ],
)
def test_tricky_subsets_are_removed_whole(subset: str) -> None:
    """The scanner skips quotes, comments and PIs; the rest of the document is intact."""
    out = strip_declarations(f"<?xml version='1.0'?><!DOCTYPE rss [{subset}]><rss>&b;</rss>")
    assert out == "<?xml version='1.0'?><!DOCTYPE rss><rss>&b;</rss>"


def test_declarations_outside_a_doctype_and_unterminated_ones_go_too() -> None:
    """No ENTITY survives, whether stray, unterminated, or formed by removing another."""
    assert not ENTITY.search(strip_declarations('<r><!ENTITY a "b"></r>'))
    assert not ENTITY.search(strip_declarations('<!DOCTYPE r [<!ENTITY a "b"> <r>'))
    assert not ENTITY.search(strip_declarations('<!EN<!ENTITY a "b">TITY c "d"><r/>'))
    assert strip_declarations('<r/><!ENTITY a "never closed') == "<r/>"


#: Arrangements the property once found only on some runs: a control character (or a terminal
#: escape) inside a keyword completed the declaration after the scan had passed it.
PINNED = (
    '<!DOC\x01TYPE rss [<!EN\x02TITY a "x">]><rss/>',
    "<!EN\x00TITY a 'x'>",
    "<!DOC\x1b[0mTYPE r [<!EN\x1b]0;t\x07TITY a 'x'>]>",
    "<!\x0bENTITY a 'x'>",
    '<!EN<!EN\x01TITY a "b">TITY c "d">',
)
ENCODED = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32", "utf-16-le": "utf-16-le"}


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from(["<!ENTITY", "<!DOCTYPE r", "[", "]", ">", '"', "'", "<!--", "-->", "<?",
                         "?>", "%", "x", " ", "<!EN", "TITY", "<!DOC", "TYPE", "\n", "é", "\x00",
                         "\x01", "\x1b", "\x1b[0m", "\x1b]0;", "\x07", "\x0b"]),
        max_size=40,
    ).map("".join),
    st.sampled_from(sorted(ENCODED)),
)  # fmt: skip
@example(PINNED[0], "utf-8")
@example(PINNED[0], "utf-16")
@example(PINNED[0], "utf-32")
@example(PINNED[1], "utf-8")
@example(PINNED[2], "utf-16-le")
@example(PINNED[3], "utf-32")
@example(PINNED[4], "utf-8")
def test_no_entity_declaration_survives_any_arrangement(text: str, encoding: str) -> None:
    """A property: for any mix of delimiters and controls, in UTF-8/16/32, no declaration
    survives and a second pass changes nothing (the guard is at its fixed point)."""
    safe = neutralize(text.encode(ENCODED[encoding]))
    assert not ENTITY.search(as_text(safe))
    assert neutralize(safe) == safe


@pytest.mark.parametrize("encoding", sorted(ENCODED))
@pytest.mark.parametrize("pinned", PINNED)
def test_the_pinned_bypasses_lose_every_declaration(pinned: str, encoding: str) -> None:
    """The arrangements that once got through stay refused in every encoding (no luck needed)."""
    safe = neutralize(pinned.encode(ENCODED[encoding]))
    assert not ENTITY.search(as_text(safe))
    assert not re.search(r"<!\s*DOCTYPE[^>]*\[", as_text(safe))


@pytest.mark.parametrize("encoding", sorted(ENCODED))
def test_entities_split_by_controls_are_never_expanded_by_read_feed(encoding: str) -> None:
    """``<!DOC\\x01TYPE`` with three nested entities, through the feed reader: nothing expands."""
    subset = (
        '<!EN\x02TITY a "0123456789"><!EN\x1b[1mTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!EN\x03TITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    )
    declared = "utf-8" if encoding == "utf-8" else encoding.removesuffix("-le")
    document = (
        f'<?xml version="1.0" encoding="{declared}"?><!DOC\x01TYPE rss [{subset}]>'
        '<rss version="2.0"><channel><title>T &c;</title><item><title>i</title></item>'
        "</channel></rss>"
    )
    result = read_feed(document.encode(ENCODED[encoding]), {})
    assert result.feed.title == "T &c;"  # the reference stays literal: its entity is gone
    assert "0123456789" not in result.feed.title


def test_forbidden_controls_and_terminal_escapes_are_stripped_from_documents() -> None:
    """NUL, C0 controls and ESC [31m go; tab, LF, CR and non-ASCII bytes stay, invalid ones too."""
    body = b"<t>a\x00b\x01\x08\x0b\x0c c\x1b[31mred\x1b[0m\td\r\ne \xc3\xa9 \xff\x80</t>"
    assert neutralize(body) == b"<t>ab cred\td\r\ne \xc3\xa9 \xff\x80</t>"
    assert neutralize(b"<a>\x1b</a>") == b"<a></a>"  # an ESC never takes markup with it


def test_clean_documents_pass_unchanged_and_neutralize_is_idempotent() -> None:
    """Nothing to remove means the same bytes; a second pass changes nothing."""
    clean = b'<?xml version="1.0" encoding="iso-8859-1"?><rss><title>caf\xe9</title></rss>'
    assert neutralize(clean) == clean
    once = neutralize(("<!DOCTYPE r [<!ENTITY a 'b'>]>" + BODY).encode("utf-16"))
    assert neutralize(once) == once


def test_clean_text_strips_what_would_garble_a_terminal_or_a_log() -> None:
    """C0, C1 (incl. the one-byte CSI), DEL, OSC titles, lone surrogates; keeps tab/LF/CR."""
    text = "a\x00b\x1b[1;31mc\x1b]0;title\x07d\x9b2Je\x7f\x85f\ud800g\th\ni\rj"
    assert clean_text(text) == "abcdefg\th\ni\rj"
    assert clean_text("Ünïcode 中文 ✓") == "Ünïcode 中文 ✓"


def test_neutralize_is_linear_on_large_and_pathological_input() -> None:
    """20 MiB of clean XML and 2 MiB of unterminated openers both take well under a second."""
    big = b"<rss>" + b"<item><title>x</title></item>" * 700_000 + b"</rss>"
    started = time.perf_counter()
    assert neutralize(big) == big
    hostile = b"<!DOCTYPE r [" + b'<!--"' * 400_000
    neutralize(hostile)
    neutralize(b"<!ENTITY" * 250_000)
    assert time.perf_counter() - started < 5
