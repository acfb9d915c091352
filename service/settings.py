"""Settings: ``config/crownlog.toml``, overridden by ``CROWNLOG_*`` environment variables.

Nested keys use a double underscore in the environment (``[api] port`` is
``CROWNLOG_API__PORT``). Relative paths written in the file are relative to the file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
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
    #: The weights status a crown holder needs: ``open`` (a weights repository is known) or
    #: ``claimed`` (an open licence claim suffices: boards without evidence). Recorded in the
    #: log (``CrownRuleChanged``) when it changes, since replay never reads config.
    weights: Literal["open", "claimed"] = "open"


class HfSettings(BaseModel):
    """Endpoints crownlog derives itself on the Hugging Face Hub (docs/design.md §6)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = "https://huggingface.co"
    #: Verify a repository a source links a model to, by one fetch of ``/api/models/<repo>``.
    verify_repos: bool = True
    #: Fetch the model card (README) of a model's weights repository once, and extract from it.
    model_cards: bool = True

    @field_validator("base_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", "file://")):
            raise ValueError("must be an http(s):// or file:// URL")
        return value.rstrip("/")


class IngestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: A download count is reported again only when it moved by more than this fraction.
    downloads_threshold: float = Field(default=0.10, ge=0.0)


class WorkerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: ``worker``'s health and metrics listener (``--metrics-port``); unset: none.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"


NotifyEvent = Literal[
    "crown", "release", "enters-top10", "left-board", "source-failing", "source-recovered"
]
Weights = Literal["open", "claimed", "closed", "unknown"]


class NotifyTarget(BaseModel):
    """One ``[[notify]]`` alert target (docs/design.md §6; README "Follow the race")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    events: tuple[NotifyEvent, ...] = Field(min_length=1)
    #: Filters: a board alert passes if its board is listed; a model alert if its lab, city
    #: (any case) and weights status are. Unset: no filter.
    leaderboard: tuple[str, ...] | None = None
    lab: tuple[str, ...] | None = None
    city: tuple[str, ...] | None = None
    weights: tuple[Weights, ...] | None = None
    webhook: str | None = Field(default=None, pattern=r"^https?://")
    secret: SecretStr | None = None
    apprise: tuple[str, ...] | None = None
    timeout: float = Field(default=10.0, gt=0, le=120)
    #: Seconds before the first retry of a failed delivery; doubles per failure up to retry_max.
    retry_initial: float = Field(default=30.0, gt=0)
    retry_max: float = Field(default=3600.0, gt=0)
    #: A source is "failing" after this many failed polls in a row.
    failing_after: int = Field(default=3, ge=1)
    #: A release is news while its release date is at most this many days old.
    release_within_days: int = Field(default=30, ge=0)

    @field_validator("leaderboard", "lab", "city", "weights", "apprise", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_channel(self) -> NotifyTarget:
        if (self.webhook is None) == (self.apprise is None):
            raise ValueError("give either webhook (with secret) or apprise, not both or neither")
        if self.webhook is not None and not (self.secret and self.secret.get_secret_value()):
            raise ValueError("a webhook needs a secret (it signs every body)")
        return self


class FetchPolicySettings(BaseModel):
    """``[fetch]``: what URLs named by remote servers may reach (``jobs.fetch.urlpolicy``)."""

    model_config = ConfigDict(extra="forbid")

    #: Let redirects and next-page links reach loopback, private, link-local or multicast
    #: addresses: for lab networks and tests with loopback servers only.
    allow_private: bool = False


class HttpSettings(BaseModel):
    """``[http]``: what one connection may send the API (``service.api.httpguard``)."""

    model_config = ConfigDict(extra="forbid")

    max_head_bytes: int = Field(default=16 * 1024, ge=1024)  # request line + headers
    max_url_bytes: int = Field(default=8 * 1024, ge=256)  # the request target
    max_headers: int = Field(default=100, ge=10)
    head_timeout: float = Field(default=10.0, gt=0)  # seconds to send a whole request head
    max_body_bytes: int = Field(default=64 * 1024, ge=0)
    keep_alive: int = Field(default=5, ge=1)  # seconds an idle connection stays open
    max_connections: int = Field(default=1000, ge=1)  # beyond: 503


class AuditSettings(BaseModel):
    """``[audit]``: signing of published heads (``service.headsign``)."""

    model_config = ConfigDict(extra="forbid")

    #: An Ed25519 private key (unencrypted PEM file; relative to the config file): published
    #: heads are then signed with it. Unset: heads are published unsigned.
    signing_key: Path | None = None


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
    hf: HfSettings = Field(default_factory=HfSettings)
    notify: list[NotifyTarget] = Field(default_factory=list)

    @field_validator("notify")
    @classmethod
    def _unique_targets(cls, targets: list[NotifyTarget]) -> list[NotifyTarget]:
        names = [target.name for target in targets]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"notify target names must be unique: {', '.join(twice)}")
        return targets

    fetch: FetchPolicySettings = Field(default_factory=FetchPolicySettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)

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
    audit = values.get("audit")
    key_path = audit.get("signing_key") if isinstance(audit, dict) else None
    if isinstance(key_path, str) and not Path(key_path).is_absolute():
        audit["signing_key"] = str(base / key_path)  # type: ignore[index]
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
