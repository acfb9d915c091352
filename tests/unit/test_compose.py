"""docker-compose.yml runs only real crownlog commands, and api/worker wait for the migration."""

from __future__ import annotations

from typing import Any

import pytest
import typer
import yaml

from service.cli import app
from tests.conftest import ROOT


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def _resolves(argv: list[str]) -> None:
    """Parse ``crownlog ARGV`` with the real CLI, without running it."""
    command: Any = typer.main.get_command(app)
    args = list(argv)
    while hasattr(command, "list_commands"):  # a group (typer ships its own click)
        assert args, "a command group needs a sub-command"
        name, args = args[0], args[1:]
        sub = command.get_command(command.make_context("crownlog", [name]), name)
        assert sub is not None, f"crownlog has no command {name!r}"
        command = sub
    command.make_context(command.name or "crownlog", args)  # raises on unknown options


@pytest.mark.parametrize("service", ["migrate", "api", "worker"])
def test_every_command_is_a_real_crownlog_command(service: str) -> None:
    """Each crownlog service's command parses with crownlog's own CLI."""
    _resolves(_compose()["services"][service]["command"])


def test_bad_commands_are_caught() -> None:
    """The check above can fail: an unknown command or option does not parse."""
    with pytest.raises(AssertionError, match="no command 'serv'"):
        _resolves(["serv"])
    with pytest.raises(Exception, match="No such option: --no-such-option"):
        _resolves(["serve", "--no-such-option"])


def test_api_and_worker_wait_for_migrate_and_migrate_for_postgres() -> None:
    """api and worker start only after the one-shot migration succeeded; it waits for a healthy
    database; both roles run two replicas against PostgreSQL."""
    services = _compose()["services"]
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["deploy"]["replicas"] == 2
        assert services[name]["environment"]["CROWNLOG_DATABASE_URL"].startswith("postgresql://")
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in services["postgres"] and services["postgres"]["volumes"]
    assert services["api"]["command"][:2] == ["serve", "--no-scheduler"]
