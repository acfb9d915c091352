"""Reading sources.toml: bytes → UTF-8 → TOML → ``SourcesFile``, every failure located.

Whatever is wrong with the file (not UTF-8, not TOML, a value of the wrong type, an interval
too long to represent) becomes one ``SourceFileError`` naming the file, the line and the reason;
nothing else escapes, so a reload can keep the running set and a start-up can exit cleanly.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jobs.schedule.sourcefile import SourceConfig, SourcesFile
from service.errors import ConfigError

_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")
_SOURCE_HEADER = re.compile(r"^\s*\[\[\s*source\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int | None
    reason: str


class SourceFileError(ConfigError):
    """The sources file is invalid; ``problems`` say where and why (the first one leads)."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path, self.problems = path, problems
        first = problems[0]
        where = f"{path}:{first.line}" if first.line else str(path)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{where}: {first.reason}{more}")

    def lines(self) -> list[str]:
        """One ``file:line: reason`` line per problem."""
        return [f"{self.path}:{p.line}: {p.reason}" if p.line else f"{self.path}: {p.reason}"
                for p in self.problems]  # fmt: skip


def load_sources(path: Path) -> list[SourceConfig]:
    """Every source of ``path`` (enabled or not); raises ``SourceFileError`` on any problem."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceFileError(path, [Problem(None, "does not exist (setting `sources`)")]) from None
    except OSError as exc:
        raise SourceFileError(path, [Problem(None, f"cannot be read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded (save it as UTF-8)"
        raise SourceFileError(path, [Problem(line, reason)]) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.search(str(exc))
        reason = "not valid TOML: " + _TOML_AT.sub("", str(exc)).strip()
        raise SourceFileError(
            path, [Problem(int(found.group(1)) if found else None, reason)]
        ) from None
    try:
        parsed = SourcesFile.model_validate(document)
    except ValidationError as exc:
        problems = [_problem(error, document, text) for error in exc.errors()]
        problems.sort(key=lambda problem: problem.line or 0)
        raise SourceFileError(path, problems) from None
    folder = path.resolve().parent
    return [entry.config(folder) for entry in parsed.source]


def _problem(error: Any, document: dict[str, Any], text: str) -> Problem:
    loc = tuple(error["loc"])
    what = _describe_loc(loc, document)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (see sources.schema.json for the keys a source takes)"
    elif len(loc) == 2 and error["type"] == "model_type":
        message = f"must be a [[source]] table (got {error.get('input')!r})"
    elif error["type"] == "bool_type":
        message = f"must be true or false, without quotes (got {error.get('input')!r})"
    elif error["type"] not in ("missing", "value_error") and "input" in error:
        message += f" (got {error['input']!r})"
    return Problem(_line_of(loc, text), f"{what}: {message}" if what else message)


def _describe_loc(loc: tuple[Any, ...], document: dict[str, Any]) -> str:
    if len(loc) >= 2 and loc[0] == "source" and isinstance(loc[1], int):
        entries = document.get("source")
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        name = entry.get("id", "no id") if isinstance(entry, dict) else "not a table"
        rest = ".".join(str(part) for part in loc[2:])
        return f"source #{loc[1] + 1} ({name})" + (f" {rest}" if rest else "")
    return ".".join(str(part) for part in loc)


def _line_of(loc: tuple[Any, ...], text: str) -> int | None:
    """The line a validation error points at: the key inside the n-th ``[[source]]``."""
    lines = text.splitlines()
    if len(loc) >= 2 and loc[0] == "source" and isinstance(loc[1], int):
        starts = [n for n, line in enumerate(lines) if _SOURCE_HEADER.match(line)]
        if loc[1] < len(starts):
            start = starts[loc[1]]
            end = next(
                (n for n in range(start + 1, len(lines)) if _ends_source(lines[n])), len(lines)
            )
            if len(loc) >= 3:
                found = _key_line(lines, start, end, str(loc[2]))
                if found is not None and len(loc) >= 4 and _TABLE_HEADER.match(lines[found]):
                    # A [source.columns] sub-table: the line of its own key, if written there.
                    sub_end = next(
                        (n for n in range(found + 1, end) if _TABLE_HEADER.match(lines[n])), end
                    )
                    return (_key_line(lines, found + 1, sub_end, str(loc[3])) or found) + 1
                if found is not None:
                    return found + 1
            return start + 1
    if loc:
        pattern = re.compile(rf"^\s*{re.escape(str(loc[0]))}\s*=")
        return next((n + 1 for n, line in enumerate(lines) if pattern.match(line)), None)
    return None


def _key_line(lines: list[str], start: int, end: int, key: str) -> int | None:
    """The index of ``key = …`` or of the ``[source.key]`` header between start and end."""
    name = re.escape(key)
    pattern = re.compile(rf"^\s*(({name}\s*=)|(\[\s*source\.{name}\s*\]))")
    return next((n for n in range(start, end) if pattern.match(lines[n])), None)


def _ends_source(line: str) -> bool:
    """A table header that is not a sub-table of the current source ends it."""
    return bool(_TABLE_HEADER.match(line)) and not re.match(r"^\s*\[\s*source\.", line)
