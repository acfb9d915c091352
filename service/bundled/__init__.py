"""The folders crownlog ships with: the Alembic migrations and the default config.

The repository keeps them at its top level (``migrations/``, ``config/``); a wheel carries the
same files as ``service/bundled/migrations`` and ``service/bundled/config`` (``setup.py`` maps
the folders, nothing is copied in git), read here through ``importlib.resources``. A source
checkout (an editable install, or the tests run in place) finds them at the top level.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

from service.errors import ConfigError

Folder = Literal["config", "migrations"]


def folder(name: Folder) -> Path:
    """The bundled ``config`` or ``migrations`` folder, as a path on disk."""
    packaged = files(__name__) / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise ConfigError(
        f"crownlog's bundled {name}/ folder is missing from {packaged}: reinstall crownlog"
    )


def config_dir() -> Path:
    """The default config folder: catalog.toml, sources.toml and the offline demo/."""
    return folder("config")


def migrations_dir() -> Path:
    """The Alembic environment and its versions/."""
    return folder("migrations")
