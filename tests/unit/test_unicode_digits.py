"""Remote and client text with non-ASCII digits: ``"²".isdigit()`` is true but ``int("²")``
fails, so every digit test that guards an ``int()`` asks for ASCII digits."""

from __future__ import annotations

import pytest

from jobs.fetch.httprules import retry_after
from jobs.sources.leaderboard import _at_path


@pytest.mark.parametrize("value", ["²", "٣", "１２", "Ⅻ", "9" * 40])
def test_retry_after_of_other_digits_is_ignored(value: str) -> None:
    """A server's ``Retry-After: ²`` is no delay at all, not a crash of the poll."""
    assert retry_after(value, cap=300) is None


def test_retry_after_of_ascii_digits_still_counts() -> None:
    assert retry_after("120", cap=300) == 120.0
    assert retry_after("9999", cap=300) == 300.0


def test_a_rows_path_with_other_digits_finds_nothing() -> None:
    document = {"data": [{"model": "a"}, {"model": "b"}]}
    assert _at_path(document, "data.1.model") == "b"
    assert _at_path(document, "data.².model") is None
    assert _at_path(document, "data.7") is None
