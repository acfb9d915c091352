"""Settings: ``config/crownlog.toml``, overridden by ``CROWNLOG_*`` environment variables.

Nested keys use a double underscore in the environment (``[api] port`` is
``CROWNLOG_API__PORT``). Relative paths written in the file are relative to the file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from service.bundled import config_dir
from service.errors import ConfigError

DEFAULT_CONFIG = Path("config/crownlog.toml")
ENV_PREFIX = "CROWNLOG_"
_PATH_KEYS = ("sources", "catalog", "data_dir")


class ApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    admin_token: SecretStr | None = None
    cors_origins: list[str] = Field(default_factory=list)


class CrownSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    leaderboard: str = "lmarena-text"


class IngestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: A download count is reported again only when it moved by more than this fraction.
    downloads_threshold: float = Field(default=0.10, ge=0.0)


class WorkerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: ``worker``'s health and metrics listener (``--metrics-port``); unset: none.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"


class Settings(BaseSettings):
    """Every setting crownlog reads; see README "Configuration" for each one."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
    )

    #: Empty: the SQLite file ``crownlog.db`` in ``data_dir``.
    database_url: str = ""
    sources: Path = Field(default_factory=lambda: config_dir() / "sources.toml")
    catalog: Path = Field(default_factory=lambda: config_dir() / "catalog.toml")
    #: Local state: the default database lives here (the one folder crownlog creates itself).
    data_dir: Path = Path("data")
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    api: ApiSettings = Field(default_factory=ApiSettings)
    crown: CrownSettings = Field(default_factory=CrownSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init arguments; the environment overrides them.
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'crownlog.db'}"
        return self


def config_path(explicit: str | Path | None = None) -> Path | None:
    """The config file: ``--config``, else ``CROWNLOG_CONFIG``, else the default if present."""
    chosen = explicit or os.environ.get(ENV_PREFIX + "CONFIG")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise ConfigError(
                f"config file {path} does not exist (from --config or CROWNLOG_CONFIG)"
            )
        return path
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def load_settings(explicit: str | Path | None = None) -> Settings:
    """Read and validate the settings; a bad value raises ``ConfigError`` naming key and file."""
    path = config_path(explicit)
    values = _read_file(path) if path else {}
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            values = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start}): {exc.reason}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    base = path.resolve().parent
    for key in _PATH_KEYS:
        if isinstance(values.get(key), str) and not Path(values[key]).is_absolute():
            values[key] = str(base / values[key])
    return values


def _describe(exc: ValidationError, path: Path | None) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        env_name = ENV_PREFIX + "__".join(str(part) for part in error["loc"]).upper()
        origin = (
            f"environment variable {env_name}"
            if env_name in os.environ
            else (str(path) if path else "defaults")
        )
        if error["type"] == "extra_forbidden":
            lines.append(f"unknown setting {key!r} in {origin}")
        else:
            lines.append(
                f"invalid setting {key!r} = {error.get('input')!r} in {origin}: {error['msg']}"
            )
    return "invalid settings: " + "; ".join(lines)
