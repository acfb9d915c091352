"""Fetching a source's URL politely and defensively (DESIGN §5).

Conditional GET, a response-size cap applied to decompressed bytes while streaming (a gzip bomb
stops at the cap), redirects followed by hand (bounded, loop-checked, each hop recorded so a
chain of permanent redirects can update the source), retries with full-jitter exponential
backoff that honour ``Retry-After``, and one deadline over all of it. ``file://`` URLs read
local files under the same cap.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.request import url2pathname

import httpx
import structlog

from jobs.inflate import Inflater
from service import __version__
from service.errors import SourceError

log = structlog.get_logger("crownlog.fetch")

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})", re.IGNORECASE)


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
        #: Seconds the server asked us to wait (``Retry-After``), when it did.
        self.retry_after = retry_after


class _Retry(Exception):
    """A failure worth another attempt within the deadline."""

    def __init__(self, reason: str, status: int | None = None, after: float | None = None):
        super().__init__(reason)
        self.status = status
        self.after = after


class Fetcher:
    """Fetches URLs over one shared, thread-safe ``httpx.Client`` (made here unless given).

    ``sleep``, ``clock`` (monotonic) and ``jitter`` (0 ≤ x < 1) are injectable for tests.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        client: httpx.Client | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._owns_client = client is None
        self._client = client or httpx.Client(follow_redirects=False)
        self._sleep, self._clock, self._jitter = sleep, clock, jitter

    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        deadline: float | None = None,
    ) -> FetchResult:
        """GET ``url`` (conditionally, if ``etag``/``last_modified`` are given).

        ``deadline`` is a ``time.monotonic()`` instant; the fetch, retries and waits included,
        ends by it or by ``settings.total_deadline`` from now, whichever is sooner (a read in
        progress may overrun it by at most one read timeout). Raises ``FetchError``.
        """
        started = self._clock()
        end = started + self.settings.total_deadline
        end = min(end, deadline) if deadline is not None else end
        if urlsplit(url).scheme == "file":
            return self._read_file(url, last_modified, started)
        headers = {"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._follow(url, headers, end, started, attempt)
            except _Retry as retry:
                delay = retry.after if retry.after is not None else self._backoff(attempt)
                failure = f"{retry} from {_shown(url)}"
                if attempt > self.settings.retries:
                    raise FetchError(
                        f"{failure}; gave up after {attempt} attempts — crownlog retries on the"
                        " next poll",
                        status=retry.status,
                        retryable=True,
                        retry_after=retry.after,
                    ) from None
                if self._clock() + delay >= end:
                    raise FetchError(
                        f"{failure}; no time left to retry within the fetch deadline — crownlog"
                        " retries on the next poll",
                        status=retry.status,
                        retryable=True,
                        retry_after=retry.after,
                    ) from None
                log.info("fetch retry", url=_shown(url), attempt=attempt, delay=round(delay, 3),
                         reason=str(retry))  # fmt: skip
                self._sleep(delay)

    def close(self) -> None:
        """Close the HTTP client, if this fetcher made it."""
        if self._owns_client:
            self._client.close()

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return self._jitter() * ceiling  # "full jitter": spreads retries of many workers

    def _follow(
        self, url: str, headers: dict[str, str], end: float, started: float, attempt: int
    ) -> FetchResult:
        hops: list[int] = []
        seen = {url}
        current = url
        while True:
            status, response_headers, body = self._request(current, headers, end)
            if status not in _REDIRECTS:
                break
            target = _redirect_target(current, status, response_headers)
            hops.append(status)
            if len(hops) > self.settings.max_redirects:
                raise FetchError(
                    f"more than {self.settings.max_redirects} redirects from {_shown(url)} "
                    f"(then {_shown(target)}) — point the source at the final url",
                    status=status,
                )
            if target in seen:
                raise FetchError(
                    f"redirect loop from {_shown(url)}: {_shown(target)} was already visited"
                    " — the server is misconfigured; check the source url",
                    status=status,
                )
            seen.add(target)
            current = target
        permanent = hops and all(hop in _PERMANENT for hop in hops)
        unchanged, sent = status == 304, headers
        cache = _MAX_AGE.search(response_headers.get("cache-control", ""))
        return FetchResult(
            status=status,
            body=body,
            headers=response_headers,
            effective_url=current,
            permanent_redirect=current if permanent else None,
            # A 304 need not repeat the validators; the ones we sent still hold.
            etag=response_headers.get("etag") or (sent.get("If-None-Match") if unchanged else None),
            last_modified=response_headers.get("last-modified")
            or (sent.get("If-Modified-Since") if unchanged else None),
            max_age=int(cache.group(1)) if cache else None,
            elapsed=self._clock() - started,
            attempts=attempt,
        )

    def _request(
        self, url: str, headers: dict[str, str], end: float
    ) -> tuple[int, dict[str, str], bytes | None]:
        """One GET: (status, headers, body); body None for redirects and 304."""
        remaining = end - self._clock()
        if remaining <= 0:
            raise FetchError(
                f"fetch deadline of {self.settings.total_deadline:g} s passed before {_shown(url)}"
                " answered — crownlog retries on the next poll",
                retryable=True,
            )
        timeout = httpx.Timeout(
            min(self.settings.read_timeout, remaining),
            connect=min(self.settings.connect_timeout, remaining),
        )
        try:
            with self._client.stream("GET", url, headers=headers, timeout=timeout) as response:
                response_headers = {name: value for name, value in response.headers.items()}
                status = response.status_code
                if status in _REDIRECTS or status == 304:
                    return status, response_headers, None
                _check_status(status, url, response_headers, self._retry_after)
                return status, response_headers, self._read_body(response, url, end)
        except httpx.TimeoutException as exc:
            raise _Retry(f"timed out ({type(exc).__name__})") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError) as exc:
            raise FetchError(f"cannot fetch {_shown(url)}: {exc} — check the source url") from None
        except httpx.TransportError as exc:
            raise _Retry(f"connection failed ({type(exc).__name__}: {exc})") from None

    def _read_body(self, response: httpx.Response, url: str, end: float) -> bytes:
        limit = self.settings.max_bytes
        too_large = (
            f"response from {_shown(url)} exceeded {limit} bytes after decompression — raise "
            "max_bytes or fix the source"
        )
        encoding = response.headers.get("content-encoding", "")
        declared = response.headers.get("content-length", "")
        if not encoding and declared.isdigit() and int(declared) > limit:
            raise FetchError(too_large, status=response.status_code)
        try:
            inflater = Inflater(encoding, limit)
            chunks = [inflater.feed(raw) for raw in _until(response.iter_raw(), self._clock, end)]
            chunks.append(inflater.flush())
        except OverflowError:
            raise FetchError(too_large, status=response.status_code) from None
        except ValueError as exc:
            raise FetchError(f"{exc} in the response from {_shown(url)}") from None
        except TimeoutError:
            raise FetchError(
                f"fetch deadline of {self.settings.total_deadline:g} s passed while reading "
                f"{_shown(url)} — the server is too slow; crownlog retries on the next poll",
                status=response.status_code,
                retryable=True,
            ) from None
        return b"".join(chunks)

    def _retry_after(self, value: str | None) -> float | None:
        """Seconds from a ``Retry-After`` header (delta seconds or HTTP-date), capped."""
        if not value:
            return None
        value = value.strip()
        if value.isdigit() and len(value) < 12:
            seconds = float(value)
        else:
            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError, IndexError):
                return None
        return min(max(seconds, 0.0), self.settings.retry_after_cap)

    def _read_file(self, url: str, last_modified: str | None, started: float) -> FetchResult:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchError(f"{url}: a file url names no host — use file:///absolute/path")
        path = Path(url2pathname(parts.path))
        try:
            stat = path.stat()
            if not path.is_file():
                raise FetchError(f"{path} is not a regular file ({url}) — check the source url")
            if stat.st_size > self.settings.max_bytes:
                raise OverflowError
            modified = formatdate(stat.st_mtime, usegmt=True)
            body = None
            if last_modified != modified:
                with path.open("rb") as handle:
                    body = handle.read(self.settings.max_bytes + 1)
                if len(body) > self.settings.max_bytes:
                    raise OverflowError  # the file grew after stat()
        except FileNotFoundError:
            raise FetchError(f"file {path} does not exist ({url}) — check the source url") from None
        except OverflowError:
            raise FetchError(
                f"file {path} exceeds {self.settings.max_bytes} bytes — raise max_bytes or fix "
                "the source"
            ) from None
        except OSError as exc:
            raise FetchError(f"cannot read {path} ({url}): {exc.strerror or exc}") from None
        headers = {"last-modified": modified}
        if body is not None:
            headers["content-length"] = str(len(body))
        return FetchResult(
            status=200 if body is not None else 304,
            body=body,
            headers=headers,
            effective_url=url,
            permanent_redirect=None,
            etag=None,
            last_modified=modified,
            max_age=None,
            elapsed=self._clock() - started,
            attempts=1,
        )


