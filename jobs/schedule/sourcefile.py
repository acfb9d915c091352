"""``sources.toml``: what to poll (docs/design.md §5), validated as a typed model.

``SourceEntry`` is one ``[[source]]`` table as written, with strict types (``enabled = "false"``
is an error, not a truthy string); ``SourceConfig`` is what the poller uses (the URL and the
archive glob resolved against the file's folder, ``every`` as a ``timedelta``).

To add an option: a field on ``SourceEntry`` (type, default, description) and one on
``SourceConfig``; values are copied across by name. To add a kind: a name in ``Kind``. The JSON
Schema editors use (``config/sources.schema.json``) is ``SourcesFile.model_json_schema()``;
a test keeps the file in step. Reading a file and locating its errors: ``sourceload``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Kind = Literal["feed", "github-releases", "hf-models", "leaderboard", "models"]
#: Kinds that read a board and must name it (``leaderboard = "<board>"``).
BOARD_KINDS = ("leaderboard", "models")
KINDS: tuple[str, ...] = get_args(Kind)
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"
EVERY_PATTERN = r"^\s*(\d+)\s*([smhd])\s*$"
MAX_EVERY = timedelta(days=365)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


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
    columns: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    as_of: str | None = None
    enabled: bool = True
    #: Glob of archived snapshots (relative to the sources file) that ``backfill`` ingests.
    archive: str | None = None
    #: Keywords an item must contain to be recorded (``jobs.sources.itemfilter``); () = all.
    filter: tuple[str, ...] = ()
    #: Derived fetches only (``jobs.schedule.derived``; never from sources.toml): the Hugging
    #: Face repository fetched and the models it is about.
    repo: str | None = None
    models: tuple[str, ...] = ()


class SourceEntry(BaseModel):
    """One ``[[source]]`` table of sources.toml."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        json_schema_extra={
            "if": {"properties": {"kind": {"enum": list(BOARD_KINDS)}}},
            "then": {"required": ["leaderboard"]},
        },
    )

    id: str = Field(description="Unique, [a-z0-9-].", json_schema_extra={"pattern": ID_PATTERN})
    kind: Kind = Field(description="Which adapter reads the response.")
    url: str = Field(description="http(s)://…, file:///absolute/path or file:relative/path.")
    every: str = Field(
        "30m",
        description="Poll interval: 90s, 30m, 6h, 1d (at most 365d).",
        json_schema_extra={"pattern": EVERY_PATTERN},
    )
    lab: str | None = Field(None, description="A catalog lab slug: a hint for attribution.")
    leaderboard: str | None = Field(None, description="The board (kind leaderboard, models).")
    method: str | None = Field(None, description="Scoring method version of the board.")
    rows: str | None = Field(None, description="Dotted path to the rows of a nested snapshot.")
    columns: dict[str, str] = Field(
        default_factory=dict, description="Our column names mapped to the board's."
    )
    format: Literal["json", "csv", "parquet"] | None = Field(
        None, description="Snapshot format (default: guessed from the body)."
    )
    as_of: str | None = Field(None, description="Document key or column of the snapshot time.")
    enabled: bool = Field(True, description="false: keep the source but do not poll it.")
    archive: str | None = Field(
        None, description="Glob of archived snapshots for backfill, relative to this file."
    )
    filter: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list,
        description="Keywords an item must contain to be recorded (any of them); empty: all.",
    )

    @field_validator("format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.match(ID_PATTERN, value):
            raise ValueError(f"must match [a-z0-9-]+, at most 100 characters (got {value!r})")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in ("http", "https", "file"):
            raise ValueError("must be http(s)://… or file:… (got scheme " + repr(scheme) + ")")
        return value

    @field_validator("every")
    @classmethod
    def _every(cls, value: str) -> str:
        parse_every(value)
        return value

    @model_validator(mode="after")
    def _leaderboard_named(self) -> SourceEntry:
        if self.kind in BOARD_KINDS and not self.leaderboard:
            raise ValueError(f'a {self.kind} source needs `leaderboard = "<board>"`')
        return self

    def config(self, folder: Path) -> SourceConfig:
        """The poller's record, with paths resolved against ``folder`` (the file's)."""
        values = self.model_dump()
        values["url"] = resolve_url(self.url, folder)
        values["every"] = parse_every(self.every)
        values["archive"] = str(folder / self.archive) if self.archive else None
        values["filter"] = tuple(self.filter)
        return SourceConfig(**values)


class SourcesFile(BaseModel):
    """A whole sources.toml: ``[[source]]`` tables with unique ids."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "crownlog sources.toml",
        },
    )

    source: list[Annotated[SourceEntry, Field(description="One source to poll.")]] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> SourcesFile:
        seen: set[str] = set()
        for entry in self.source:
            if entry.id in seen:
                raise ValueError(f"source id {entry.id!r} appears twice")
            seen.add(entry.id)
        return self


def parse_every(text: str) -> timedelta:
    """``"30m"`` → 30 minutes; units s, m, h, d; at least 1 s, at most ``MAX_EVERY``."""
    match = re.match(EVERY_PATTERN, text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"not an interval: {text!r} (expected e.g. 90s, 30m, 6h, 1d)")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_EVERY.total_seconds():
        raise ValueError(f"interval {text.strip()!r} is longer than {MAX_EVERY.days}d")
    return timedelta(seconds=seconds)


def resolve_url(url: str, base: Path) -> str:
    """Absolute URL of ``url``; ``file:relative/path`` is relative to the sources file."""
    if url.startswith("file:") and not url.startswith("file://"):
        return (base / url[len("file:") :]).resolve().as_uri()
    return url
