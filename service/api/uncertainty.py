"""What a standings table shows about uncertainty: which models are tied with the leader.

A board that publishes confidence intervals cannot tell apart models whose intervals overlap
the leader's; the crown counts them as co-holders (docs/design.md §4), and the standings table
marks them the same way. Rows without an interval, or a leader without one, are never marked.
"""

from __future__ import annotations

from typing import Any


def tied_with_leader(rows: list[dict[str, Any]]) -> set[str]:
    """Slugs of the rows (not the leader's) whose interval overlaps the rank-1 row's."""
    leader = next((row for row in rows if row["rank"] == 1), None)
    if leader is None or leader.get("ci_low") is None or leader.get("ci_high") is None:
        return set()
    low, high = leader["ci_low"], leader["ci_high"]
    return {
        row["model"]
        for row in rows
        if row is not leader
        and row.get("ci_low") is not None
        and row.get("ci_high") is not None
        and row["ci_high"] >= low
        and row["ci_low"] <= high
    }


def with_ties(rows: list[dict[str, Any]], tied: set[str]) -> list[dict[str, Any]]:
    """The rows, each with ``tied``: whether it is tied with the leader."""
    return [{**row, "tied": row["model"] in tied} for row in rows]
