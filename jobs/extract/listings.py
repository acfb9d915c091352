"""Release feeds: Hugging Face model listings and GitHub release / commit entries.

A repo of a known lab (the HF author or GitHub owner is one of the lab's aliases, or the source
says ``lab = …``) that names no known model registers a new one. A model's first HF repo gives
its ``ModelReleased`` (dated by ``createdAt``); a GitHub release entry dates a model that has no
release date yet.
Structured values become facts with the confidence of their source, and go through the same
comparison with state as facts read from text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jobs.extract.emitter import Emitter, moment
from jobs.extract.facts import Fact
from jobs.extract.licenses import normalize_licence
from jobs.extract.names import NameResolver, is_packaging, slugify
from jobs.extract.numbers import name_sizes

if TYPE_CHECKING:
    from jobs.extract.decide import ModelState

HF_CONFIDENCE = 0.9
NAME_CONFIDENCE = 0.8
GITHUB_RELEASE_CONFIDENCE = 0.6


def hf_model_facts(
    emitter: Emitter,
    state_of: Callable[[str], ModelState],
    names: NameResolver | None,
    lab_hint: str | None,
    downloads_threshold: float,
) -> list[Fact]:
    """Registration, release and downloads of one HF listing item; its licence and sizes."""
    fields = emitter.observation.fields
    repo = str(fields.get("repo") or "")
    if "/" not in repo:
        return []
    owner = str(fields.get("author") or repo.split("/", 1)[0])
    created = moment(fields.get("created_at"))
    emitter.fallback = emitter.fallback or created
    slug = _model_of(emitter, repo, owner, names, lab_hint, state_of, created or emitter.now)
    if slug is None:
        return []
    current = state_of(slug)
    evidence = f"Hugging Face listing of {repo}"
    licence = normalize_licence(fields.get("license") or _licence_tag(fields.get("tags")))
    # A packaging (-FP8, -GGUF …) is the same weights uploaded later: not a release, and its
    # downloads are not the model's.
    primary = not is_packaging(repo)
    if primary and created is not None and (current.released_at is None or current.repo is None):
        data: dict[str, Any] = {
            "model": slug,
            "released_at": created.date().isoformat(),
            "repo": repo,
            "url": emitter.observation.url or f"https://huggingface.co/{repo}",
            "open_weights": True,  # a listed repo is downloadable weights, gated or not
            "evidence": f"{evidence}: createdAt {created.isoformat()}",
            "confidence": HF_CONFIDENCE,
        }
        if licence is not None:
            data["license"] = licence
        key = emitter.key("released", slug, repo)
        emitter.emit(f"model:{slug}", "ModelReleased", data, key, created)
    released_here = emitter.released.get(slug, {}).get("repo") == repo
    if primary and (current.repo == repo or released_here):
        _downloads(emitter, slug, repo, current, downloads_threshold)
    facts = [Fact(slug, "license", licence, evidence, HF_CONFIDENCE)] if licence else []
    return facts + size_facts(slug, repo, evidence)


def repo_facts(
    emitter: Emitter,
    state_of: Callable[[str], ModelState],
    names: NameResolver | None,
    lab_hint: str | None,
) -> list[Fact]:
    """Registration and first release of the model a GitHub repo is named after."""
    observation = emitter.observation
    repo = str(observation.fields.get("repo") or "")
    if "/" not in repo:
        return []
    when = emitter.occurred_at
    slug = _model_of(emitter, repo, repo.split("/", 1)[0], names, lab_hint, state_of, when)
    if slug is None:
        return []
    # Commits say work happened, not that weights shipped; only release entries date a release.
    # The GitHub repo is not the weights' repo, so it is cited as the url, not as ``repo``.
    if observation.kind == "release" and state_of(slug).released_at is None:
        data = {
            "model": slug,
            "released_at": when.date().isoformat(),
            "url": observation.url or f"https://github.com/{repo}",
            "evidence": f"GitHub release {observation.title or repo}",
            "confidence": GITHUB_RELEASE_CONFIDENCE,
        }
        key = emitter.key("released", slug, data["released_at"])
        emitter.emit(f"model:{slug}", "ModelReleased", data, key)
    return []


def size_facts(slug: str, name: str, evidence: str) -> list[Fact]:
    """Sizes a model or repo name states (``Qwen3-235B-A22B``), as facts."""
    sizes = name_sizes(name)
    facts = []
    if sizes.total:
        facts.append(Fact(slug, "params_total", sizes.total, evidence, NAME_CONFIDENCE, True))
    if sizes.active:
        facts.append(Fact(slug, "params_active", sizes.active, evidence, NAME_CONFIDENCE, True))
        facts.append(Fact(slug, "architecture", "moe", evidence, NAME_CONFIDENCE, True))
    return facts


def _model_of(
    emitter: Emitter,
    repo: str,
    owner: str,
    names: NameResolver | None,
    lab_hint: str | None,
    state_of: Callable[[str], ModelState],
    when: datetime,
) -> str | None:
    """The slug ``repo`` is about, registering it if a known lab publishes a new model."""
    slug = names.resolve(repo) if names else None
    if slug is not None:
        return slug
    name = repo.rsplit("/", 1)[-1]
    slug = slugify(name)
    if state_of(slug).registered or emitter.registered(slug) or (names and names.knows(slug)):
        return slug
    lab = (names.lab_of(owner) if names else None) or lab_hint
    # Tooling repos ("qwen-code", "llama-models") are not models; model names carry a version.
    if lab is None or not any(char.isdigit() for char in name):
        return None
    emitter.register(slug, name, lab, [repo], when)
    return slug


def _downloads(
    emitter: Emitter, slug: str, repo: str, current: ModelState, threshold: float
) -> None:
    fields = emitter.observation.fields
    downloads = fields.get("downloads")
    if not isinstance(downloads, int):
        return
    last = current.downloads
    # Report the first count, and then only moves of more than ``threshold`` of the last one.
    if last is not None and abs(downloads - last) <= threshold * last:
        return
    data: dict[str, Any] = {"model": slug, "downloads": downloads, "repo": repo}
    if isinstance(fields.get("likes"), int):
        data["likes"] = fields["likes"]
    # Counters describe the moment of the poll, not the item's creation.
    key = emitter.key("downloads", repo, downloads)
    emitter.emit(f"model:{slug}", "DownloadsReported", data, key, emitter.now)


def _licence_tag(tags: Any) -> str | None:
    if not isinstance(tags, list):
        return None
    return next((tag for tag in tags if isinstance(tag, str) and tag.startswith("license:")), None)
