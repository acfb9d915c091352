"""A board's model metadata (``board-model`` observations): lab, licence claim, repository link.

One record names a board key with its organization, licence and a link (docs/design.md §5):

- the key is resolved like the board's own keys (an alias, else its slug); a key nobody knows
  is registered, in the organization's lab;
- the organization names the lab (a catalog lab by name or alias); an unknown organization
  registers a new lab with no city, citing this record. A model already placed by the catalog
  file or a listing keeps its lab; a lab family's guess gives way (``ModelPlaced``);
- the licence is a claim, never proof (boards' licence columns list open licences for models
  whose weights were never published): it becomes a ``license`` fact of low confidence, so any
  source of the model's own outranks it; ``Proprietary`` — misspelt too — is a closed claim;
- a ``huggingface.co/<org>/<repo>`` link is a weights-repository candidate
  (``ModelRepoLinked``), which the Hugging Face model API may verify later.

The file states no dates: its facts are undated and hold from the model's first appearance,
so they are dated at the epoch like the catalog's own identity (``jobs.catalog``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from jobs.catalog import IDENTITY_TIME
from jobs.extract.emitter import Emitter
from jobs.extract.facts import Fact
from jobs.extract.licenses import PROPRIETARY, normalize_licence
from jobs.extract.names import NameResolver, slugify
from jobs.extract.placement import place_by_organization

if TYPE_CHECKING:
    from jobs.extract.decide import ModelState

#: A board's licence column is a claim made for many models at once: any own report wins.
METADATA_CONFIDENCE = 0.5
_HF_LINK = re.compile(
    r"^https?://(?:www\.)?huggingface\.co/([A-Za-z0-9][\w.-]{0,95})/([A-Za-z0-9][\w.-]{0,95})"
    r"(?:[/?#]|$)"
)
#: First path parts of huggingface.co that are not model owners.
_NOT_OWNERS = frozenset(
    {"datasets", "spaces", "collections", "papers", "docs", "blog", "models", "organizations",
     "settings", "posts", "learn", "tasks", "api", "join", "login", "pricing", "chat"}
)  # fmt: skip
_CLOSED_WORDS = frozenset({"closed", "api", "api only", "api-only", "commercial", "restricted"})


def board_model_facts(
    emitter: Emitter,
    state_of: Callable[[str], ModelState],
    names: NameResolver | None,
    known: Callable[[str], bool],
) -> list[Fact]:
    """Registration, placement and repository link of one record; its licence as a fact."""
    fields = emitter.observation.fields
    key = str(fields.get("model") or "").strip()
    if not key:
        return []
    emitter.fallback = IDENTITY_TIME  # undated: the facts below hold at every world time
    board = str(fields.get("leaderboard") or emitter.provenance.source_id)
    slug = (names.resolve_key(key) if names else None) or slugify(key)
    organization = _text(fields.get("organization"))
    lab = _lab(emitter, organization, names) if organization else None
    current = state_of(slug)
    if not known(slug):
        emitter.register(slug, _text(fields.get("name")) or key, None, [key], IDENTITY_TIME)
    if lab is not None and organization is not None:
        place_by_organization(emitter, slug, lab, organization, (current.lab, current.lab_by))
    repo = hf_repo(_text(fields.get("link")))
    if repo and repo not in current.repo_links and repo != current.weights_repo:
        data = {"model": slug, "repo": repo, "url": f"https://huggingface.co/{repo}"}
        data["evidence"] = f"{board} model metadata links {key} to {fields.get('link')}"
        emitter.emit(f"model:{slug}", "ModelRepoLinked", data, emitter.key("link", slug, repo))
    licence = licence_claim(_text(fields.get("license")))
    if licence is None:
        return []
    evidence = f"{board} model metadata: {key} licence {fields.get('license')!r}"
    return [Fact(slug, "license", licence, evidence, METADATA_CONFIDENCE)]


def licence_claim(text: str | None) -> str | None:
    """The licence a column states, with ``Proprietary`` recognised even when misspelt."""
    licence = normalize_licence(text)
    if licence is None or licence == PROPRIETARY:
        return licence
    lowered = licence.casefold().replace("_", " ").strip()
    if lowered in _CLOSED_WORDS or SequenceMatcher(None, lowered, "proprietary").ratio() >= 0.8:
        return PROPRIETARY
    return licence


def hf_repo(link: str | None) -> str | None:
    """``owner/name`` of a ``huggingface.co/<owner>/<name>`` model link, else None."""
    if not link:
        return None
    found = _HF_LINK.match(link.strip())
    if found is None or found.group(1).lower() in _NOT_OWNERS:
        return None
    return f"{found.group(1)}/{found.group(2).removesuffix('.git')}"


def _lab(emitter: Emitter, organization: str, names: NameResolver | None) -> str:
    """The catalog lab an organization names, registering an unknown one (no city)."""
    lab = names.lab_of(organization) if names else None
    if lab is not None:
        return lab
    slug = slugify(organization)
    data: dict[str, Any] = {"slug": slug, "name": organization, "aliases": [organization]}
    emitter.emit(f"lab:{slug}", "LabRegistered", data, f"lab-registered:{slug}", IDENTITY_TIME)
    return slug


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
