"""Acceptance on LMArena's own archive: the project's real ``lmarena-text`` and
``lmarena-text-models`` sources (the blocks of ``config/sources.toml``, verbatim) replay dated
copies of ``data/leaderboard-text.json`` and the board's ``data/scatterplot-data.json`` through
``crownlog backfill`` and ``poll``, on SQLite and PostgreSQL, and the views are checked against
the files themselves, not against expectations written for them:

- at every snapshot's ``as_of``, a day later and just before the next one, the standings rank
  exactly that snapshot's keys (one row per key, its rating), so no removed model is ranked;
- the crown follows that history: at each of those times its holder is the best-ranked model
  whose weights status the crown rule admits, and it changes hands only at snapshot times;
- at least 97% of the board's keys that have metadata are placed in a lab, each key the
  metadata calls proprietary (however spelt) says ``closed``, and nothing without a published
  repository says ``open``.

The archive is the committed project fixture (``tests/fixtures/arena_board``, written for the
project in the real shapes, with models that leave and return and wrong licence claims) and,
when ``CROWNLOG_ARENA_ARCHIVE`` names a folder of real copies (``leaderboard-text-<date>.json``
files and ``scatterplot-data.json``), that archive too. The real files are not in the
repository; docs/operations.md says how to make such a folder.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from jobs.catalog import load_catalog
from jobs.extract.boardkeys import board_slugs
from jobs.extract.boardmodels import licence_claim
from jobs.extract.licenses import PROPRIETARY
from jobs.extract.names import NameResolver
from jobs.sources.filedates import date_in_name
from service.clock import utcnow
from service.db import create_engine
from service.readmodel import ReadModel
from service.timepoint import At
from tests.cli import run
from tests.conftest import ROOT, settings_toml

FIXTURE = ROOT / "tests" / "fixtures" / "arena_board"
REAL = os.environ.get("CROWNLOG_ARENA_ARCHIVE")
ARCHIVES = [pytest.param(FIXTURE, id="fixture")] + (
    [pytest.param(Path(REAL), id="real")] if REAL else []
)
METADATA_NAMES = ("scatterplot-data.json", "models.json")


def _real_sources() -> str:
    """The project's own ``lmarena-text`` blocks; the metadata is read from a local copy."""
    text = (ROOT / "config" / "sources.toml").read_text()
    blocks = re.split(r"(?m)^(?=\[\[source\]\])", text)
    chosen = [b for b in blocks if re.search(r'(?m)^id = "lmarena-text(-models)?"$', b)]
    assert len(chosen) == 2, "config/sources.toml lost its lmarena-text sources"
    return "".join(
        re.sub(r'(?m)^url = "https://[^"]*scatterplot-data\.json"$', 'url = "file:meta.json"', b)
        for b in chosen
    )


def _archive(folder: Path) -> tuple[list[tuple[Path, datetime]], Path]:
    dated = [(path, date_in_name(path)) for path in sorted(folder.glob("leaderboard-text*.json"))]
    files = sorted(((p, d) for p, d in dated if d is not None), key=lambda item: item[1])
    metadata = next(folder / name for name in METADATA_NAMES if (folder / name).is_file())
    assert len(files) >= 2, f"{folder}: fewer than two dated snapshots"
    return files, metadata


