"""``sources.toml``: what to poll, validated into ``SourceConfig`` records."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service.errors import ConfigError

KINDS = ("feed", "github-releases", "hf-models", "leaderboard", "models")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_EVERY = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_KNOWN = {
    "id",
    "kind",
    "url",
    "every",
    "lab",
    "leaderboard",
    "method",
    "rows",
    "columns",
    "format",
    "enabled",
    "as_of",
    "archive",
    "complete",
}


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One source to poll (docs/design.md §5)."""

    id: str
    kind: str
    url: str
    every: timedelta = timedelta(minutes=30)
    lab: str | None = None
    leaderboard: str | None = None
    method: str | None = None
    rows: str | None = None
    #: Our column name -> the source's (or several, the first present in a record wins).
    columns: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    format: str | None = None
    as_of: str | None = None
    enabled: bool = True
    #: Glob of archived snapshots (relative to the sources file) that ``backfill`` ingests.
    archive: str | None = None
    #: A leaderboard snapshot lists the whole board (False: a top-N extract, which never
    #: withdraws the models it leaves out).
    complete: bool = True
    #: Derived fetches only (``jobs.schedule.derived``; never from sources.toml): the Hugging
    #: Face repository fetched and the models it is about.
    repo: str | None = None
    models: tuple[str, ...] = ()


def parse_every(text: str) -> timedelta:
    """``"30m"`` → 30 minutes; units s, m, h, d."""
    match = _EVERY.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"not an interval: {text!r} (expected e.g. 90s, 30m, 6h, 1d)")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def resolve_url(url: str, base: Path) -> str:
    """Absolute URL of ``url``; ``file:relative/path`` is relative to the sources file."""
    if url.startswith("file:") and not url.startswith("file://"):
        return (base / url[len("file:") :]).resolve().as_uri()
    return url


def load_sources(path: Path) -> list[SourceConfig]:
    """Read and validate ``path``; any problem raises ``ConfigError`` naming the source."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"sources file {path} does not exist (setting `sources`)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    entries = document.get("source", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: use [[source]] tables")
    sources = [_source(entry, index, path) for index, entry in enumerate(entries, start=1)]
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ConfigError(f"{path}: source id {source.id!r} appears twice")
        seen.add(source.id)
    return sources


def _columns(value: Any, where: str) -> dict[str, str | tuple[str, ...]]:
    """``[source.columns]``: each a column name, or a list of names tried in order."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: columns must be a table of names")
    columns: dict[str, str | tuple[str, ...]] = {}
    for ours, theirs in value.items():
        if isinstance(theirs, list) and theirs and all(isinstance(n, str) for n in theirs):
            columns[str(ours)] = tuple(theirs)
        elif isinstance(theirs, str):
            columns[str(ours)] = theirs
        else:
            raise ConfigError(f"{where}: columns.{ours} must be a name or a list of names")
    return columns


def _source(entry: dict[str, Any], index: int, path: Path) -> SourceConfig:
    where = f"{path}: source #{index} ({entry.get('id', 'no id')})"
    unknown = sorted(set(entry) - _KNOWN)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}")
    source_id = str(entry.get("id", ""))
    if not _ID.match(source_id):
        raise ConfigError(f"{where}: id must match [a-z0-9-]+ (got {source_id!r})")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(KINDS)} (got {kind!r})")
    url = resolve_url(str(entry.get("url", "")), path.resolve().parent)
    if urlsplit(url).scheme not in ("http", "https", "file"):
        raise ConfigError(f"{where}: url must be http(s):// or file: (got {url!r})")
    if kind in ("leaderboard", "models") and not entry.get("leaderboard"):
        raise ConfigError(f'{where}: a {kind} source needs `leaderboard = "<board>"`')
    try:
        every = parse_every(str(entry.get("every", "30m")))
    except ValueError as exc:
        raise ConfigError(f"{where}: every: {exc}") from None
    complete = entry.get("complete", True)
    if not isinstance(complete, bool):
        raise ConfigError(f"{where}: complete must be true or false (got {complete!r})")
    return SourceConfig(
        id=source_id,
        kind=kind,
        url=url,
        every=every,
        lab=entry.get("lab"),
        leaderboard=entry.get("leaderboard"),
        method=entry.get("method"),
        rows=entry.get("rows"),
        columns=_columns(entry.get("columns", {}), where),
        format=entry.get("format"),
        as_of=entry.get("as_of"),
        enabled=bool(entry.get("enabled", True)),
        archive=str(path.resolve().parent / entry["archive"]) if entry.get("archive") else None,
        complete=complete,
    )
