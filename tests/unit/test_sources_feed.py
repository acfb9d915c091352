"""The RSS/Atom adapter: identity, hashes, plain text, complete dates, and what is not a feed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobs.observation import ParseResult
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources import ParseError, feed
from jobs.sources.dates import complete_date
from jobs.sources.text import html_to_text

FETCHED_AT = datetime(2025, 7, 29, 12, 0, tzinfo=UTC)
SOURCE = SourceConfig(id="news", kind="feed", url="https://news.example.com/feed.xml")


def rss(items: str, channel: str = "", encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>News</title><link>https://news.example.com/</link><description>d</description>"
        f"{channel}{items}</channel></rss>"
    ).encode(encoding)


def parse(body: bytes, headers: dict[str, str] | None = None) -> ParseResult:
    return feed.parse(body, headers or {}, SOURCE, FETCHED_AT)


GLM = (
    "<item><title>Zhipu releases &lt;b&gt;GLM-4.5&lt;/b&gt;</title>"
    "<link>https://news.example.com/glm-4-5</link><guid>urn:news:1</guid>"
    "<pubDate>Mon, 28 Jul 2025 09:00:00 +0800</pubDate>"
    "<description>&lt;p&gt;355B total, 32B active &amp;amp; MIT.&lt;/p&gt;"
    "&lt;script&gt;track()&lt;/script&gt;&lt;style&gt;p{}&lt;/style&gt;</description></item>"
)


def test_an_rss_item_becomes_an_entry_observation() -> None:
    """guid as item id, the link, plain-text title and text, the stated publication time."""
    (entry,) = parse(rss(GLM)).observations
    assert (entry.item_id, entry.kind) == ("urn:news:1", "entry")
    assert entry.url == "https://news.example.com/glm-4-5"
    assert entry.title == "Zhipu releases GLM-4.5"
    assert entry.text == "355B total, 32B active & MIT."
    assert entry.published == datetime(2025, 7, 28, 1, 0, tzinfo=UTC)
    assert entry.updated is None


def test_the_hash_is_stable_and_changes_with_the_content() -> None:
    """Same document, same hash; an edited title, another hash but the same item id."""
    first = parse(rss(GLM)).observations[0]
    assert parse(rss(GLM)).observations[0].sha256 == first.sha256
    edited = parse(rss(GLM.replace("Zhipu releases", "Z.ai releases"))).observations[0]
    assert (edited.item_id, edited.sha256 != first.sha256) == (first.item_id, True)


def test_identity_falls_back_from_guid_to_link_to_a_content_hash() -> None:
    """No guid: the link; neither: a hash of title, date and content, stable across polls."""
    items = (
        "<item><title>a</title><link>https://news.example.com/a</link></item>"
        "<item><title>b</title><description>only text</description></item>"
    )
    linked, bare = parse(rss(items)).observations
    assert linked.item_id == "https://news.example.com/a"
    assert bare.item_id.startswith("sha256:") and bare.url is None
    assert parse(rss(items)).observations[1].item_id == bare.item_id


def test_a_repeated_guid_falls_back_to_the_content_hash() -> None:
    """The first keeps the guid; later duplicates get distinct content-hash ids."""
    items = "".join(f"<item><title>t{n}</title><guid>urn:dup</guid></item>" for n in range(3))
    ids = [o.item_id for o in parse(rss(items)).observations]
    assert ids[0] == "urn:dup" and len(set(ids)) == 3
    assert all(i.startswith("sha256:") for i in ids[1:])


def test_a_guid_that_is_no_url_gives_no_link() -> None:
    """feedparser copies a non-URL guid into link; crownlog does not treat it as a URL."""
    (entry,) = parse(rss("<item><title>x</title><guid>g1</guid></item>")).observations
    assert (entry.item_id, entry.url) == ("g1", None)


def test_relative_links_resolve_and_unsafe_ones_are_dropped() -> None:
    """Relative to the source URL; javascript: is no link."""
    items = (
        "<item><title>r</title><link>/posts/1</link><guid>1</guid></item>"
        "<item><title>j</title><link>javascript:alert(1)</link><guid>2</guid></item>"
    )
    relative, script = parse(rss(items)).observations
    assert relative.url == "https://news.example.com/posts/1" and script.url is None


@pytest.mark.parametrize(
    "raw",
    ["2025", "2025-07", "Jul 2025", "Mon, 28 Jul", "-0712", "2025-xx-28", "2025-W31"],
)
def test_partial_dates_are_not_completed_from_today(raw: str) -> None:
    """feedparser fills missing fields from the clock; crownlog keeps None."""
    item = f"<item><title>x</title><guid>1</guid><pubDate>{raw}</pubDate></item>"
    assert parse(rss(item)).observations[0].published is None


def test_dates_in_the_future_are_rejected_beyond_a_day() -> None:
    """fetched_at + 1 day is allowed (time zones, skew); later is not."""
    dated = (
        "<item><title>{0}</title><guid>{0}</guid><pubDate>{1} 2025 06:00:00 GMT</pubDate></item>"
    )
    soon, late = dated.format("s", "Wed, 30 Jul"), dated.format("l", "Fri, 01 Aug")
    kept, dropped = parse(rss(soon + late)).observations
    assert kept.published == datetime(2025, 7, 30, 6, tzinfo=UTC) and dropped.published is None


def test_complete_date_checks_the_parsed_value_against_the_text() -> None:
    """A parse that disagrees with the text (feedparser's Korean/Hungarian month bug) is dropped."""
    wrong = datetime(2004, 11, 1, tzinfo=UTC).timetuple()
    assert complete_date("2004년 05월 28일  01:31:15", wrong, FETCHED_AT) is None
    right = datetime(2004, 5, 27, 16, 31, 15, tzinfo=UTC).timetuple()
    assert complete_date("2004년 05월 28일  01:31:15", right, FETCHED_AT) is not None
    assert complete_date(
        "Κυρ, 11 Ιούλ 2004 12:00:00 EST", datetime(2004, 7, 11, 17).timetuple(), FETCHED_AT
    )


def test_an_atom_feed_with_updated_and_xhtml_content() -> None:
    """Atom ids are kept verbatim; xhtml content becomes plain text."""
    body = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>Lab blog</title><id>urn:blog</id>
    <updated>2025-07-28T10:00:00Z</updated>
    <entry><id>HTTP://Example.COM/Post#1</id>
    <title type="html">Step 3 &lt;b&gt;is out&lt;/b&gt;</title>
    <link rel="alternate" href="https://example.com/post1"/>
    <published>2025-07-25T08:00:00+08:00</published><updated>2025-07-28T10:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">
    <p>321B total,</p><p>38B active</p></div></content>
    <category term="release"/><author><name>StepFun</name></author></entry></feed>"""
    (entry,) = parse(body).observations
    assert entry.item_id == "HTTP://Example.COM/Post#1"
    assert entry.title == "Step 3 is out"
    assert entry.text == "321B total,\n38B active"
    assert entry.published == datetime(2025, 7, 25, 0, 0, tzinfo=UTC)
    assert entry.updated == datetime(2025, 7, 28, 10, 0, tzinfo=UTC)
    assert entry.fields == {"author": "StepFun", "categories": ["release"]}


def test_rss_ttl_becomes_a_polling_hint() -> None:
    """<ttl> is minutes."""
    assert parse(rss(GLM, channel="<ttl>90</ttl>")).ttl_seconds == 5400
    assert parse(rss(GLM, channel="<ttl>soon</ttl>")).ttl_seconds is None


def test_control_characters_and_terminal_escapes_never_reach_the_text() -> None:
    """NUL, ESC sequences, other C0/C1 controls and DEL are stripped from every text."""
    item = "<item><title>a\x00b\x1b[31mred\x1b[0m\x7f \x81c</title><guid>x\x01y</guid></item>"
    (entry,) = parse(rss(item)).observations
    assert (entry.title, entry.item_id) == ("abred c", "xy")


def test_charset_rules_apply_from_the_response_headers() -> None:
    """An ISO-8859-1 body is decoded by the header's charset, and a UTF-16 one re-encoded."""
    latin = rss("<item><title>Caf\u00e9</title><guid>1</guid></item>", encoding="iso-8859-1")
    headers = {"Content-Type": "application/rss+xml; charset=ISO-8859-1"}
    assert parse(latin, headers).observations[0].title == "Café"
    wide = rss("<item><title>\u4e2d\u6587</title><guid>1</guid></item>", encoding="utf-16")
    headers = {"content-type": "text/xml; charset=utf-16"}
    assert parse(wide, headers).observations[0].title == "中文"


def test_a_bozo_feed_with_entries_yields_them_and_says_why() -> None:
    """Ill-formed but readable: entries plus a bozo reason."""
    result = parse(rss(GLM).replace(b"</channel></rss>", b"<item><title>cut"))
    assert result.observations[0].item_id == "urn:news:1"
    assert result.bozo_reason and "SAXParseException" in result.bozo_reason


def test_a_valid_feed_with_no_items_is_empty_not_an_error() -> None:
    """A quiet feed is not a broken one."""
    assert parse(rss("")).observations == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty response body"),
        (b" \n\t ", "empty response body"),
        (
            b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>",
            "not a feed: got an HTML page ('Just a moment...')",
        ),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "not a feed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x', "not a feed"),
    ],
)
def test_what_is_not_a_feed_raises_a_clear_parse_error(body: bytes, message: str) -> None:
    """Empty, HTML, JSON, or broken with nothing readable."""
    with pytest.raises(ParseError) as caught:
        parse(body)
    assert message in str(caught.value)


def test_html_to_text_flattens_markup() -> None:
    """Tags go, entities are unescaped, blocks become lines, script and style disappear."""
    markup = "<h1>Title</h1><p>One&nbsp;&amp; <em>two</em></p><script>x()</script><ul><li>a</li>"
    markup += "<li>b</li></ul><style>p { color: red }</style>"
    assert html_to_text(markup) == "Title\nOne & two\na\nb"
    assert html_to_text("5 < 6 and 7 > 3") == "5 < 6 and 7 > 3"
