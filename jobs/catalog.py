"""``catalog.toml``: who the labs are, where they sit, and what their models are called.

Identity only (docs/design.md §5): every fact about a model comes from a source. Because
replay never reads config (docs/design.md §2), ``catalog_events`` turns the difference between
this file and what the log already knows into ``LabRegistered`` / ``LabUpdated`` /
``ModelRegistered`` events, which are appended before anything else is decided.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from jobs.extract.families import check_pattern
from jobs.extract.text import name_key
from service.errors import ConfigError
from service.events import NewEvent

#: Identity (a catalog file, a board's organization column, a lab family) holds at every world
#: time, so ``as_of`` views of any date see labs, cities and placements: it is dated here.
IDENTITY_TIME = datetime(1970, 1, 1, tzinfo=UTC)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]{0,99}$")
_LAB_KEYS = {"slug", "name", "aliases", "city", "country", "families"}
_MODEL_KEYS = {"slug", "name", "lab", "aliases"}


@dataclass(frozen=True, slots=True)
class Lab:
    """A lab: its slug, display name, other names (HF org, GitHub owner, Chinese name), place,
    and ``families``: name patterns that place an otherwise unknown model key in it."""

    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    city: str | None = None
    country: str | None = None
    families: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """A model: slug, display name, lab slug (None when only a leaderboard names it), aliases."""

    slug: str
    name: str
    lab: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalog:
    """The labs and models of one catalog file, in file order."""

    labs: tuple[Lab, ...] = ()
    models: tuple[ModelEntry, ...] = ()

    def lab(self, slug: str) -> Lab | None:
        """The lab called ``slug``, if any."""
        return next((lab for lab in self.labs if lab.slug == slug), None)

    def model(self, slug: str) -> ModelEntry | None:
        """The model called ``slug``, if any."""
        return next((model for model in self.models if model.slug == slug), None)


def load_catalog(path: Path) -> Catalog:
    """Read and validate ``path``; any problem raises ``ConfigError`` naming file and entry."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"catalog file {path} does not exist (setting `catalog`)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_catalog(document, str(path))


def parse_catalog(document: Mapping[str, Any], origin: str = "catalog") -> Catalog:
    """Validate a parsed catalog document; ``origin`` names it in error messages."""
    unknown = sorted(set(document) - {"lab", "model"})
    if unknown:
        raise ConfigError(f"{origin}: unknown top-level keys {unknown} (use [[lab]] and [[model]])")
    labs = tuple(
        _lab(entry, f"{origin}: lab #{index}")
        for index, entry in enumerate(_tables(document, "lab", origin), 1)
    )
    models = tuple(
        _model(entry, f"{origin}: model #{index}")
        for index, entry in enumerate(_tables(document, "model", origin), 1)
    )
    _check_unique(origin, "lab", [lab.slug for lab in labs])
    _check_unique(origin, "model", [model.slug for model in models])
    lab_slugs = {lab.slug for lab in labs}
    for model in models:
        if model.lab not in lab_slugs:
            raise ConfigError(f"{origin}: model {model.slug!r} names unknown lab {model.lab!r}")
    _check_aliases(origin, "model", [(m.slug, (m.slug, m.name, *m.aliases)) for m in models])
    _check_aliases(origin, "lab", [(lab.slug, (lab.slug, lab.name, *lab.aliases)) for lab in labs])
    return Catalog(labs, models)


