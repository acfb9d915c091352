"""Workers and API replicas are observable: the worker's health/metrics listener, per-source
state from the database on the API, and every listed metric where the list says it is."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from service.metrics import METRICS
from tests.feedserver import feed_server, sources_toml
from tests.server import free_port, serving
from tests.workers import start_worker, wait_for, write_config


def _get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=5)
    except httpx.TransportError:
        return None


def _names(role: str) -> list[str]:
    return [m.name for m in METRICS if m.exported_by in (role, "all")]


def test_worker_listener_and_api_export_every_listed_metric(tmp_path: Path) -> None:
    """``worker --metrics-port``: /healthz names the scheduler's jobs, /metrics the poll
    counters; an API replica on the same database exports the source state the worker wrote."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    port = free_port()
    with feed_server(items=3) as server:
        env = write_config(tmp_path / "cfg", sources_toml(server.base, 2, "1h"))
        worker = start_worker(url, tmp_path, env, "worker", "--metrics-port", str(port))
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: (r := _get(f"{base}/healthz")) is not None and r.status_code == 200,
                     60, "the worker's /healthz")  # fmt: skip
            health = httpx.get(f"{base}/healthz", timeout=5).json()
            assert health["scheduler"] == "running" and health["jobs"] == 2
            assert health["sources_file"]["valid"] is True
            assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200

            def polled() -> bool:
                response = _get(f"{base}/metrics")
                return response is not None and all(
                    f'crownlog_polls_total{{source="s{n}",status="ok"}} 1.0' in response.text
                    for n in range(2)
                )

            wait_for(polled, 60, "both sources' polls in the worker's metrics")
            text = httpx.get(f"{base}/metrics", timeout=5).text
            for name in _names("poller"):
                assert f"# HELP {name} " in text, name
            assert "crownlog_scheduler_jobs 2.0" in text and "crownlog_database_up 1.0" in text
            assert "process_resident_memory_bytes" in text
            assert httpx.get(f"{base}/nope", timeout=5).status_code == 404

            with serving(url, tmp_path, "--no-scheduler", env=env) as api:
                httpx.get(f"{api}/api/v1/sources", timeout=10).raise_for_status()
                api_text = httpx.get(f"{api}/metrics", timeout=10).text
            for name in _names("api"):
                assert f"# HELP {name} " in api_text, name
            for n in range(2):
                assert f'crownlog_source_consecutive_errors{{source="s{n}"}} 0.0' in api_text
                assert f'crownlog_source_events_appended_total{{source="s{n}"}}' in api_text
            assert 'crownlog_source_last_success_timestamp_seconds{source="s0"}' in api_text
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0


def test_metrics_keep_answering_while_the_database_is_down(tmp_path: Path) -> None:
    """An API whose database does not answer: /metrics 200 with crownlog_database_up 0 (and
    the process metrics), /readyz 503, /healthz 200."""
    import warnings

    from service.api.app import create_app
    from service.bootstrap import build
    from service.settings import Settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    settings = Settings(database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    services = build(settings)
    try:
        with TestClient(create_app(services, sources=lambda: [])) as client:
            metrics = client.get("/metrics")
            assert metrics.status_code == 200
            assert "crownlog_database_up 0.0" in metrics.text
            assert "process_cpu_seconds_total" in metrics.text
            assert client.get("/readyz").status_code == 503
            assert client.get("/healthz").status_code == 200
    finally:
        services.close()
