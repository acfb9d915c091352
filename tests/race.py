"""New events of a small mid-2025 race, for integration tests of the projections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.clock import parse_time
from service.events import NewEvent, Provenance

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LABS = {
    "deepseek": ("DeepSeek", "Hangzhou"),
    "moonshot": ("Moonshot AI", "Beijing"),
    "zhipu": ("Zhipu AI", "Beijing"),
    "google": ("Google", "Mountain View"),
}
MODELS = {
    "deepseek-r1-0528": "deepseek",
    "kimi-k2": "moonshot",
    "glm-4.5": "zhipu",
    "gemini-2.5-pro": "google",
}
OPEN = {"deepseek-r1-0528": "MIT", "kimi-k2": "Modified-MIT", "glm-4.5": "MIT"}


class Clock:
    """A clock the test moves: each append is recorded at the time it is set to."""

    def __init__(self, start: str = "2025-06-01") -> None:
        self.now = parse_time(start)

    def __call__(self) -> datetime:
        return self.now

    def set(self, text: str) -> None:
        self.now = parse_time(text)


def catalog() -> list[NewEvent]:
    origin = Provenance("catalog", "catalog.toml")
    events = [
        NewEvent(f"lab:{slug}", "LabRegistered",
                 {"slug": slug, "name": name, "city": city, "country": "CN"}, EPOCH, origin,
                 f"lab:{slug}")
        for slug, (name, city) in LABS.items()
    ]  # fmt: skip
    events += [
        NewEvent(f"model:{slug}", "ModelRegistered", {"slug": slug, "name": slug, "lab": lab},
                 EPOCH, origin, f"model:{slug}")
        for slug, lab in MODELS.items()
    ]  # fmt: skip
    events += [
        NewEvent(f"model:{slug}", "ModelLicenseChanged",
                 {"model": slug, "license": license_, "open_weights": True, "confidence": 0.9,
                  "evidence": f"{slug} is under {license_}"}, EPOCH, origin, f"license:{slug}")
        for slug, license_ in OPEN.items()
    ]  # fmt: skip
    # The evidence that makes their weights open (a licence is only a claim): a verified
    # repository, undated here so the synthetic story's dates stay free.
    events += [
        NewEvent(f"model:{slug}", "WeightsRepoVerified",
                 {"model": slug, "repo": f"{MODELS[slug]}/{slug}"}, EPOCH, origin,
                 f"weights:{slug}")
        for slug in OPEN
    ]  # fmt: skip
    return events


def snapshot(as_of: str, scores: dict[str, float], method: str = "bt-v1") -> list[NewEvent]:
    """One leaderboard snapshot: a ScoreReported per model, dated by its as_of."""
    when = parse_time(as_of)
    item = Provenance("arena", f"lmarena-text@{as_of}", "https://example.org/arena.json")
    return [
        NewEvent(
            f"model:{model}",
            "ScoreReported",
            {"model": model, "leaderboard": "lmarena-text", "method": method, "value": value,
             "as_of": as_of, "ci_low": value - 3, "ci_high": value + 3,
             "provenance": "independent"},
            when,
            item,
            f"score:{model}:{as_of}:{method}",
        )
        for model, value in scores.items()
    ]  # fmt: skip


def days(text: str, n: int) -> str:
    return (parse_time(text) + timedelta(days=n)).date().isoformat()