def _tables(document: Mapping[str, Any], name: str, origin: str) -> list[dict[str, Any]]:
    entries = document.get(name, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{origin}: use [[{name}]] tables")
    return entries


def _lab(entry: dict[str, Any], where: str) -> Lab:
    _check_keys(entry, _LAB_KEYS, where)
    slug = _slug(entry, where)
    return Lab(
        slug=slug,
        name=_text(entry, "name", f"{where} ({slug})"),
        aliases=_aliases(entry, f"{where} ({slug})"),
        city=_optional_text(entry, "city", f"{where} ({slug})"),
        country=_optional_text(entry, "country", f"{where} ({slug})"),
        families=_families(entry, f"{where} ({slug})"),
    )


def _model(entry: dict[str, Any], where: str) -> ModelEntry:
    _check_keys(entry, _MODEL_KEYS, where)
    slug = _slug(entry, where)
    return ModelEntry(
        slug=slug,
        name=_text(entry, "name", f"{where} ({slug})"),
        lab=_text(entry, "lab", f"{where} ({slug})"),
        aliases=_aliases(entry, f"{where} ({slug})"),
    )


def _check_keys(entry: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown} (allowed: {sorted(allowed)})")


def _slug(entry: dict[str, Any], where: str) -> str:
    slug = entry.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise ConfigError(f"{where}: slug {slug!r} must match [a-z0-9][a-z0-9.-]*")
    return slug


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: `{key}` must be a non-empty string")
    return value.strip()


def _optional_text(entry: dict[str, Any], key: str, where: str) -> str | None:
    return None if entry.get(key) is None else _text(entry, key, where)


def _aliases(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise ConfigError(f"{where}: `aliases` must be a list of non-empty strings")
    return tuple(alias.strip() for alias in aliases)


def _families(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    patterns = entry.get("families", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ConfigError(f"{where}: `families` must be a list of name patterns such as 'glm-*'")
    for pattern in patterns:
        problem = check_pattern(pattern)
        if problem:
            raise ConfigError(f"{where}: family pattern {pattern!r}: {problem}")
    return tuple(patterns)


def _check_unique(origin: str, kind: str, slugs: list[str]) -> None:
    seen: set[str] = set()
    for slug in slugs:
        if slug in seen:
            raise ConfigError(f"{origin}: {kind} slug {slug!r} appears twice")
        seen.add(slug)


def _check_aliases(origin: str, kind: str, entries: list[tuple[str, tuple[str, ...]]]) -> None:
    # Two entries answering to the same spelling would make name resolution a coin toss.
    owner: dict[str, tuple[str, str]] = {}
    for slug, names in entries:
        for name in names:
            key = name_key(name)
            claimed = owner.setdefault(key, (slug, name))
            if claimed[0] != slug:
                raise ConfigError(
                    f"{origin}: {kind} {slug!r} alias {name!r} is already a name of "
                    f"{kind} {claimed[0]!r} ({claimed[1]!r})"
                )


# -- catalog changes as events ----------------------------------------------------------------


def catalog_events(
    catalog: Catalog, known: Mapping[str, Mapping[str, Any]], now: datetime
) -> list[NewEvent]:
    """Events that bring the log's labs and models up to ``catalog``; nothing if it already is.

    ``known`` maps a stream (``lab:<slug>``, ``model:<slug>``) to the identity fields the log
    holds for it (``name``, ``aliases``, ``city``, ``country``; ``lab`` for models), optionally
    with the stream's ``version``. A new lab gets ``LabRegistered``, a changed one ``LabUpdated``
    with the changed fields only. There is no model update event type, so a model whose identity
    changed is registered again with its full identity (the catalog projection treats a repeated
    ``ModelRegistered`` as a replacement); aliases the log learned from sources are kept.
    Keys hash the content (and the known version, when given), so two workers syncing the same
    config append it once.
    """
    events: list[NewEvent] = []
    for lab in catalog.labs:
        stream = f"lab:{lab.slug}"
        wanted = {
            "name": lab.name,
            "aliases": sorted(lab.aliases),
            "city": lab.city,
            "country": lab.country,
            "families": sorted(lab.families),
        }
        current = known.get(stream)
        if current is None:
            data = {"slug": lab.slug, **wanted}
            if not lab.families:
                del data["families"]
            events.append(_event(stream, "LabRegistered", data, now, None))
            continue
        changed = {
            name: value
            for name, value in wanted.items()
            if _comparable(current.get(name), name) != _comparable(value, name)
        }
        if changed:
            events.append(_event(stream, "LabUpdated", {"slug": lab.slug, **changed}, now, current))
    for model in catalog.models:
        stream = f"model:{model.slug}"
        current = known.get(stream)
        learned = list(current.get("aliases") or []) if current else []
        wanted = {
            "slug": model.slug,
            "name": model.name,
            "lab": model.lab,
            "aliases": sorted({*model.aliases, *learned}),
        }
        if current is None or any(
            _comparable(current.get(name)) != _comparable(wanted[name])
            for name in ("name", "lab", "aliases")
        ):
            events.append(_event(stream, "ModelRegistered", wanted, now, current))
    return events


def _comparable(value: Any, name: str = "") -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(value)
    # Logs written before labs had families hold none: the same as an empty list.
    return [] if value is None and name == "families" else value


def _event(
    stream: str,
    type_name: str,
    data: dict[str, Any],
    now: datetime,
    current: Mapping[str, Any] | None,
) -> NewEvent:
    digest = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
    # The known stream version tells A→B→A→B apart; without it a repeated change is skipped.
    version = current.get("version", 0) if current else 0
    return NewEvent(
        stream=stream,
        type=type_name,
        data=data,
        occurred_at=now,
        key=f"catalog:{stream}:v{version}:{digest}",
    )
