"""What every command shares: settings, loaded once, and the connected services."""

from __future__ import annotations

from pathlib import Path

import typer

from service.bootstrap import Services, build, ensure_schema
from service.logs import configure_logging
from service.settings import Settings, load_settings


class CliContext:
    """Lazily loads settings and builds services for one command invocation."""

    #: The context of the command running in this process (for error messages at the edge).
    current: CliContext | None = None

    def __init__(self, config: Path | None) -> None:
        self._config = config
        self._settings: Settings | None = None
        self._services: Services | None = None
        CliContext.current = self

    @staticmethod
    def database_url_in_use() -> str:
        """The database URL of the running command, once its settings were loaded."""
        current = CliContext.current
        return current._settings.database_url if current and current._settings else ""

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self._config)
            configure_logging(self._settings.log_format, self._settings.log_level)
        return self._settings

    def services(self, upgrade_empty: bool = False) -> Services:
        """Connected services; with ``upgrade_empty`` an empty database is migrated first."""
        if self._services is None:
            self._services = build(self.settings)
            ensure_schema(self._services.engine, upgrade_empty=upgrade_empty)
        return self._services


def context(ctx: typer.Context) -> CliContext:
    """The ``CliContext`` of the running command."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliContext):
        root.obj = CliContext(None)
    return root.obj
