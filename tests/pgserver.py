"""A private PostgreSQL server for fault tests: ``initdb`` + ``pg_ctl`` in a temporary folder on a
free loopback port, so a test can stop and restart it without touching any shared server.

PostgreSQL refuses to run as root; under root the server runs as ``nobody`` (its folder handed
over to that user). The binaries are found on PATH or under ``/usr/lib/postgresql/*/bin``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server import free_port

NOBODY = 65534


def bin_dir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (newest installed version), if any."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


class PrivatePostgres:
    """One server: ``start()``, ``stop()``, ``url(database)``; the port stays the same."""

    def __init__(self, binaries: Path, folder: Path) -> None:
        self._bin = binaries
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = free_port()
        self._user = NOBODY if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self._bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            user=self._user,
            cwd=self.folder,
        )
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {result.stderr}\n{log[-2000:]}")

    def init(self) -> None:
        if self._user is not None:
            os.chown(self.folder, self._user, -1)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        from service.db import create_engine

        admin = create_engine(self.url()).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return self.url(name)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private server, stopped and deleted afterwards."""
    import pytest

    binaries = bin_dir()
    if binaries is None:
        reason = "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql"
        if os.environ.get("CROWNLOG_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason=reason)
    folder = Path(tempfile.mkdtemp(prefix="crownlog-pg-"))
    folder.chmod(0o755)
    server = PrivatePostgres(binaries, folder)
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(RuntimeError):  # already stopped by the test
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
