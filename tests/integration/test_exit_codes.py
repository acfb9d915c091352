"""Honest exit codes and one line naming the problem, never a traceback; nothing written.

0 ok · 1 some sources failed / audit mismatch / an import refused · 2 usage · 3 database
unavailable · 4 invalid configuration (``service.cli.exits``)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

import orjson
import pytest

from service import migrate
from service.chain import compute_hash
from service.cli.exits import CONFIG, DATABASE, EXIT_CODES, OK, PROBLEM, USAGE, exit_code
from service.db import create_engine
from service.errors import (
    ConfigError,
    CrownlogError,
    DatabaseUnavailable,
    IntegrityError,
    UsageError,
)
from service.store import EventStore
from service.transfer import export_events
from tests.builders import item, mention
from tests.cli import CROWNLOG, run
from tests.feedserver import feed_server
from tests.server import free_port

UNREACHABLE = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/x"


def one_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Assert ``result`` exited ``code`` with one error line holding ``words`` (progress lines
    aside); return it."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("crownlog: error: ")]
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def test_the_error_tree_maps_to_its_codes() -> None:
    """Each deliberate error's class decides the code; subclasses inherit it."""
    assert exit_code(ConfigError("x")) == CONFIG == 4
    assert exit_code(DatabaseUnavailable("x")) == DATABASE == 3
    assert exit_code(IntegrityError("x")) == PROBLEM == 1
    assert exit_code(CrownlogError("x")) == PROBLEM
    assert exit_code(UsageError("x")) == USAGE == 2
    assert OK == 0 and set(EXIT_CODES.values()) <= {1, 2, 3, 4}


@pytest.mark.parametrize(
    "args",
    [
        ("standings",),
        ("db", "upgrade"),
        ("poll",),
        ("sources",),
        ("audit", "verify"),
        ("events", "export"),
        ("worker",),
        ("serve", "--port", "1"),
    ],
)
def test_an_unreachable_database_is_exit_3(args: tuple[str, ...], tmp_path: Path) -> None:
    """Every command against a PostgreSQL server that is not there: one line, exit 3, the
    password hidden."""
    line = one_line(run(*args, url=UNREACHABLE, cwd=tmp_path), DATABASE, "database unavailable")
    assert "127.0.0.1" in line and "secret" not in line


