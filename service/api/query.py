"""Query parameters of the projection reads, parsed in one pass and documented in OpenAPI.

Why not FastAPI's per-parameter declarations: on these endpoints (seven optional parameters)
FastAPI's parameter solving cost more than everything else a cached read does, halving
throughput. A ``QuerySpec`` parses ``request.query_params`` directly, raises ``BadParameter``
(422 naming the parameter) on a bad value, and emits the same OpenAPI parameter objects, so
``/docs`` and schemathesis see every parameter with its type and bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from service.api.params import MAX_LIMIT, TIME_FORMAT, BadParameter, parse_moment
from service.modelsearch import WEIGHTS, parse_count
from service.timepoint import At

MAX_POSITION = 2**62  # beyond any real log, and inside PostgreSQL's BIGINT
MAX_TEXT = 200
_TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})
_FALSE = frozenset({"false", "0", "no", "off", "f", "n"})


@dataclass(frozen=True, slots=True)
class Param:
    """One optional query parameter: how to read it, and its OpenAPI schema."""

    name: str
    description: str
    read: Callable[[str, str], Any]
    schema: dict[str, Any]
    default: Any = None


def _text(name: str, value: str) -> str:
    if not value or len(value) > MAX_TEXT:
        raise BadParameter(f"{name}: expected 1 to {MAX_TEXT} characters")
    return value


def text(name: str, description: str) -> Param:
    return Param(
        name, description, _text, {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
    )


def integer(name: str, description: str, low: int, high: int, default: int | None = None) -> Param:
    def read(name: str, value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            raise BadParameter(f"{name}: not an integer: {value[:40]!r}") from None
        if not low <= number <= high:
            raise BadParameter(f"{name}: must be between {low} and {high}")
        return number

    schema = {"type": "integer", "minimum": low, "maximum": high}
    if default is not None:
        schema["default"] = default
    return Param(name, description, read, schema, default)


def boolean(name: str, description: str) -> Param:
    def read(name: str, value: str) -> bool:
        folded = value.strip().lower()
        if folded in _TRUE or folded in _FALSE:
            return folded in _TRUE
        raise BadParameter(f"{name}: expected true or false, not {value[:40]!r}")

    return Param(name, description, read, {"type": "boolean"})


def choice(name: str, description: str, options: tuple[str, ...]) -> Param:
    def read(name: str, value: str) -> str:
        folded = value.strip().lower()
        if folded not in options:
            raise BadParameter(f"{name}: expected one of {', '.join(options)}, not {value[:40]!r}")
        return folded

    return Param(name, description, read, {"type": "string", "enum": list(options)})


def count(name: str, description: str) -> Param:
    def read(name: str, value: str) -> int:
        try:
            return parse_count(value)
        except ValueError as exc:
            raise BadParameter(f"{name}: {exc}") from None

    schema = {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*[kKmMbBtT]?\s*$", "maxLength": 40}
    return Param(name, f"{description} (an integer, or with K/M/B/T: 70B).", read, schema)


def moment(name: str, description: str) -> Param:
    # An empty value means "not given": the dashboard's date picker submits it empty.
    return Param(
        name,
        f"{description} ({TIME_FORMAT}).",
        parse_moment,
        {"type": "string", "maxLength": 40},
    )


class QuerySpec:
    """The parameters one endpoint takes."""

    def __init__(self, *params: Param) -> None:
        self.params = {param.name: param for param in params}

    def parse(self, request: Request, blank_is_absent: bool = False) -> dict[str, Any]:
        """Every declared parameter: its parsed value or its default (unknown ones ignored).
        ``blank_is_absent``: an empty value means "not given" (an HTML form's empty field)."""
        values = {name: param.default for name, param in self.params.items()}
        for name, value in request.query_params.items():  # the last of repeated values wins
            param = self.params.get(name)
            if param is not None and not (blank_is_absent and not value.strip()):
                values[name] = param.read(name, value)
        return values

    def openapi(self) -> dict[str, Any]:
        """``openapi_extra`` for the route: the parameters as OpenAPI documents them."""
        return {
            "parameters": [
                {
                    "name": p.name,
                    "in": "query",
                    "required": False,
                    "description": p.description,
                    "schema": p.schema,
                }
                for p in self.params.values()
            ]
        }


def at_of(values: dict[str, Any]) -> At:
    """The time-axis point of parsed ``as_of`` / ``known_at`` / ``position``."""
    if values["known_at"] is not None and values["position"] is not None:
        raise BadParameter("give known_at or position, not both (both cut the log)")
    return At(as_of=values["as_of"], known_at=values["known_at"], position=values["position"])


TIME_AXIS = (
    moment("as_of", "The world at this time, by all that is known now"),
    moment("known_at", "What the service knew at this time"),
    integer("position", "What the service knew after this log position.", 0, MAX_POSITION),
)
PAGE = (
    text("after", "The `next` cursor of the previous page."),
    integer("limit", f"Items per page, at most {MAX_LIMIT}.", 1, MAX_LIMIT, default=100),
)
LEADERBOARD = text("leaderboard", "The leaderboard (default: the crown leaderboard).")
OPEN_WEIGHTS = boolean("open_weights", "Only open (true) or closed (false) weights.")
LAB = text("lab", "Only this lab (slug).")
CITY = text("city", "Only this city (any case).")
COUNTRY = text("country", "Only labs in this country (ISO code as the catalog has it, any case).")
LICENSE = text("license", "Only this licence (any case).")
SLUGS = text("slugs", "Only these models (slugs, comma-separated).")
WEIGHTS_STATUS = choice("weights", "Only this weights status.", WEIGHTS)
PARAMS_MIN = count("params_min", "Only models with at least this many parameters")
PARAMS_MAX = count("params_max", "Only models with at most this many parameters")
