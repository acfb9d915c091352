"""Build realistic ``StoredEvent``s for fold tests: positions, versions, times and a hash chain.

Every payload is checked with ``service.event_types.check_payload`` and normalized the way
the store normalizes it, and every event carries the hash the store would give it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from service.chain import event_hash, normalize_data
from service.clock import format_time, parse_time
from service.event_types import check_payload
from service.events import GENESIS_HASH, Provenance, StoredEvent

#: How long after the fact a live poll records it.
POLL_LAG = timedelta(minutes=5)


def at(text: str) -> datetime:
    """An aware UTC time from ISO text (``2025-07-11`` or ``2025-07-11T08:00:00Z``)."""
    return parse_time(text)


class Log:
    """An in-memory log that appends events the way the store does."""

    def __init__(self) -> None:
        self.events: list[StoredEvent] = []
        self._versions: dict[str, int] = {}
        self._recorded = datetime(2025, 1, 1, tzinfo=UTC)
        self._batch_recorded: datetime | None = None

    @contextmanager
    def batch(self, recorded_at: datetime | str) -> Iterator[None]:
        """Append the events inside in one transaction: they share ``recorded_at``."""
        moment = at(recorded_at) if isinstance(recorded_at, str) else recorded_at
        assert moment > self._recorded, "recorded_at only moves forward"
        self._batch_recorded = moment
        try:
            yield
        finally:
            self._recorded, self._batch_recorded = moment, None

    def append(
        self,
        type_name: str,
        stream: str,
        data: dict[str, Any],
        occurred_at: datetime | str,
        source: str = "test",
    ) -> StoredEvent:
        """Append one event; outside a batch it is recorded shortly after it occurred."""
        check_payload(type_name, 1, data)
        occurred = at(occurred_at) if isinstance(occurred_at, str) else occurred_at
        recorded = self._batch_recorded
        if recorded is None:
            recorded = max(self._recorded + timedelta(seconds=1), occurred + POLL_LAG)
            self._recorded = recorded
        position = len(self.events) + 1
        version = self._versions.get(stream, 0) + 1
        self._versions[stream] = version
        event = StoredEvent(
            position=position,
            stream=stream,
            version=version,
            type=type_name,
            schema=1,
            data=normalize_data(data),
            occurred_at=occurred,
            recorded_at=recorded,
            source=Provenance(source_id=source, item_id=f"item-{position}"),
            key=f"{type_name}:{stream}:{position}",
            prev_hash=self.events[-1].hash if self.events else GENESIS_HASH,
            hash="",
        )
        event = replace(event, hash=event_hash(event))
        self.events.append(event)
        return event

    # -- one method per event type ---------------------------------------------------------

    def lab(
        self, slug: str, name: str, city: str | None, country: str | None, when: str
    ) -> StoredEvent:
        data: dict[str, Any] = {"slug": slug, "name": name, "aliases": []}
        data.update(city=city, country=country)
        return self.append("LabRegistered", f"lab:{slug}", data, when, "catalog")

    def lab_updated(self, slug: str, when: str, **fields: Any) -> StoredEvent:
        return self.append("LabUpdated", f"lab:{slug}", {"slug": slug, **fields}, when, "catalog")

    def model(self, slug: str, name: str, lab: str, when: str, **fields: Any) -> StoredEvent:
        data = {"slug": slug, "name": name, "lab": lab, **fields}
        return self.append("ModelRegistered", f"model:{slug}", data, when, "catalog")

    def released(self, model: str, released_at: str, when: str, **fields: Any) -> StoredEvent:
        data = {"model": model, "released_at": released_at, **fields}
        return self.append("ModelReleased", f"model:{model}", data, when, "hf-models")

    def spec(self, model: str, when: str, **fields: Any) -> StoredEvent:
        data = {"model": model, **fields}
        return self.append("ModelSpecReported", f"model:{model}", data, when, "hf-models")

    def license_changed(self, model: str, license: str, when: str, **fields: Any) -> StoredEvent:
        data = {"model": model, "license": license, **fields}
        return self.append("ModelLicenseChanged", f"model:{model}", data, when, "hf-models")

    def downloads(self, model: str, downloads: int, when: str, **fields: Any) -> StoredEvent:
        data = {"model": model, "downloads": downloads, **fields}
        return self.append("DownloadsReported", f"model:{model}", data, when, "hf-models")

    def mention(self, model: str, when: datetime | str, snippet: str = "…") -> StoredEvent:
        data = {"model": model, "snippet": snippet, "confidence": 0.9}
        return self.append("ModelMentioned", f"model:{model}", data, when, "news")

    def method_changed(
        self, board: str, method: str, when: str, previous: str | None = None
    ) -> StoredEvent:
        data = {"leaderboard": board, "method": method, "previous": previous}
        return self.append("LeaderboardMethodChanged", f"leaderboard:{board}", data, when, board)

    def score(
        self,
        board: str,
        model: str,
        value: float,
        when: datetime | str,
        method: str = "v1",
        ci: tuple[float, float] | None = None,
        complete: bool = False,
        **fields: Any,
    ) -> StoredEvent:
        """One leaderboard row as of ``when``: by itself a partial report (``complete: false``,
        it removes no other model); ``snapshot`` writes the rows of a complete snapshot."""
        moment = at(when) if isinstance(when, str) else when
        data = {
            "model": model,
            "leaderboard": board,
            "method": method,
            "value": value,
            "as_of": format_time(moment),
            "provenance": "independent",
            **fields,
        }
        if ci is not None:
            data["ci_low"], data["ci_high"] = ci
        if not complete:
            data["complete"] = False
        return self.append("ScoreReported", f"leaderboard:{board}", data, moment, board)

    def snapshot(
        self, board: str, when: datetime | str, rows: Mapping[str, float], method: str = "v1"
    ) -> list[StoredEvent]:
        """A complete leaderboard snapshot: one score per model, all as of ``when``; a model
        it does not list is off the board from ``when``."""
        return [
            self.score(board, model, value, when, method, complete=True)
            for model, value in rows.items()
        ]

    def withdrawn(
        self, board: str, model: str, value: float, when: datetime | str, method: str = "v1"
    ) -> StoredEvent:
        """A complete snapshot as of ``when`` no longer lists ``model`` (last valued ``value``)."""
        moment = at(when) if isinstance(when, str) else when
        data = {"model": model, "leaderboard": board, "method": method, "value": value,
                "as_of": format_time(moment)}  # fmt: skip
        return self.append("ScoreWithdrawn", f"model:{model}", data, moment, board)


#: The mid-2025 cast: lab slug -> (name, city, country); model slug -> (name, lab, release).
LABS = {
    "deepseek": ("DeepSeek", "Hangzhou", "CN"),
    "qwen": ("Alibaba Qwen", "Hangzhou", "CN"),
    "moonshot": ("Moonshot AI", "Beijing", "CN"),
    "zhipu": ("Zhipu AI", "Beijing", "CN"),
    "stepfun": ("StepFun", "Shanghai", "CN"),
    "minimax": ("MiniMax", "Shanghai", "CN"),
    "google": ("Google DeepMind", "London", "UK"),
}
MODELS = {
    "deepseek-r1-0528": ("DeepSeek-R1-0528", "deepseek", "2025-05-28", "MIT"),
    "kimi-k2": ("Kimi K2", "moonshot", "2025-07-11", "Modified MIT"),
    "qwen3-235b-a22b-instruct-2507": ("Qwen3-235B-A22B-2507", "qwen", "2025-07-21", "Apache-2.0"),
    "glm-4.5": ("GLM-4.5", "zhipu", "2025-07-28", "MIT"),
    "step-3": ("Step 3", "stepfun", "2025-07-31", "Apache-2.0"),
    "minimax-m1": ("MiniMax-M1", "minimax", "2025-06-16", "Apache-2.0"),
    "gemini-2.5-pro": ("Gemini 2.5 Pro", "google", "2025-03-25", "Proprietary"),
}


def cast(log: Log, when: str = "2025-05-01") -> Log:
    """Register the labs and models of the mid-2025 race, each released on its real date.

    Open models are released the way a Hugging Face listing reports them: with their weights
    repository (the evidence that makes their weights ``open``); Gemini only with a licence.
    """
    for slug, (name, city, country) in LABS.items():
        log.lab(slug, name, city, country, when)
    for slug, (name, lab, released, license_name) in MODELS.items():
        log.model(slug, name, lab, when)
        repo = {} if license_name == "Proprietary" else {"repo": f"{lab}/{name}"}
        log.released(slug, released, f"{released}T08:00:00Z", license=license_name, **repo)
    return log


BOARD = "lmarena-text"
JUN_17 = {"deepseek-r1-0528": 1421, "minimax-m1": 1373, "gemini-2.5-pro": 1460}
JUL_18 = {"kimi-k2": 1425, "deepseek-r1-0528": 1424, "minimax-m1": 1374, "gemini-2.5-pro": 1458}
AUG_02 = {"qwen3-235b-a22b-instruct-2507": 1433, "kimi-k2": 1426, "deepseek-r1-0528": 1424}
AUG_15 = {
    "glm-4.5": 1438,
    "qwen3-235b-a22b-instruct-2507": 1433,
    "gemini-2.5-pro": 1457,
    "kimi-k2": 1426,
    "deepseek-r1-0528": 1424,
    "minimax-m1": 1374,
}


def race_log() -> Log:
    """The cast plus four snapshots in which the open crown changes hands three times.

    Scores are illustrative LMArena-style values (in the range LMArena's text board showed in
    mid-2025, https://lmarena.ai/leaderboard/text); the dates are the July-2025
    story: R1-0528 (Jun 17) → Kimi K2 (Jul 18) → Qwen3-2507 (Aug 2) → GLM-4.5 (Aug 15).
    """
    log = cast(Log())
    log.snapshot(BOARD, "2025-06-17", JUN_17)
    log.snapshot(BOARD, "2025-07-18", JUL_18)
    log.snapshot(BOARD, "2025-08-02", AUG_02)
    log.snapshot(BOARD, "2025-08-15", AUG_15)
    return log
