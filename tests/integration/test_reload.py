"""SIGHUP with a broken sources file never kills a worker or an API replica: they keep their
sources, log the file, line and reason, and the error shows in ``crownlog sources``,
``/api/v1/sources`` and the metrics while the admin poll keeps working; at start-up the same
file is one line and exit 4."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from subprocess import CompletedProcess

import httpx
import orjson

from tests.cli import run
from tests.feedserver import feed_server, sources_toml
from tests.server import free_port, serving_process
from tests.unit.test_sourcefile import BROKEN
from tests.workers import log_lines, start_worker, wait_for, write_config

TOKEN = "reload-test-admin-token"


def _refusals(cwd: Path, name: str = "worker") -> list[dict[str, object]]:
    return [
        line
        for line in log_lines(cwd, name)
        if str(line.get("event", "")).startswith("sources file not reloaded")
    ]


def _refused(cwd: Path, name: str, words: str) -> bool:
    """The last refusal in ``name``'s log is the one of the file holding ``words``."""
    refusals = _refusals(cwd, name)
    return bool(refusals) and words in str(refusals[-1]["reason"])


def test_every_broken_file_is_refused_by_a_running_worker(tmp_path: Path) -> None:
    """For each file of the issue: SIGHUP to the worker and to an API replica, both live on
    (the worker with its 2 jobs), both logs name file, line and reason; crownlog sources exits
    4 naming it; /api/v1/sources and both processes' metrics show the file invalid, and the
    admin poll of a source still answers 200. A fixed file is taken up again."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    port = free_port()
    probe = f"http://127.0.0.1:{port}"
    with feed_server(items=2) as server:
        good = sources_toml(server.base, 2, "1h")
        env = write_config(tmp_path / "cfg", good)
        sources_file = tmp_path / "cfg" / "sources.toml"
        worker = start_worker(url, tmp_path, env, "worker", "--metrics-port", str(port))
        try:
            # Both sources polled once: with the file broken, `crownlog sources` lists what the
            # database knows (one source never polled yet made this test fail now and then).
            wait_for(
                lambda: all(server.hits[f"/feed/{n}.xml"] >= 1 for n in (0, 1)),
                60,
                "the worker's first polls",
            )
            admin = {**env, "CROWNLOG_API__ADMIN_TOKEN": TOKEN}
            with serving_process(url, tmp_path, "--no-scheduler", env=admin) as (api, api_proc):
                api_log = f"serve-{api.rsplit(':', 1)[1]}"
                for name in sorted(BROKEN):
                    data, line, words = BROKEN[name]
                    sources_file.write_bytes(data)
                    worker.send_signal(signal.SIGHUP)
                    api_proc.send_signal(signal.SIGHUP)
                    for log in ("worker", api_log):
                        wait_for(lambda log=log, words=words: _refused(tmp_path, log, words),
                                 60, f"refusal {name} in {log}")  # fmt: skip
                    assert worker.poll() is None, f"the worker died on {name}"
                    assert api_proc.poll() is None, f"the API died on {name}"
                    refusal = _refusals(tmp_path)[-1]
                    assert refusal["file"] == str(sources_file) and refusal["line"] == line
                    assert words in str(refusal["reason"]) and refusal["in_use"] == 2
                    api_refusal = _refusals(tmp_path, api_log)[-1]
                    assert api_refusal["line"] == line and api_refusal["in_use"] == 2

                    health = httpx.get(f"{probe}/healthz", timeout=5).json()
                    assert health["jobs"] == 2 and health["sources_file"]["valid"] is False
                    assert "crownlog_sources_file_valid 0.0" in httpx.get(f"{probe}/metrics").text

                    listed = run("sources", url=url, cwd=tmp_path, env=env)
                    assert listed.returncode == 4, listed.stderr
                    assert f"{sources_file}:{line}: " in listed.stderr and words in listed.stderr
                    assert "Traceback" not in listed.stderr and "s0" in listed.stdout, (
                        listed.stderr[-3000:]
                    )

                    body = httpx.get(f"{api}/api/v1/sources", timeout=10).json()
                    assert [row["id"] for row in body["items"]] == ["s0", "s1"]
                    state = body["sources_file"]
                    assert state["valid"] is False and state["error"]["line"] == line
                    assert words in state["error"]["message"]
                    assert "crownlog_sources_file_valid 0.0" in httpx.get(f"{api}/metrics").text
                    polled = httpx.post(
                        f"{api}/api/v1/sources/s0/poll",
                        headers={"Authorization": f"Bearer {TOKEN}"},
                        timeout=60,
                    )
                    assert polled.status_code == 200, polled.text
                    assert polled.json()["status"] in ("ok", "not_modified")
                sources_file.write_text(sources_toml(server.base, 3, "1h"))
                worker.send_signal(signal.SIGHUP)
                wait_for(lambda: server.hits["/feed/2.xml"] >= 1, 30, "the added source's poll")
                health = httpx.get(f"{probe}/healthz", timeout=5).json()
                assert health["jobs"] == 3 and health["sources_file"]["valid"] is True
                body = httpx.get(f"{api}/api/v1/sources", timeout=10).json()
                assert body["sources_file"]["valid"] is True and len(body["items"]) == 3
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0


def test_a_broken_file_at_start_up_is_one_line_and_exit_4(tmp_path: Path) -> None:
    """worker and serve with each broken file: exit 4, one line naming file and line, no
    traceback, before the database is touched; sources check lists every problem, exit 4."""
    url = f"sqlite:///{tmp_path / 'never-created.db'}"
    runs = []
    for name, (data, line, words) in sorted(BROKEN.items()):
        env = write_config(tmp_path / name, "")
        (tmp_path / name / "sources.toml").write_bytes(data)
        for args in (("worker",), ("serve", "--port", str(free_port()))):
            runs.append((name, line, words, env, args))

    def start(case: tuple[str, int, str, dict[str, str], tuple[str, ...]]) -> object:
        return run(*case[4], url=url, cwd=tmp_path, env=case[3], timeout=120)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(start, runs))
    for (name, line, words, _env, args), result in zip(runs, results, strict=True):
        assert isinstance(result, CompletedProcess)
        sources_file = tmp_path / name / "sources.toml"
        assert result.returncode == 4, (name, args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and f"{sources_file}:{line}: " in lines[0], (name, args, lines)
        assert words in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "never-created.db").exists()
    both = tmp_path / "source-list" / "sources.toml"
    checked = run("sources", "check", str(both), url=url, cwd=tmp_path)
    assert checked.returncode == 4
    assert [line.split(": ")[0] for line in checked.stderr.splitlines()] == [f"{both}:1"] * 2
    good = tmp_path / "good.toml"
    good.write_text('[[source]]\nid = "a"\nkind = "feed"\nurl = "https://x.example/f"\n')
    checked = run("sources", "check", str(good), url=url, cwd=tmp_path)
    assert checked.returncode == 0 and "1 sources, 1 enabled: valid" in checked.stdout
    schema = run("sources", "schema", url=url, cwd=tmp_path)
    assert orjson.loads(schema.stdout)["title"] == "crownlog sources.toml"
