"""Derived fetches: Hugging Face endpoints crownlog derives from what the log knows.

Two kinds, one mechanism (docs/design.md §6, settings ``[hf]``):

- **verification** (``[hf] verify_repos``): a repository a source linked a model to
  (``ModelRepoLinked``) while the model has no weights repository yet is fetched from
  ``{base_url}/api/models/<repo>``; it is due again daily while the model stays unverified
  (a placeholder repository may receive its weights later) and disappears once verified;
- **model cards** (``[hf] model_cards``): a model's weights repository (a listing entry or a
  verified link) gets its README fetched from ``{base_url}/<repo>/raw/main/README.md`` once.

Each target is polled like a source — through the fetcher (size-capped, no retries within the
fetch: the state's backoff retries it later), the parse sandbox and the interpreters, appended
atomically — with its own ``source_state`` row (``hf-api:<repo>``, ``hf-card:<repo>``), so
failures back off per target and several workers never fetch one target twice. A run fetches
at most ``limit`` targets, verifications first (they can change the crown).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from jobs.poll import Poller, PollOutcome
from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.sourcestate import SourceState
from jobs.schedule.staterepo import load_all
from service.projections.catalog import Catalog
from service.projections.catalog_view import fact
from service.projections.weights import REPO_FIELD
from service.settings import HfSettings

VERIFY, CARD = "hf-repo", "model-card"
RECHECK = timedelta(days=1)
MAX_ID = 100  # the width of source_state.source_id


@dataclass(frozen=True, slots=True)
class Target:
    """One derived fetch: what kind, which repository, the models it is about."""

    kind: str
    repo: str
    models: tuple[str, ...]


def targets(catalog: Catalog, verify: bool, cards: bool) -> list[Target]:
    """Every derived fetch the catalog calls for, verifications first, in repository order."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for slug, fields in catalog.models.items():
        weights_repo = fact(fields, REPO_FIELD)
        if verify and weights_repo is None:
            for repo in fact(fields, "repo_links") or ():
                wanted[(VERIFY, repo)].add(slug)
        if cards and weights_repo is not None:
            wanted[(CARD, weights_repo)].add(slug)
    ordered = sorted(wanted.items(), key=lambda item: (item[0][0] != VERIFY, item[0][1]))
    return [Target(kind, repo, tuple(sorted(models))) for (kind, repo), models in ordered]


def source_of(target: Target, hf: HfSettings) -> SourceConfig:
    """The ``SourceConfig`` the poll pipeline fetches ``target`` with."""
    path = quote(target.repo, safe="/._-")
    if target.kind == VERIFY:
        source_id, url = f"hf-api:{target.repo}", f"{hf.base_url}/api/models/{path}"
    else:
        source_id, url = f"hf-card:{target.repo}", f"{hf.base_url}/{path}/raw/main/README.md"
    if len(source_id) > MAX_ID:
        digest = hashlib.sha256(source_id.encode()).hexdigest()[:32]
        source_id = f"{source_id[:7]}{digest}"
    return SourceConfig(
        id=source_id,
        kind=target.kind,
        url=url,
        every=RECHECK,
        repo=target.repo,
        models=target.models,
    )


def pending(
    wanted: Iterable[Target], hf: HfSettings, states: dict[str, SourceState]
) -> list[SourceConfig]:
    """The targets still to fetch: a model card once fetched is done for good."""
    sources = []
    for target in wanted:
        source = source_of(target, hf)
        state = states.get(source.id)
        if target.kind == CARD and state is not None and state.last_success_at is not None:
            continue
        sources.append(source)
    return sources


class DerivedFetches:
    """Runs the due derived fetches through a poller of their own (a smaller size cap)."""

    def __init__(
        self, poller: Poller, catalog: Callable[[], Catalog], hf: HfSettings, limit: int = 50
    ) -> None:
        self._poller = poller
        self._catalog = catalog
        self._hf = hf
        self._limit = limit

    @property
    def enabled(self) -> bool:
        return self._hf.verify_repos or self._hf.model_cards

    def run(self) -> list[PollOutcome]:
        """Fetch up to ``limit`` due targets; return what each did (not-due ones left out)."""
        outcomes: list[PollOutcome] = []
        # Verifications first; then, from the log they updated, the cards (a repository just
        # verified has its card fetched in the same run).
        for verify, cards in ((self._hf.verify_repos, False), (False, self._hf.model_cards)):
            wanted = targets(self._catalog(), verify, cards)
            if not wanted:
                continue
            with self._poller.engine.connect() as conn:
                states = load_all(conn)
            for source in pending(wanted, self._hf, states):
                if len(outcomes) >= self._limit:
                    return outcomes
                outcome = self._poller.poll(source, only_if_due=True)
                if outcome.status != "not_due":
                    outcomes.append(outcome)
        return outcomes
