"""``decide``: the change events one observation implies, given what the log already knows.

Pure: the caller passes the observation, its provenance, the facts extracted from its text, the
models' current state (``ModelState``, folded by the catalog projection), the boards' current
methods and the time. What each kind of observation yields:

- news ``entry``: ``ModelMentioned`` once per model, and the facts that differ from state —
  ``ModelSpecReported`` (one per changed field), ``ModelReleased`` (a full release date other
  than the known one), ``ModelLicenseChanged``;
- ``hf-model``: registration of a new model of a known lab, ``ModelReleased`` with the repo
  (dated by ``createdAt``) unless the model already has a release with a repo, licence from the
  ``license:`` tag, sizes from the repo name, and ``DownloadsReported`` for the model's repo the
  first time and whenever downloads move by more than ``downloads_threshold`` of the last count;
- ``release`` / ``commit`` (GitHub): registration of a new model of a known lab, and for a
  release entry a ``ModelReleased`` if the model has no release date yet;
- ``leaderboard``: ``LeaderboardMethodChanged`` when the method differs from the board's, then
  one ``ScoreReported`` per row, registering models nobody knows (``lab`` None);
- ``board-model`` (a board's model metadata, ``jobs.extract.boardmodels``): registration,
  placement by organization, a licence claim and a repository candidate;
- ``hf-repo`` / ``model-card`` (derived Hugging Face fetches, ``jobs.extract.hfrepo``): a
  verified weights repository; the facts a model card states about its model.

A model registered without a lab is placed by the catalog's lab families when one matches
(``jobs.extract.placement``), the weakest evidence of a lab.

Every event is dated by the item (published / as_of, else ``now``; download counts by ``now``,
the moment they were read), cites the observation and has a key derived from (source, item,
fact), so a re-poll or a race appends nothing new.

Conflicting reports are all kept in the log; the catalog projection decides which is current
(``service.projections.facts``): the report with the **higher confidence** wins, then the
**later occurred_at**, then the **later position** (a model's own reports always outrank what a
leaderboard row hints). To keep that rule sound for release dates, only the first release of a
model, or its first release with a repo, is reported: re-uploads and ``-FP8`` / ``-GGUF``
packagings, created later, never compete with the real date. A repeated ``ModelRegistered``
replaces identity fields, but a ``lab`` of None never erases a known lab.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from jobs.extract.authority import authority_of
from jobs.extract.boardmodels import board_model_facts
from jobs.extract.changes import fact_events
from jobs.extract.emitter import Emitter
from jobs.extract.facts import Fact
from jobs.extract.hfrepo import card_facts, verification_events
from jobs.extract.listings import hf_model_facts, repo_facts
from jobs.extract.names import NameResolver
from jobs.extract.placement import place_by_family
from jobs.extract.standings import leaderboard_events
from jobs.observation import Observation
from service.events import NewEvent, Provenance


@dataclass(frozen=True, slots=True)
class ModelState:
    """What the log currently holds about one model (filled from the catalog projection).

    ``released_at`` is the ISO date (a ``date``/``datetime`` is accepted too); ``repo`` is the
    repo of the winning ``ModelReleased`` — downloads are tracked for that repo only, so the
    ``-FP8`` / ``-GGUF`` packagings of the same weights do not make the count jump back and forth.
    """

    lab: str | None = None
    params_total: int | None = None
    params_active: int | None = None
    architecture: str | None = None
    context_length: int | None = None
    license: str | None = None
    open_weights: bool | None = None
    released_at: str | date | None = None
    downloads: int | None = None
    likes: int | None = None
    registered: bool = False
    repo: str | None = None
    #: What placed the model in its own lab (``organization`` for a board's metadata).
    lab_by: str | None = None
    #: Weights repository candidates sources linked the model to, and its known repository.
    repo_links: tuple[str, ...] = ()
    weights_repo: str | None = None
    #: Spec fields whose current value is the lab's own statement (docs/design.md §4): a lab's
    #: report of the same value is news only where a secondary page set it.
    lab_held: frozenset[str] = frozenset()


_UNKNOWN = ModelState()


def decide(
    observation: Observation,
    provenance: Provenance,
    facts: list[Fact],
    state: Mapping[str, ModelState],
    now: datetime,
    downloads_threshold: float = 0.10,
    *,
    boards: Mapping[str, str] | None = None,
    names: NameResolver | None = None,
    lab_hint: str | None = None,
) -> list[NewEvent]:
    """The events ``observation`` implies; empty when it changes nothing.

    ``boards`` maps a leaderboard to its current method; ``names`` resolves repo ids and
    leaderboard keys and maps HF authors / GitHub owners to labs; ``lab_hint`` is the source's
    ``lab`` setting. Registrations come first in the result, then changes in decision order.
    """
    emitter = Emitter(observation, provenance, now)

    def state_of(slug: str) -> ModelState:
        return state.get(slug, _UNKNOWN)

    def known(slug: str) -> bool:
        return (
            state_of(slug).registered
            or slug in state
            or emitter.registered(slug)
            or bool(names and names.knows(slug))
        )

    derived: list[Fact] = []
    if observation.kind == "leaderboard":
        leaderboard_events(emitter, state_of, boards or {}, names)
    elif observation.kind == "hf-model":
        derived = hf_model_facts(emitter, state_of, names, lab_hint, downloads_threshold)
    elif observation.kind in ("release", "commit"):
        derived = repo_facts(emitter, state_of, names, lab_hint)
    elif observation.kind == "board-model":
        derived = board_model_facts(emitter, state_of, names, known)
    elif observation.kind == "hf-repo":
        verification_events(emitter, state_of)
    elif observation.kind == "model-card":
        facts = card_facts(facts, list(observation.fields.get("models") or ()))
    if observation.kind in ("hf-model", "leaderboard"):
        # A listing or a board row names the model by definition; that is no news mention.
        facts = [fact for fact in facts if fact.field != "mention"]
    card_models = [str(model) for model in observation.fields.get("models") or ()]
    authority = authority_of(
        observation.kind,
        lab_hint,
        lambda slug: _lab_of(slug, emitter, state_of, names),
        card_models,
    )
    fact_events(emitter, [*derived, *facts], state_of, known, authority)
    place_by_family(emitter, names)
    return emitter.events()


def _lab_of(
    slug: str, emitter: Emitter, state_of: Callable[[str], ModelState], names: NameResolver | None
) -> str | None:
    """A model's lab: what the log holds, else what this batch registers, else the catalog."""
    return (
        state_of(slug).lab
        or emitter.registered_lab(slug)
        or (names.model_lab(slug) if names else None)
    )
