"""What a fetch is configured with, returns and raises (``jobs.fetch.fetcher`` re-exports them)."""

from __future__ import annotations

from dataclasses import dataclass

from service import __version__
from service.errors import SourceError


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """Limits of one fetch; times in seconds."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_deadline: float = 60.0
    max_bytes: int = 10 * 2**20
    max_redirects: int = 5
    retries: int = 3
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    retry_after_cap: float = 300.0
    #: Let URLs named by remote servers (redirects, next-page links) reach loopback, private,
    #: link-local or multicast addresses (``[fetch] allow_private``; lab networks, tests).
    allow_private: bool = False
    user_agent: str = f"crownlog/{__version__} (+https://github.com/crownlog/crownlog)"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A successful fetch: 2xx with a body, or 304 (not modified, ``body`` None)."""

    status: int
    body: bytes | None
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    effective_url: str
    permanent_redirect: str | None  # the final URL when every hop was 301/308
    etag: str | None
    last_modified: str | None
    max_age: int | None
    elapsed: float
    attempts: int


class FetchError(SourceError):
    """A fetch failed; ``retryable`` says whether trying again later may help."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        #: Seconds the server asked crownlog to wait (``Retry-After``), when it did.
        self.retry_after = retry_after


class RetryableFailure(Exception):
    """A failure worth another attempt within the deadline."""

    def __init__(self, reason: str, status: int | None = None, after: float | None = None):
        super().__init__(reason)
        self.status = status
        self.after = after
