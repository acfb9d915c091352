"""The evidence behind each disputed figure of a model (docs/design.md §6 ``disputes``).

``service.projections.disputes`` keeps, for each figure the sources disagree on, the log
position of the strongest report of each value; this adds what that report says and the source
item it cites, so the API model detail and the model page show both sides with their sources.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from service.api.evidence import events_at

_CITED = ("evidence", "source_id", "url", "title")


def with_evidence(engine: Engine, model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with each disputed report's evidence, source and item title added."""
    disputes = model.get("disputes") or {}
    positions = {report["position"] for reports in disputes.values() for report in reports}
    if not positions:
        return model
    with engine.connect() as conn:
        found = events_at(conn, positions)
    for reports in disputes.values():
        for report in reports:
            cited = found.get(report["position"], {})
            report.update({name: cited.get(name) for name in _CITED})
    return model
