"""Source adapters: bytes of one response → ``ParseResult``, one module per source kind.

Every adapter is ``parse(body, headers, source, fetched_at) -> ParseResult`` and pure: no I/O,
no clock (``fetched_at`` is passed in). A body that is not a document of its kind raises
``ParseError``. Run them through ``jobs.fetch.sandbox``, which bounds time and memory.
"""

from collections.abc import Callable
from datetime import datetime

from jobs.observation import ParseResult
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources import feed, github_releases, hf_models, hfrepo, leaderboard, models
from jobs.sources.errors import ParseError

Adapter = Callable[[bytes, dict[str, str], SourceConfig, datetime], ParseResult]

ADAPTERS: dict[str, Adapter] = {
    "feed": feed.parse,
    "github-releases": github_releases.parse,
    "hf-models": hf_models.parse,
    "leaderboard": leaderboard.parse,
    "models": models.parse,
    # Derived fetches (``jobs.schedule.derived``), never configured in sources.toml:
    "hf-repo": hfrepo.parse_api,
    "model-card": hfrepo.parse_card,
}

__all__ = ["ADAPTERS", "Adapter", "ParseError"]