def test_sqlite_paths_that_cannot_work_are_exit_4_and_create_nothing(tmp_path: Path) -> None:
    """A folder as the database, or a missing folder: exit 4 and nothing created; the default
    data_dir alone is created."""
    one_line(run("db", "upgrade", url=f"sqlite:///{tmp_path}", cwd=tmp_path), CONFIG, "folder")
    missing = tmp_path / "no" / "such" / "crownlog.db"
    line = one_line(run("db", "upgrade", url=f"sqlite:///{missing}", cwd=tmp_path), CONFIG)
    assert "does not exist" in line and str(missing.parent) in line
    assert not (tmp_path / "no").exists()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CROWNLOG_")}
    default = subprocess.run(
        [CROWNLOG, "db", "upgrade"], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    assert default.returncode == OK, default.stderr
    assert (tmp_path / "data" / "crownlog.db").is_file()


#: Root ignores file permissions; without these two capabilities it is held to them.
DROP = "-dac_override,-dac_read_search"


SETPRIV = shutil.which("setpriv")
#: Root ignores file permissions; util-linux ``setpriv`` drops the capabilities that let it.
needs_permissions = pytest.mark.skipif(
    os.geteuid() == 0 and SETPRIV is None,
    reason="running as root without util-linux setpriv: root ignores file permissions",
)


def _bound_by_permissions(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``crownlog ARGS`` held to file permissions (as root: with the overriding capabilities
    dropped by util-linux ``setpriv``)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CROWNLOG_")}
    environment["CROWNLOG_DATABASE_URL"] = url
    prefix: list[str] = []
    if os.geteuid() == 0:
        assert SETPRIV is not None  # the tests that come here are marked ``needs_permissions``
        prefix = [SETPRIV, f"--inh-caps={DROP}", f"--bounding-set={DROP}", "--"]
    return subprocess.run(
        [*prefix, CROWNLOG, *args], cwd=cwd, env=environment, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@needs_permissions
@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_sqlite_database_is_exit_3_and_unchanged(
    read_only: str, tmp_path: Path
) -> None:
    """A database file, or its folder, that crownlog may not write: exit 3 naming it, for a
    write and for a read; the file's bytes stay the same."""
    folder = tmp_path / "db"
    folder.mkdir()
    database = folder / "crownlog.db"
    engine = create_engine(f"sqlite:///{database}")
    migrate.upgrade(engine)
    EventStore(engine).append([item(1)])
    engine.dispose()
    for leftover in folder.glob("crownlog.db-*"):
        leftover.unlink()
    if read_only == "file":
        database.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    else:
        folder.chmod(0o555)
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    url = f"sqlite:///{database}"
    try:
        for args in (("db", "upgrade"), ("standings",), ("poll",)):
            result = _bound_by_permissions(*args, url=url, cwd=tmp_path)
            line = one_line(result, DATABASE, "read-only")
            assert str(database) in line
        assert hashlib.sha256(database.read_bytes()).hexdigest() == before
        assert sorted(p.name for p in folder.iterdir()) == ["crownlog.db"]
    finally:
        folder.chmod(0o755)


def _export(tmp_path: Path) -> tuple[Path, list[dict[str, object]]]:
    """A log of three events exported, and its lines as dicts."""
    engine = create_engine(f"sqlite:///{tmp_path / 'source.db'}")
    migrate.upgrade(engine)
    store = EventStore(engine)
    store.append([item(1), item(2), mention("glm-4.5", 1, key="mention-1")])
    path = tmp_path / "good.jsonl"
    with path.open("wb") as handle:
        export_events(store, handle)
    engine.dispose()
    return path, [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _rechained(lines: list[dict[str, object]]) -> bytes:
    """The lines with positions renumbered and every hash recomputed (a well-chained file)."""
    previous = "0" * 64
    out = []
    for position, line in enumerate(lines, start=1):
        fields = {**line, "position": position, "prev_hash": previous}
        fields["hash"] = previous = compute_hash(fields)
        out.append(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS))
    return b"\n".join(out) + b"\n"


@pytest.mark.parametrize("flaw", ["duplicate key", "duplicate stream version", "missing field"])
def test_an_import_that_makes_no_sense_is_exit_1_and_writes_nothing(
    flaw: str, tmp_path: Path
) -> None:
    """A well-chained file that repeats a key or a (stream, version), or whose payload lacks a
    required field: one line naming the position, exit 1, the target log untouched."""
    _good, lines = _export(tmp_path)
    if flaw == "duplicate key":
        lines.append({**lines[0], "stream": "source:other", "version": 1})
    elif flaw == "duplicate stream version":
        lines.append({**lines[1], "key": "another-key"})
    else:
        data = dict(lines[2]["data"])  # type: ignore[call-overload]
        del data["snippet"]
        lines[2] = {**lines[2], "data": data}
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(_rechained(lines))
    target = f"sqlite:///{tmp_path / 'target.db'}"
    assert run("db", "upgrade", url=target, cwd=tmp_path).returncode == OK
    line = one_line(run("events", "import", str(broken), url=target, cwd=tmp_path), PROBLEM)
    assert "position" in line or "line" in line, line
    engine = create_engine(target)
    assert EventStore(engine).head()[0] == 0
    engine.dispose()


def test_poll_exits_1_when_a_source_failed_and_0_when_all_succeeded(tmp_path: Path) -> None:
    """``crownlog poll``: 1 if any source failed (its error in the table), else 0."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with feed_server(items=1) as server:
        sources = tmp_path / "sources.toml"
        env = {"CROWNLOG_SOURCES": str(sources)}
        sources.write_text(
            f'[[source]]\nid = "ok"\nkind = "feed"\nurl = "{server.base}/feed/0.xml"\n'
        )
        assert run("poll", url=url, cwd=tmp_path, env=env).returncode == OK
        sources.write_text(
            sources.read_text()
            + f'[[source]]\nid = "gone"\nkind = "feed"\nurl = "{server.base}/missing.xml"\n'
        )
        failed = run("poll", url=url, cwd=tmp_path, env=env)
    assert failed.returncode == PROBLEM and "1 failed" in failed.stdout
    assert "Traceback" not in failed.stderr


def test_usage_and_configuration_errors(tmp_path: Path) -> None:
    """An unknown option is 2; a bad setting is 4 with one line naming key and origin."""
    url = f"sqlite:///{tmp_path / 'u.db'}"
    assert run("standings", "--no-such-option", url=url, cwd=tmp_path).returncode == USAGE
    bad = run("standings", url=url, cwd=tmp_path, env={"CROWNLOG_API__PORT": "eighty"})
    one_line(bad, CONFIG, "api.port", "CROWNLOG_API__PORT")
    config = tmp_path / "crownlog.toml"
    config.write_bytes(b"log_level = 'caf\xe9'\n")
    one_line(run("--config", str(config), "standings", url=url, cwd=tmp_path), CONFIG, "UTF-8")