def _check_status(
    status: int,
    url: str,
    headers: dict[str, str],
    retry_after: Callable[[str | None], float | None],
) -> None:
    """Raise for anything but 2xx: ``_Retry`` for 429 and 5xx, ``FetchError`` otherwise."""
    if 200 <= status < 300:
        return
    if status == 429 or status >= 500:
        after = retry_after(headers.get("retry-after"))
        reason = "rate limited" if status == 429 else "server error"
        raise _Retry(f"HTTP {status} ({reason})", status=status, after=after)
    advice = {
        401: "the source needs credentials crownlog does not have",
        403: "the server refuses crownlog — check the url, or whether it blocks crawlers",
        404: "check the source url",
        410: "the feed is gone — disable the source or find its new url",
    }.get(status, "check the source url")
    raise FetchError(f"HTTP {status} from {_shown(url)} — {advice}", status=status)


def _redirect_target(url: str, status: int, headers: dict[str, str]) -> str:
    location = headers.get("location", "").strip()
    if not location:
        raise FetchError(
            f"HTTP {status} redirect without a Location from {_shown(url)} — check the source url",
            status=status,
        )
    target = urljoin(url, location)
    if urlsplit(target).scheme not in ("http", "https"):
        # Never let a server steer the fetcher to file:// or another scheme.
        raise FetchError(
            f"{_shown(url)} redirects to {_shown(target)}, which is not http(s) — refused",
            status=status,
        )
    return target


def _until(chunks: Iterator[bytes], clock: Callable[[], float], end: float) -> Iterator[bytes]:
    """``chunks``, raising TimeoutError once the deadline ``end`` has passed."""
    for chunk in chunks:
        if clock() > end:
            raise TimeoutError
        yield chunk


def _shown(url: str) -> str:
    """``url`` without credentials, for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))
