"""Fetching a source's URL politely and defensively (docs/design.md §5).

Conditional GET, a response-size cap applied to decompressed bytes while streaming (a gzip bomb
stops at the cap), redirects followed by hand (bounded, loop-checked, each hop recorded so a
chain of permanent redirects can update the source), retries with full-jitter exponential
backoff that honour ``Retry-After``, and one deadline over all of it. ``file://`` URLs read
local files under the same cap, but only when the operator named them: every URL a server names
(each redirect hop, a next-page link) goes through ``jobs.fetch.urlpolicy``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import structlog

from jobs.fetch import httprules
from jobs.fetch.httprules import shown
from jobs.fetch.inflate import Inflater
from jobs.fetch.localfile import read_local
from jobs.fetch.types import FetchError, FetchResult, FetchSettings, RetryableFailure
from jobs.fetch.urlpolicy import UrlPolicy, pinned

log = structlog.get_logger("crownlog.fetch")

__all__ = ["FetchError", "FetchResult", "FetchSettings", "Fetcher"]


class Fetcher:
    """Fetches URLs over one shared, thread-safe ``httpx.Client`` (made here unless given).

    ``sleep``, ``clock`` (monotonic seconds) and ``jitter`` (0 ≤ x < 1) are injectable so tests
    neither wait nor guess; ``policy`` (default: from ``settings.allow_private``) rules every
    URL a server names.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        client: httpx.Client | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        policy: UrlPolicy | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self.policy = policy or UrlPolicy(allow_private=self.settings.allow_private)
        self._owns_client = client is None
        self._client = client or httpx.Client(follow_redirects=False)
        self._sleep, self._clock, self._jitter = sleep, clock, jitter

    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        deadline: float | None = None,
        *,
        remote: bool = False,
    ) -> FetchResult:
        """GET ``url``, conditionally when ``etag`` / ``last_modified`` are given.

        ``deadline`` is a ``time.monotonic()`` instant: the fetch, its retries and waits end by
        it or by ``settings.total_deadline`` from now, whichever is sooner (a read in progress
        may overrun by at most one read timeout). ``remote``: a server named ``url`` (the URL
        policy applies to it, not only to its redirects). Raises ``FetchError``.
        """
        started = self._clock()
        end = started + self.settings.total_deadline
        end = min(end, deadline) if deadline is not None else end
        if remote:
            self.policy.check_scheme(url, "a link")
        elif urlsplit(url).scheme == "file":
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
                return self._follow(url, headers, end, started, attempt, remote)
            except RetryableFailure as retry:
                delay = retry.after if retry.after is not None else self._backoff(attempt)
                if attempt > self.settings.retries or self._clock() + delay >= end:
                    why = (
                        f"gave up after {attempt} attempts"
                        if attempt > self.settings.retries
                        else "no time left to retry within the fetch deadline"
                    )
                    raise FetchError(
                        f"{retry} from {shown(url)}; {why} — crownlog tries again next poll",
                        status=retry.status,
                        retryable=True,
                        retry_after=retry.after,
                    ) from None
                log.info("fetch retry", url=shown(url), attempt=attempt, delay=round(delay, 3),
                         reason=str(retry))  # fmt: skip
                self._sleep(delay)

    def fetch_link(
        self, base: str, link: str, what: str, deadline: float | None = None
    ) -> FetchResult:
        """GET the URL a response from ``base`` linked to (``what``: "a next-page link"), under
        the URL policy: resolved against ``base``, http(s) only, no private hosts."""
        return self.fetch(self.policy.follow(base, link, what), deadline=deadline, remote=True)

    def close(self) -> None:
        """Close the HTTP client, if this fetcher made it."""
        if self._owns_client:
            self._client.close()

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return self._jitter() * ceiling  # "full jitter" spreads the retries of many workers

    def _follow(
        self,
        url: str,
        sent: dict[str, str],
        end: float,
        started: float,
        attempt: int,
        remote: bool,
    ) -> FetchResult:
        hops: list[int] = []
        seen, current = {url}, url
        what = "the link" if remote else "the source url"
        while True:
            address = self.policy.address_for(current, what) if remote else None
            status, headers, body = self._request(current, sent, end, address)
            if status not in httprules.REDIRECTS:
                break
            target = self.policy.follow(current, headers.get("location"), f"a {status} redirect")
            remote, what = (
                True,
                "the redirect target",
            )  # every hop after the first was named by a server
            hops.append(status)
            if len(hops) > self.settings.max_redirects:
                raise FetchError(
                    f"more than {self.settings.max_redirects} redirects from {shown(url)} (next:"
                    f" {shown(target)}) — point the source at the final url",
                    status=status,
                )
            if target in seen:
                raise FetchError(
                    f"redirect loop from {shown(url)}: {shown(target)} was already visited"
                    " — the server is misconfigured; check the source url",
                    status=status,
                )
            seen.add(target)
            current = target
        permanent = bool(hops) and all(hop in httprules.PERMANENT for hop in hops)
        unchanged = status == 304  # a 304 need not repeat validators; the ones sent still hold
        return FetchResult(
            status=status,
            body=body,
            headers=headers,
            effective_url=current,
            permanent_redirect=current if permanent else None,
            etag=headers.get("etag") or (sent.get("If-None-Match") if unchanged else None),
            last_modified=headers.get("last-modified")
            or (sent.get("If-Modified-Since") if unchanged else None),
            max_age=httprules.max_age(headers.get("cache-control")),
            elapsed=self._clock() - started,
            attempts=attempt,
        )

    def _request(
        self, url: str, headers: dict[str, str], end: float, address: str | None = None
    ) -> tuple[int, dict[str, str], bytes | None]:
        """One GET: (status, lower-cased headers, body); body None for redirects and 304.

        ``address``: connect to this (checked) IP rather than resolving the host again, so a
        DNS answer cannot change between the policy's check and the connection."""
        remaining = end - self._clock()
        if remaining <= 0:
            raise FetchError(
                f"fetch deadline of {self.settings.total_deadline:g} s passed before {shown(url)}"
                " answered — crownlog tries again next poll",
                retryable=True,
            )
        timeout = httpx.Timeout(
            min(self.settings.read_timeout, remaining),
            connect=min(self.settings.connect_timeout, remaining),
        )
        target, headers, extensions = pinned(url, headers, address)
        try:
            with self._client.stream(
                "GET",
                target,
                headers=headers,
                timeout=timeout,
                follow_redirects=False,
                extensions=extensions,
            ) as response:
                status, response_headers = response.status_code, dict(response.headers.items())
                if status in httprules.REDIRECTS or status == 304:
                    return status, response_headers, None
                if httprules.retryable(status):
                    after = httprules.retry_after(
                        response_headers.get("retry-after"), self.settings.retry_after_cap
                    )
                    reason = "rate limited" if status == 429 else "server error"
                    raise RetryableFailure(f"HTTP {status} ({reason})", status=status, after=after)
                if not 200 <= status < 300:
                    raise FetchError(
                        f"HTTP {status} from {shown(url)} — {httprules.advice(status)}",
                        status=status,
                    )
                return status, response_headers, self._read_body(response, url, end)
        except httpx.TimeoutException as exc:
            raise RetryableFailure(f"timed out ({type(exc).__name__})") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError) as exc:
            raise FetchError(f"cannot fetch {shown(url)}: {exc} — check the source url") from None
        except httpx.TransportError as exc:
            raise RetryableFailure(f"connection failed ({type(exc).__name__}: {exc})") from None

    def _read_body(self, response: httpx.Response, url: str, end: float) -> bytes:
        limit = self.settings.max_bytes
        too_large = (
            f"response from {shown(url)} exceeded {limit} bytes after decompression — raise "
            "max_bytes or fix the source"
        )
        encoding = response.headers.get("content-encoding", "")
        declared = response.headers.get("content-length", "")
        if not encoding and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise FetchError(too_large, status=response.status_code)
        try:
            inflater = Inflater(encoding, limit)
            chunks = [inflater.feed(raw) for raw in _until(response.iter_raw(), self._clock, end)]
            chunks.append(inflater.flush())
        except OverflowError:
            raise FetchError(too_large, status=response.status_code) from None
        except ValueError as exc:
            raise FetchError(f"{exc} in the response from {shown(url)}") from None
        except TimeoutError:
            raise FetchError(
                f"fetch deadline of {self.settings.total_deadline:g} s passed while reading "
                f"{shown(url)} — the server is too slow; crownlog tries again next poll",
                status=response.status_code,
                retryable=True,
            ) from None
        return b"".join(chunks)

    def _read_file(self, url: str, last_modified: str | None, started: float) -> FetchResult:
        try:
            body, modified = read_local(url, self.settings.max_bytes, last_modified)
        except ValueError as exc:
            raise FetchError(str(exc)) from None
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


def _until(chunks: Iterator[bytes], clock: Callable[[], float], end: float) -> Iterator[bytes]:
    """``chunks``, raising TimeoutError once the deadline ``end`` has passed."""
    for chunk in chunks:
        if clock() > end:
            raise TimeoutError
        yield chunk
