"""Hedged statements: a rumour or an estimate is not a figure of record."""

from __future__ import annotations

import re

#: "或已突破685B", "据传", "reportedly", "estimated at": the sentence states no count or window.
HEDGE = re.compile(
    r"或已|或将|或將|据传|據傳|传言|傳言|传闻|傳聞|爆料|疑似|rumou?r|reportedly|allegedly|speculat"
    r"|估计|估計|estimated",
    re.IGNORECASE,
)
