"""Model names in text: which catalog models a sentence names, and where.

Matching is case-insensitive on the NFKC form and treats spaces, hyphens, underscores and dots
between the parts of a name as optional (``Step 3`` = ``step3`` = ``Step-3``), except between two
numbers (``GLM-4.5`` is not ``GLM-45``). The longest name wins (``GLM-4.5-Air`` over ``GLM-4.5``),
and a name must end where a word ends: ``GLM-4.5V`` and ``Qwen3-Coder-Plus`` name other models,
while ``GLM-4.5.`` at the end of a clause and ``智谱发布GLM-4.5，`` are fine. Chinese is written
without spaces, so CJK characters always count as a boundary.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from jobs.catalog import Catalog, Lab, ModelEntry
from jobs.extract.families import Families, Family
from jobs.extract.text import is_cjk, is_word, name_key, name_tokens, normalize

#: Packaging suffixes that name the same weights in another format (``-FP8``, ``-GGUF`` …).
_PACKAGING = r"(?:fp8|fp16|bf16|gguf|awq|mlx(?:[-_]?\d+bit)?|gptq(?:[-_]int[48])?|int[48]|\d+bit)"
_PACKAGING_AFTER = re.compile(rf"[-_.]{_PACKAGING}(?![A-Za-z0-9])", re.IGNORECASE)
_PACKAGING_END = re.compile(rf"[-_.]{_PACKAGING}$", re.IGNORECASE)
_SEP_OPTIONAL = r"[\s_.\-]{0,2}"
_SEP_REQUIRED = r"[\s_.\-]{1,2}"
# Repo-id shaped runs (owner/name); CJK ends them, so "智谱开源zai-org/GLM-4.5" still works.
_PATHLIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9][A-Za-z0-9_.\-]*)+")
_NOT_OWNERS = frozenset({"tag", "tree", "blob", "releases", "commit", "commits", "resolve", "api"})


@dataclass(frozen=True, slots=True)
class Match:
    """A model named in a text: ``text[start:end] == surface``; ``known`` is False for an
    ``owner/Model-Name`` repo id of a model the resolver does not know (slug from ``slugify``)."""

    slug: str
    start: int
    end: int
    surface: str
    known: bool = True
    #: Called by the last word of its name ("Scout", "R1"; ``jobs.extract.shortnames``).
    short: bool = False


@dataclass(frozen=True, slots=True)
class _Alias:
    slug: str
    pattern: re.Pattern[str]
    first: str
    cjk_start: bool
    cjk_end: bool


def slugify(name: str) -> str:
    """A slug for a new model: lowercase ``[a-z0-9.-]``; of a repo id only the name part."""
    text = unicodedata.normalize("NFKC", name).casefold().rsplit("/", 1)[-1]
    slug = re.sub(r"[^a-z0-9.]+", "-", text)
    slug = re.sub(r"-{2,}", "-", slug).strip("-.")[:100].strip("-.")
    if slug:
        return slug
    # A name with no Latin letters or digits (e.g. only Chinese) still needs a stable slug.
    return "model-" + hashlib.sha256(name.encode()).hexdigest()[:10]


def _lookup(table: dict[str, str], name: str) -> str | None:
    """``name`` (or a repo id's name part, or either less a packaging suffix) in ``table``."""
    candidate = unicodedata.normalize("NFKC", name).strip()
    while candidate:
        for form in (candidate, candidate.rsplit("/", 1)[-1]):
            slug = table.get(name_key(form))
            if slug is not None:
                return slug
        stripped = _PACKAGING_END.sub("", candidate)
        if stripped == candidate:
            return None
        candidate = stripped
    return None


def is_packaging(repo: str) -> bool:
    """True if ``repo`` names a packaging of other weights (``…-FP8``, ``…-GGUF``, ``…-AWQ``)."""
    return _PACKAGING_END.search(repo.strip()) is not None


class NameResolver:
    """Finds and resolves model names; built from the catalog plus models registered later."""

    def __init__(
        self,
        models: Iterable[ModelEntry] = (),
        labs: Iterable[Lab] = (),
        learned: Iterable[str] = (),
    ) -> None:
        self._models: dict[str, ModelEntry] = {}
        self._by_key: dict[str, str] = {}
        #: Names that identify a board key: every name of a catalog model, but of a model a
        #: source registered (``learned``) only its slug and aliases — a display name it was
        #: given ("GLM-4-Plus" for glm-4-plus-0111) is not the key of another board row.
        self._keys: dict[str, str] = {}
        self._learned = frozenset(learned)
        self._aliases: list[_Alias] = []
        self._labs: dict[str, str] = {}
        self._lab_entries = tuple(labs)
        for lab in self._lab_entries:
            for name in (lab.slug, lab.name, *lab.aliases):
                self._labs.setdefault(name_key(name), lab.slug)
        self._families = Families.of_labs((lab.slug, lab.families) for lab in self._lab_entries)
        for model in models:
            self._add(model)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> NameResolver:
        """A resolver for every lab and model of ``catalog``."""
        return cls(catalog.models, catalog.labs)

    def with_models(self, models: Iterable[ModelEntry], labs: Iterable[Lab] = ()) -> NameResolver:
        """A new resolver that also knows ``models`` (and ``labs``); names already taken keep
        their model or lab."""
        added = list(models)
        learned = self._learned | {model.slug for model in added}
        return NameResolver([*self._models.values(), *added], [*self._lab_entries, *labs], learned)

    def with_aliases(self, slug: str, aliases: Iterable[str]) -> NameResolver:
        """A new resolver in which model ``slug`` also answers to ``aliases`` (a model card's
        repository name, say) wherever no other model has those names."""
        extra = tuple(aliases)
        models = [
            replace(model, aliases=(*model.aliases, *extra)) if model.slug == slug else model
            for model in self._models.values()
        ]
        if slug not in self._models:
            models.append(ModelEntry(slug, slug, None, extra))
        return NameResolver(models, self._lab_entries, self._learned)

    def entries(self) -> tuple[ModelEntry, ...]:
        """The models this resolver knows, in the order they were added."""
        return tuple(self._models.values())

    def knows(self, slug: str) -> bool:
        """True if ``slug`` is a model this resolver was built with."""
        return slug in self._models

    def model_lab(self, slug: str) -> str | None:
        """The catalog's lab for the model ``slug`` (None when unknown)."""
        entry = self._models.get(slug)
        return entry.lab if entry else None

    def lab_of(self, name: str) -> str | None:
        """The lab slug for a lab name or alias (HF author, GitHub owner, Chinese name)."""
        return self._labs.get(name_key(name))

    def family_of(self, *names: str) -> Family | None:
        """The lab family (``jobs.extract.families``) that places a model of these names."""
        return self._families.match(*names)

    def resolve(self, name: str) -> str | None:
        """The slug of a model name, repo id (``zai-org/GLM-4.5-Air``) or leaderboard key."""
        return _lookup(self._by_key, name)

    def resolve_key(self, key: str) -> str | None:
        """The slug of a leaderboard key: like ``resolve``, but a source's display name for
        one model never captures another key, whatever order the sources were read in."""
        return _lookup(self._keys, key)

    def find(self, text: str) -> list[Match]:
        """Every model named in ``text``, longest names first, in text order, not overlapping."""
        norm = normalize(text)
        folded = norm.text.casefold()
        spans: list[tuple[int, int, str, bool]] = []
        for alias in self._aliases:
            if alias.first not in folded:
                continue
            for found in alias.pattern.finditer(norm.text):
                start, end = found.span()
                if not _left_bounded(norm.text, start, alias):
                    continue
                if _right_bounded(norm.text, end, alias):
                    spans.append((start, end, alias.slug, True))
                else:
                    # "Qwen3-Max-preview", "DeepSeek V3.1": a sibling the resolver does not know.
                    # Matching it keeps its facts from landing on the previous subject.
                    sibling = _word_end(norm.text, end)
                    spans.append((start, sibling, slugify(norm.text[start:sibling]), False))
        spans.extend(self._repo_ids(norm.text))
        # Known names first, longest first; unknown ones only where no known name is.
        spans.sort(key=lambda span: (not span[3], span[0] - span[1], span[0]))
        chosen: list[tuple[int, int, str, bool]] = []
        for span in spans:
            if all(span[1] <= other[0] or span[0] >= other[1] for other in chosen):
                chosen.append(span)
        matches = []
        for start, end, slug, known in sorted(chosen):
            first, last = norm.original_span(start, end)
            matches.append(Match(slug, first, last, text[first:last], known))
        return matches

    def _add(self, model: ModelEntry) -> None:
        if model.slug in self._models:
            return
        self._models[model.slug] = model
        names = [model.slug, model.name, *model.aliases]
        # A repo id's name part names the model too: "tencent/Hunyuan-A13B-Pretrain" is
        # written "Hunyuan-A13B-Pretrain" in prose.
        names += [name.rsplit("/", 1)[1] for name in model.aliases if "/" in name]
        learned_name = model.name if model.slug in self._learned else None
        for name in names:
            key = name_key(name)
            if not key:
                continue
            if name != learned_name or key == name_key(model.slug):
                self._keys.setdefault(key, model.slug)
            if key in self._by_key:
                continue
            self._by_key[key] = model.slug
            self._aliases.append(_compile(model.slug, name))

    def _repo_ids(self, text: str) -> list[tuple[int, int, str, bool]]:
        spans = []
        for run in _PATHLIKE.finditer(text):
            parts = run.group().split("/")
            offset = run.start()
            for owner, name in itertools.pairwise(parts):
                name_end = offset + len(owner) + 1 + len(name.rstrip(".-"))
                if _repo_like(owner, name.rstrip(".-")):
                    repo = text[offset:name_end]
                    slug = self.resolve(repo)
                    spans.append((offset, name_end, slug or slugify(repo), slug is not None))
                offset += len(owner) + 1
        return spans


def _repo_like(owner: str, name: str) -> bool:
    letters = sum(char.isalpha() for char in name)
    return (
        owner.lower() not in _NOT_OWNERS
        and "." not in owner
        and any(char.isalpha() for char in owner)
        and letters >= 2
        and any(char.isdigit() for char in name)
    )


def _compile(slug: str, name: str) -> _Alias:
    tokens = name_tokens(unicodedata.normalize("NFKC", name).casefold())
    pattern = re.escape(tokens[0])
    for previous, token in itertools.pairwise(tokens):
        between = _SEP_REQUIRED if previous[-1].isdigit() and token[0].isdigit() else _SEP_OPTIONAL
        pattern += between + re.escape(token)
    return _Alias(
        slug=slug,
        pattern=re.compile(pattern, re.IGNORECASE),
        first=tokens[0],
        cjk_start=is_cjk(tokens[0][0]),
        cjk_end=is_cjk(tokens[-1][-1]),
    )


def _left_bounded(text: str, start: int, alias: _Alias) -> bool:
    """True if a name can start at ``start`` (not inside a longer word or name)."""
    if alias.cjk_start or start == 0:
        return True
    before = text[start - 1]
    if is_word(before):
        return False
    # "DeepSeek-R1-0528-Qwen3-8B" is not a mention of Qwen3-8B.
    return not (before in "-_" and start > 1 and is_word(text[start - 2]))


def _right_bounded(text: str, end: int, alias: _Alias) -> bool:
    """True if a name can end at ``end``: not continued by letters, digits or another part."""
    if alias.cjk_end or end >= len(text):
        return True
    after = text[end]
    if is_word(after):
        return False
    if after in "-_." and end + 1 < len(text) and is_word(text[end + 1]):
        # A continuation ("GLM-4.5-Turbo", "GLM-4.5.1") is another model, unless it only
        # names a packaging of the same weights ("GLM-4.5-Air-FP8").
        return _PACKAGING_AFTER.match(text, end) is not None
    return True


def _word_end(text: str, end: int) -> int:
    """The end of the name-like word running on from ``end`` (letters, digits, -_. inside)."""
    while end < len(text) and (
        is_word(text[end])
        or (text[end] in "-_." and end + 1 < len(text) and is_word(text[end + 1]))
    ):
        end += 1
    return end
