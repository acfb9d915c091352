"""What can be wrong with a database before or while connecting, said in one line.

``check_location``: a SQLite path that is a folder, whose folder is missing (only the
configured ``data_dir`` is created: any other missing folder is more likely a typo than a wish),
or that crownlog may not write (the file, or the folder its -wal/-shm files go to).
``unavailable``: a driver error (server down, refused, read-only file) as a
``DatabaseUnavailable`` naming the database without its password.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from service.errors import ConfigError, DatabaseUnavailable


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database, memory or a ``file:`` URI)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser()


def check_location(url: str, data_dir: Path) -> None:
    """Refuse a SQLite location that cannot work; create the default data folder."""
    path = sqlite_path(url)
    if path is None:
        return
    if path.is_dir():
        raise ConfigError(
            f"database_url names a folder, not a file: {path} "
            f"(for example sqlite:///{path / 'crownlog.db'})"
        )
    folder = path.parent
    if not folder.exists():
        if folder.resolve() != data_dir.expanduser().resolve():
            raise ConfigError(
                f"the folder of the SQLite database {path} does not exist: create {folder}, or "
                f"fix database_url (only data_dir, {data_dir}, is created automatically)"
            )
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.is_dir():
        raise ConfigError(f"the SQLite database's folder {folder} is not a folder")
    writable_folder = os.access(folder, os.W_OK | os.X_OK)
    if not writable_folder or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        where = "its folder" if not writable_folder else "the file"
        raise DatabaseUnavailable(
            f"the SQLite database {path} is read-only ({where}): crownlog writes the file and "
            f"its -wal/-shm files beside it; fix the permissions of {folder}"
        )


def unavailable(exc: SQLAlchemyError, url: str) -> DatabaseUnavailable:
    """A driver error as one line naming the database (password hidden) and the cause."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        shown = "the database"
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = cause[0] if cause else type(exc).__name__
    if "readonly database" in reason or "read-only" in reason:
        reason += " (check the permissions of the file and its folder)"
    return DatabaseUnavailable(f"database unavailable: {shown}: {reason}")
