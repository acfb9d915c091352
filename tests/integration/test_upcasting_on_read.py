"""Old event schemas in a real log: stored as written, folded in the current shape."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from service.chain import canonical_json, compute_hash, envelope_dict
from service.events import GENESIS_HASH, Provenance, StoredEvent
from tests.cli import run

T = datetime(2025, 8, 5, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _log() -> list[StoredEvent]:
    """Identity and weights at schema 1, then two ScoreReported written at schema 0
    (``ci: [low, high]``)."""
    raw: list[tuple[str, str, int, dict[str, Any], datetime]] = [
        ("lab:zhipu", "LabRegistered", 1, {"slug": "zhipu", "name": "Zhipu AI", "city": "Beijing"},
         EPOCH),
        ("lab:moonshot", "LabRegistered", 1,
         {"slug": "moonshot", "name": "Moonshot AI", "city": "Beijing"}, EPOCH),
        ("model:glm-4.5", "ModelRegistered", 1,
         {"slug": "glm-4.5", "name": "GLM-4.5", "lab": "zhipu"}, EPOCH),
        ("model:kimi-k2", "ModelRegistered", 1,
         {"slug": "kimi-k2", "name": "Kimi K2", "lab": "moonshot"}, EPOCH),
        # Their weights repositories are known (a score's licence is only a claim).
        ("model:glm-4.5", "WeightsRepoVerified", 1,
         {"model": "glm-4.5", "repo": "zai-org/GLM-4.5"}, EPOCH),
        ("model:kimi-k2", "WeightsRepoVerified", 1,
         {"model": "kimi-k2", "repo": "moonshotai/Kimi-K2-Instruct"}, EPOCH),
    ]  # fmt: skip
    for model, value, ci in (
        ("glm-4.5", 1450.0, [1445.0, 1455.0]),
        ("kimi-k2", 1448.0, [1444.0, 1452.0]),
    ):
        raw.append((
            f"model:{model}", "ScoreReported", 0,
            {"model": model, "leaderboard": "lmarena-text", "method": "bt", "value": value,
             "as_of": "2025-08-05T00:00:00.000000+00:00", "ci": ci, "license": "MIT",
             "open_weights": True, "provenance": "independent"},
            T,
        ))  # fmt: skip
    events, prev, versions = [], GENESIS_HASH, Counter[str]()
    for position, (stream, type_, schema, data, when) in enumerate(raw, start=1):
        versions[stream] += 1
        draft = StoredEvent(
            position, stream, versions[stream],
            type_, schema, data, when, T, Provenance("archive", f"item-{position}"),
            f"k{position}", prev, "",
        )  # fmt: skip
        event = replace(draft, hash=compute_hash(envelope_dict(draft)))
        events.append(event)
        prev = event.hash
    return events


def test_schema_0_scores_are_upcast_for_folds_and_kept_as_written(
    database_url: str, tmp_path: Path
) -> None:
    """An imported log with ScoreReported schema 0 gives co-holders from its `ci` (read as
    ci_low/ci_high), the stored payload keeps `ci`, and the audit passes."""
    dump = tmp_path / "old.jsonl"
    dump.write_bytes(b"".join(canonical_json(envelope_dict(e)) + b"\n" for e in _log()))
    assert run("events", "import", str(dump), url=database_url, cwd=tmp_path).returncode == 0

    crown = orjson.loads(run("crown", "--json", url=database_url, cwd=tmp_path).stdout)
    assert crown["holder"]["model"] == "glm-4.5"
    assert crown["holder"]["co_holders"] == ["kimi-k2"]  # only the upcast CIs overlap

    exported = run("events", "export", url=database_url, cwd=tmp_path).stdout.splitlines()
    scores = [orjson.loads(line) for line in exported if b"ScoreReported" in line.encode()]
    assert all(s["schema"] == 0 and "ci" in s["data"] for s in scores)
    audit = run("audit", "verify", url=database_url, cwd=tmp_path)
    assert audit.returncode == 0, audit.stderr
