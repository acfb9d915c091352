"""Upcasters: payloads of old schemas read in the current shape."""

from __future__ import annotations

import pytest

from service.errors import SchemaError
from service.event_types import EVENT_TYPES, check_payload
from service.upcasting import UPCASTERS, upcast

OLD_SCORE = {
    "model": "glm-4.5",
    "leaderboard": "lmarena-text",
    "method": "v1",
    "value": 1428.1,
    "as_of": "2025-12-11T00:00:00.000000+00:00",
    "ci": [1423.3, 1433.0],
}


def test_score_reported_schema_0_splits_the_interval() -> None:
    """Given a schema-0 ScoreReported with ci: [low, high], then schema 1 has ci_low/ci_high."""
    schema, data = upcast("ScoreReported", 0, OLD_SCORE)
    assert schema == EVENT_TYPES["ScoreReported"].schema == 1
    assert (data["ci_low"], data["ci_high"]) == (1423.3, 1433.0) and "ci" not in data
    check_payload("ScoreReported", schema, data)
    assert OLD_SCORE["ci"] == [1423.3, 1433.0]  # the stored payload is not changed


def test_a_schema_0_score_without_an_interval_stays_without_one() -> None:
    """No ci, no bounds."""
    _, data = upcast("ScoreReported", 0, {k: v for k, v in OLD_SCORE.items() if k != "ci"})
    assert "ci_low" not in data and "ci_high" not in data


def test_current_payloads_pass_through_unchanged() -> None:
    """An event at its current schema is returned as it is."""
    data = {"model": "glm-4.5", "snippet": "GLM-4.5 is out."}
    assert upcast("ModelMentioned", 1, data) == (1, data)


@pytest.mark.parametrize(
    ("type_name", "schema", "message"),
    [
        ("NoSuchEvent", 0, "unknown event type"),
        ("ScoreReported", 2, "newer than this version knows"),
        ("ModelMentioned", 0, "no upcaster for ModelMentioned schema 0 -> 1"),
    ],
)
def test_what_cannot_be_upcast_is_a_schema_error(type_name: str, schema: int, message: str) -> None:
    """Unknown types, future schemas and gaps in the chain fail loudly."""
    with pytest.raises(SchemaError, match=message):
        upcast(type_name, schema, {})


def test_a_malformed_interval_is_a_schema_error() -> None:
    """ci must be a pair."""
    with pytest.raises(SchemaError, match="must be \\[low, high\\]"):
        upcast("ScoreReported", 0, {**OLD_SCORE, "ci": [1.0]})


def test_every_upcaster_reads_an_older_schema_of_a_registered_type() -> None:
    """The registry only holds steps below each type's current schema."""
    for type_name, schema in UPCASTERS:
        assert type_name in EVENT_TYPES and schema < EVENT_TYPES[type_name].schema
