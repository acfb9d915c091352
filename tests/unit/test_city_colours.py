"""City colours live in the stylesheet (a strict CSP admits no inline style): every city of the
chart palette has a class there with the same colour."""

from __future__ import annotations

import re
from pathlib import Path

import service.api
from service.api.charts import PALETTE
from service.api.dashboard import templates

CSS = (Path(service.api.__file__).parent / "static" / "style.css").read_text()


def test_every_palette_city_has_a_class_of_the_same_colour() -> None:
    rules = dict(re.findall(r"\.city-([a-z]+) \{ background: (#[0-9a-f]{6}); \}", CSS))
    assert rules == {city.lower(): colour for city, colour in PALETTE.items()}


def test_a_city_name_maps_to_its_class_in_any_case_and_others_to_other() -> None:
    key = templates().filters["city_key"]
    assert [key("Beijing"), key("hangzhou"), key("Mountain View"), key(None)] == [
        "beijing", "hangzhou", "other", "other"
    ]  # fmt: skip
