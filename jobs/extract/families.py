"""Lab families: name patterns (``glm-*``, ``chatglm*``, ``claude-*``) that place an unknown key.

A leaderboard lists hundreds of model keys that no catalog alias names and no source describes.
Each lab of ``catalog.toml`` may list ``families``: shell-style patterns (``*`` any run of
characters, ``?`` one character) matched against the key, case-blind, after NFKC. They are the
weakest evidence of a model's lab (docs/design.md §5): an alias, a registration by a known lab
or a board's organization column always wins.

When several patterns match, the most specific one wins — the one with the most literal
characters (``llama-*-nemotron-*`` beats ``llama-*``) — and a tie between two labs places the
key nowhere rather than guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

_PATTERN = re.compile(r"^[a-z0-9*?][a-z0-9.*?_/+-]{0,99}$")


@dataclass(frozen=True, slots=True)
class Family:
    """One pattern of one lab."""

    lab: str
    pattern: str

    @property
    def specificity(self) -> int:
        """How much of a key the pattern pins down: its literal characters."""
        return sum(char not in "*?" for char in self.pattern)


def check_pattern(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable family pattern, or None if it is."""
    if not _PATTERN.match(pattern):
        return "use lowercase letters, digits, . _ - / + and the wildcards * and ?"
    if not any(char not in "*?" for char in pattern):
        return "a pattern of wildcards only would place every key"
    return None


def family_key(name: str) -> str:
    """The form a key is matched in: NFKC, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


class Families:
    """Every lab's patterns, most specific first."""

    def __init__(self, families: Iterable[Family] = ()) -> None:
        self._families = sorted(families, key=lambda f: (-f.specificity, f.lab, f.pattern))

    @classmethod
    def of_labs(cls, labs: Iterable[tuple[str, Iterable[str]]]) -> Families:
        """From ``(lab slug, patterns)`` pairs."""
        return cls(Family(lab, pattern) for lab, patterns in labs for pattern in patterns)

    def __bool__(self) -> bool:
        return bool(self._families)

    def match(self, *names: str) -> Family | None:
        """The most specific family any of ``names`` matches; None if none, or if two labs tie."""
        keys = [family_key(name) for name in names if name and name.strip()]
        best: Family | None = None
        tied = False
        for family in self._families:
            if best is not None and family.specificity < best.specificity:
                break
            if not any(fnmatchcase(key, family.pattern) for key in keys):
                continue
            if best is None:
                best = family
            elif family.lab != best.lab:
                tied = True
        return None if tied else best
