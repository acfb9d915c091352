"""sources.toml as a typed model: strict values, errors located by line, the published schema."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from jobs.schedule.sourcefile import KINDS, SourceConfig, SourceEntry, parse_every
from jobs.schedule.sourceload import SourceFileError, load_sources
from jobs.schedule.sourceschema import schema_json
from tests.conftest import ROOT

GOOD = '[[source]]\nid = "a"\nkind = "feed"\nurl = "https://news.example/feed"\n'

#: The files of the issue that killed a worker on SIGHUP, with the line and words expected.
BROKEN = {
    "invalid-utf8": (b"# caf\xe9\n" + GOOD.encode(), 1, "not UTF-8"),
    "columns-int": ((GOOD + "columns = 5\n").encode(), 5, "columns: Input should be a valid dict"),
    "archive-int": ((GOOD + "archive = 5\n").encode(), 5, "archive: Input should be a valid str"),
    "source-list": (b"source = [1, 2]\n", 1, "must be a [[source]] table"),
    "every-huge": ((GOOD + 'every = "999999999999d"\n').encode(), 5, "longer than 365d"),
    "enabled-str": ((GOOD + 'enabled = "false"\n').encode(), 5, "must be true or false"),
}


def _write(tmp_path: Path, data: bytes, name: str = "sources.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_file_is_one_located_error(tmp_path: Path, name: str) -> None:
    """Each file of the issue raises SourceFileError naming the file, the line and the reason."""
    data, line, words = BROKEN[name]
    path = _write(tmp_path, data)
    with pytest.raises(SourceFileError) as raised:
        load_sources(path)
    error = raised.value
    assert error.problems[0].line == line, error.lines()
    assert str(error).startswith(f"{path}:{line}: ") and words in str(error), str(error)
    assert "\n" not in str(error)


def test_a_string_is_not_a_boolean_and_false_is_off(tmp_path: Path) -> None:
    """``enabled = false`` turns a source off; only real booleans are accepted."""
    (source,) = load_sources(_write(tmp_path, (GOOD + "enabled = false\n").encode()))
    assert source.enabled is False


def test_toml_syntax_errors_and_unknown_keys_and_duplicates_are_located(tmp_path: Path) -> None:
    """A TOML syntax error keeps tomllib's line; an unknown key points at its own line."""
    with pytest.raises(SourceFileError, match=r":6: not valid TOML"):
        load_sources(_write(tmp_path, (GOOD + "\nevery = \n").encode()))
    with pytest.raises(SourceFileError, match=r":5: source #1 \(a\) colums: unknown key"):
        load_sources(_write(tmp_path, (GOOD + 'colums = "x"\n').encode()))
    twice = (GOOD + "\n" + GOOD).encode()
    with pytest.raises(SourceFileError, match="source id 'a' appears twice"):
        load_sources(_write(tmp_path, twice))
    many = GOOD + 'enabled = "no"\n[source.columns]\nmodel = 3\n'
    with pytest.raises(SourceFileError) as raised:
        load_sources(_write(tmp_path, many.encode()))
    assert [p.line for p in raised.value.problems] == [5, 7]
    assert "(and 1 more)" in str(raised.value)


def test_values_are_resolved_for_the_poller(tmp_path: Path) -> None:
    """file: URLs and the archive glob are relative to the file; every becomes a timedelta."""
    text = (
        '[[source]]\nid = "board"\nkind = "leaderboard"\nleaderboard = "lmarena-text"\n'
        'url = "file:snap.json"\nevery = "6h"\narchive = "old/*.json"\nformat = "JSON"\n'
        '[source.columns]\nmodel = "Model"\n'
    )
    (source,) = load_sources(_write(tmp_path, text.encode()))
    assert source == SourceConfig(
        id="board",
        kind="leaderboard",
        url=(tmp_path / "snap.json").resolve().as_uri(),
        every=timedelta(hours=6),
        leaderboard="lmarena-text",
        columns={"model": "Model"},
        format="json",
        archive=str(tmp_path.resolve() / "old/*.json"),
    )


def test_board_kinds_need_their_board_and_urls_need_a_scheme(tmp_path: Path) -> None:
    """kind = leaderboard / models without `leaderboard`, or a URL of another scheme, fail."""
    for kind in ("leaderboard", "models"):
        text = f'[[source]]\nid = "b"\nkind = "{kind}"\nurl = "https://x.example/b.json"\n'
        with pytest.raises(SourceFileError, match=f"a {kind} source needs"):
            load_sources(_write(tmp_path, text.encode()))
    ftp = GOOD.replace("https://", "ftp://")
    with pytest.raises(SourceFileError, match="must be http"):
        load_sources(_write(tmp_path, ftp.encode()))


def test_intervals() -> None:
    """90s, 30m, 6h, 1d; zero, junk and more than a year are refused."""
    assert parse_every("90s") == timedelta(seconds=90)
    assert parse_every(" 1d ") == timedelta(days=1)
    for text in ("0m", "5 minutes", "366d", "999999999999d"):
        with pytest.raises(ValueError):
            parse_every(text)


def test_every_entry_field_reaches_the_poller_record() -> None:
    """Adding an option means a field on both: every SourceEntry field exists on SourceConfig,
    and every kind of the model is one the schema lists."""
    config_fields = set(SourceConfig.__dataclass_fields__)
    assert set(SourceEntry.model_fields) <= config_fields
    assert set(KINDS) >= {"feed", "github-releases", "hf-models", "leaderboard"}


def test_the_published_schema_is_current() -> None:
    """config/sources.schema.json is what the model generates (`crownlog sources schema`)."""
    published = (ROOT / "config" / "sources.schema.json").read_text()
    assert published == schema_json(), (
        "regenerate: crownlog sources schema > config/sources.schema.json"
    )
    assert '"enum": [' in published and '"additionalProperties": false' in published


def test_the_bundled_sources_files_are_valid() -> None:
    """config/sources.toml and the demo's validate, and name the schema for editors."""
    for path in (ROOT / "config" / "sources.toml", ROOT / "config" / "demo" / "sources.toml"):
        assert load_sources(path)
        assert path.read_text().startswith("#:schema ")