def _cli(url: str, cwd: Path, env: dict[str, str], *args: str) -> str:
    result = run(*args, url=url, cwd=cwd, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _replay(url: str, tmp_path: Path, folder: Path, rule: str) -> dict[str, str]:
    files, metadata = _archive(folder)
    config = tmp_path / "config"
    config.mkdir()
    (config / "sources.toml").write_text(_real_sources())
    shutil.copyfile(metadata, config / "meta.json")
    (config / "crownlog.toml").write_text(settings_toml() + f'\n[crown]\nweights = "{rule}"\n')
    env = {"CROWNLOG_CONFIG": str(config / "crownlog.toml")}
    _cli(url, tmp_path, env, "poll", "lmarena-text-models", "--no-derived")
    output = _cli(url, tmp_path, env, "backfill", "lmarena-text", *(str(p) for p, _ in files))
    assert "warning" not in output and f"{len(files)} snapshots" in output
    return env


def _probes(files: list[tuple[Path, datetime]]) -> list[tuple[Path, datetime]]:
    probes = []
    for index, (path, when) in enumerate(files):
        probes += [(path, when), (path, when + timedelta(days=1))]
        if index + 1 < len(files):
            probes.append((path, files[index + 1][1] - timedelta(seconds=1)))
    return probes


def _board(path: Path) -> dict[str, float]:
    full = orjson.loads(path.read_bytes())["full"]
    return {key: float(value["rating"]) for key, value in full.items()}


def _eligible(rule: str) -> set[str]:
    return {"open"} if rule == "open" else {"open", "claimed"}


@pytest.mark.parametrize("folder", ARCHIVES)
@pytest.mark.parametrize("rule", ["claimed", "open"])
def test_the_archive_replays_as_the_board_was(
    database_url: str, tmp_path: Path, folder: Path, rule: str
) -> None:
    _replay(database_url, tmp_path, folder, rule)
    engine = create_engine(database_url)
    try:
        _check(ReadModel(engine, "lmarena-text", utcnow), folder, rule)
    finally:
        engine.dispose()


def _check(reads: ReadModel, folder: Path, rule: str) -> None:
    """The views read the way the CLI and API read them (the CLI's ``--json`` is this shape)."""
    files, metadata = _archive(folder)
    names = NameResolver.from_catalog(load_catalog(ROOT / "config" / "catalog.toml"))
    holders: list[tuple[datetime, str | None]] = []
    for path, moment in _probes(files):
        at = moment.isoformat()
        rows: list[dict[str, Any]] = reads.standings("lmarena-text", At(as_of=moment))["rows"]
        board = _board(path)
        assert len(rows) == len(board), (path.name, at)  # one row per key, none removed
        assert sorted(round(r["score"], 6) for r in rows) == sorted(
            round(v, 6) for v in board.values()
        ), (path.name, at)
        assert {r["model"] for r in rows} == set(board_slugs(board, names).values())
        crown = reads.crown("lmarena-text", At(as_of=moment))
        best = next((r for r in rows if r["weights"] in _eligible(rule)), None)
        holder = crown["holder"]
        assert (holder and holder["model"]) == (best and best["model"]), (path.name, at)
        holders.append((moment, holder and holder["model"]))
        above = [r["model"] for r in rows if best is None or r["rank"] < best["rank"]]
        claimed = [r["model"] for r in rows if r["weights"] == "claimed" and r["model"] in above]
        assert [c["model"] for c in crown["contenders"]] == claimed, (path.name, at)
    # The crown changes hands only where a snapshot takes effect.
    starts = {when for _path, when in files}
    for (_, before), (moment, after) in itertools.pairwise(holders):
        assert before == after or moment in starts, moment

    _check_spells(reads, files, names)

    meta = orjson.loads(metadata.read_bytes())
    claims = {str(m["model_api_name"]): licence_claim(m.get("license")) for m in meta}
    latest = _board(files[-1][0])
    slugs = board_slugs(latest, names)
    now = {r["model"]: r for r in reads.standings("lmarena-text", At())["rows"]}
    described = [key for key in latest if key in claims]
    placed = [key for key in described if now[slugs[key]]["lab"] is not None]
    assert len(placed) >= 0.97 * len(described), sorted(set(described) - set(placed))
    closed = [key for key in described if claims[key] == PROPRIETARY]
    assert closed and all(now[slugs[key]]["weights"] == "closed" for key in closed)
    assert not [row for row in now.values() if row["weights"] == "open"]  # no evidence given


def _check_spells(
    reads: ReadModel, files: list[tuple[Path, datetime]], names: NameResolver
) -> None:
    """Model pages say when each model left the board (and came back): the spells of every
    model equal the runs of snapshots that list it."""
    listed: dict[str, list[datetime]] = {}
    for path, when in files:
        for slug in board_slugs(_board(path), names).values():
            listed.setdefault(slug, []).append(when)
    times = [when for _path, when in files]
    for slug, seen in listed.items():
        expected: list[tuple[datetime, datetime | None]] = []
        for when in seen:
            index = times.index(when)
            after = times[index + 1] if index + 1 < len(times) else None
            if expected and expected[-1][1] == when:
                expected[-1] = (expected[-1][0], after)
            else:
                expected.append((when, after))
        model = reads.model(slug)
        assert model is not None, slug
        (board,) = [b for b in model["boards"] if b["leaderboard"] == "lmarena-text"]
        got = [(_at(s["from"]), s["to"] and _at(s["to"])) for s in board["spells"]]
        assert got == expected, slug
        assert (board["rank"] is None) == (expected[-1][1] is not None), slug


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)
