"""docker-compose.yml runs only real crownlog commands, and api/worker wait for the migration."""

from __future__ import annotations

import shutil
import subprocess
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


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_each_role_has_its_own_health_check() -> None:
    """The api probes its own port, each worker the port of its --metrics-port listener (bound
    to all interfaces), migrate none; the image has no role-blind HEALTHCHECK."""
    services = _compose()["services"]
    api, worker = services["api"], services["worker"]
    api_port = _option(api["command"], "--port")
    worker_port = _option(worker["command"], "--metrics-port")
    assert api_port != worker_port
    assert f"127.0.0.1:{api_port}/readyz" in " ".join(api["healthcheck"]["test"])
    assert f"127.0.0.1:{worker_port}/healthz" in " ".join(worker["healthcheck"]["test"])
    assert _option(worker["command"], "--metrics-host") == "0.0.0.0"
    assert services["migrate"]["healthcheck"] == {"disable": True}
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert not any(line.startswith("HEALTHCHECK") for line in dockerfile.splitlines())


def test_config_is_mounted_where_crownlog_reads_it() -> None:
    """Every crownlog service mounts ./config at the folder CROWNLOG_CONFIG names, so an edited
    sources.toml reaches the workers (SIGHUP), and the settings there name that sources file."""
    services = _compose()["services"]
    for name in ("migrate", "api", "worker"):
        service = services[name]
        config = service["environment"]["CROWNLOG_CONFIG"]
        mounts = {m.split(":")[1]: m.split(":")[0] for m in service["volumes"]}
        folder = config.rsplit("/", 1)[0]
        assert mounts.get(folder) == "./config", (name, mounts)
    assert 'sources = "sources.toml"' in (ROOT / "config" / "crownlog.toml").read_text()


def test_prometheus_scrapes_every_replica_and_worker_not_the_proxy() -> None:
    """Prometheus finds each api replica and each worker by DNS on their own ports."""
    services = _compose()["services"]
    prometheus = services["prometheus"]
    assert "./docs/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    config = yaml.safe_load((ROOT / "docs" / "prometheus.yml").read_text())
    targets = {}
    for job in config["scrape_configs"]:
        (sd,) = job["dns_sd_configs"]
        assert "static_configs" not in job and sd["type"] == "A"
        targets[sd["names"][0]] = str(sd["port"])
    assert targets == {
        "api": _option(services["api"]["command"], "--port"),
        "worker": _option(services["worker"]["command"], "--metrics-port"),
    }
    assert "proxy" not in targets


def _compose_cli() -> list[str] | None:
    """``docker compose`` (v2 plugin) or ``docker-compose`` (v1), whichever answers."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=60)
        if probe.returncode == 0:
            return command
    return None


@pytest.mark.skipif(
    _compose_cli() is None,
    reason="no compose CLI here (neither `docker compose` nor `docker-compose`): install one "
    "to validate the file with it; the parse tests above still run",
)
def test_the_compose_cli_accepts_the_file() -> None:
    """``docker compose config`` (no engine needed) validates the file where the CLI exists."""
    command = _compose_cli()
    assert command is not None
    result = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
