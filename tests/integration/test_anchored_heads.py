"""Anchored heads: published by the CLI, the API, the dashboard and the Atom feed; a kept head
catches a tail rewritten with a recomputed chain; signed heads verify with the public key."""

from __future__ import annotations

import base64
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from service.api.app import create_app
from service.bootstrap import build
from service.headsign import message
from service.settings import AuditSettings, Settings
from service.store import EventStore
from tests.builders import item, mention
from tests.cli import run
from tests.conftest import CATALOG
from tests.tampering import edited, rechain

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette suggests httpx2; httpx is what we pin
    from fastapi.testclient import TestClient


def fill(store: EventStore) -> None:
    store.append([item(n) for n in range(1, 4)])
    store.append([mention("glm-4.5", n, key=f"m{n}") for n in range(1, 3)])


def cli(*args: str, url: str, cwd: Path, config: Path | None = None) -> tuple[int, str, str]:
    env = {"CROWNLOG_CONFIG": str(config)} if config else None
    result = run(*args, url=url, cwd=cwd, env=env)
    return result.returncode, result.stdout, result.stderr


def rewrite_tail(store: EventStore, url: str, cwd: Path, keep: int) -> None:
    """What someone with write access could do: replace every event after ``keep`` with an
    edited copy, recompute their chain, and rebuild the projections to match."""
    events = list(store.read())
    tail = [edited(e, data={**e.data, "snippet": e.data.get("snippet", "") + " (edited)"})
            if e.type == "ModelMentioned" else e for e in events[keep:]]  # fmt: skip
    tail = rechain(tail, events[keep - 1].hash)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM events WHERE position > {keep}")
        EventStore(store.engine).insert_verified(conn, tail)
    assert cli("replay", url=url, cwd=cwd)[0] == 0


def test_audit_head_prints_position_hash_and_time(
    database_url: str, store: EventStore, tmp_path: Path
) -> None:
    """``audit head --json`` is exactly ``{"position", "hash", "recorded_at"}`` of the head."""
    fill(store)
    code, out, _err = cli("audit", "head", "--json", url=database_url, cwd=tmp_path)
    assert code == 0
    head = list(store.read())[-1]
    assert orjson.loads(out) == {
        "position": 5,
        "hash": head.hash,
        "recorded_at": head.recorded_at.isoformat(timespec="microseconds"),
    }
    code, text, _err = cli("audit", "head", url=database_url, cwd=tmp_path)
    assert f"anchor       5:{head.hash}" in text


def test_audit_verify_prints_the_head_it_proved(
    database_url: str, store: EventStore, tmp_path: Path
) -> None:
    """A passing audit names the head's hash too (text and JSON), so its output can be
    compared with a copy of the head kept elsewhere."""
    fill(store)
    head = list(store.read())[-1]
    code, text, _err = cli("audit", "verify", url=database_url, cwd=tmp_path)
    assert code == 0 and f"chain intact: 5 events, head 5:{head.hash}" in text, text
    code, out, _err = cli("audit", "verify", "--json", url=database_url, cwd=tmp_path)
    report = orjson.loads(out)
    assert code == 0 and (report["head"], report["head_hash"]) == (5, head.hash)


def test_a_rewritten_tail_with_a_recomputed_chain_is_caught_by_expect(
    database_url: str, store: EventStore, tmp_path: Path
) -> None:
    """The chain links and the projections match a replay, so a plain audit passes; the
    head kept before the rewrite does not, and ``--expect`` names the position."""
    fill(store)
    kept = f"5:{store.head()[1]}"
    assert cli("audit", "verify", "--expect", kept, url=database_url, cwd=tmp_path)[0] == 0
    rewrite_tail(store, database_url, tmp_path, keep=3)
    assert cli("audit", "verify", url=database_url, cwd=tmp_path)[0] == 0  # undetectable alone
    code, _out, err = cli("audit", "verify", "--expect", kept, url=database_url, cwd=tmp_path)
    assert code == 1
    assert "expected head 5:" in err and "does not match" in err, err
    earlier = f"3:{list(store.read())[2].hash}"  # a head from before the rewrite still holds
    assert cli("audit", "verify", "--expect", earlier, url=database_url, cwd=tmp_path)[0] == 0


def test_a_truncated_tail_is_caught_by_expect(
    database_url: str, store: EventStore, tmp_path: Path
) -> None:
    fill(store)
    kept = f"5:{store.head()[1]}"
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM events WHERE position > 3")
    code, _out, err = cli("audit", "verify", "--expect", kept, url=database_url, cwd=tmp_path)
    assert code == 1 and "the log ends at position 3" in err, err


def test_a_malformed_expect_is_a_usage_error(database_url: str, tmp_path: Path) -> None:
    code, _out, err = cli("audit", "verify", "--expect", "5:abc", url=database_url, cwd=tmp_path)
    assert code == 2 and "POSITION:HASH" in err


def signing_config(tmp_path: Path) -> tuple[Path, Path]:
    """A key made by ``audit keygen`` and a config naming it (relative to the config file)."""
    folder = tmp_path / "config"
    folder.mkdir(parents=True)
    code, public_pem, _err = cli("audit", "keygen", str(folder / "head.pem"), url="", cwd=tmp_path)
    assert code == 0 and public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert (folder / "head.pem").stat().st_mode & 0o077 == 0
    (folder / "head.pub").write_text(public_pem)
    config = folder / "crownlog.toml"
    config.write_text(f'catalog = "{CATALOG}"\n[audit]\nsigning_key = "head.pem"\n')
    return config, folder / "head.pub"


def test_signed_heads_round_trip(database_url: str, store: EventStore, tmp_path: Path) -> None:
    """keygen → signed ``audit head`` → ``verify-head`` with the public key; an altered
    statement, another key, or a rewritten log are each refused."""
    fill(store)
    config, public = signing_config(tmp_path)
    code, out, _err = cli("audit", "head", "--json", url=database_url, cwd=tmp_path, config=config)
    statement = orjson.loads(out)
    assert code == 0 and set(statement) == {
        "position", "hash", "recorded_at", "signature", "public_key"
    }  # fmt: skip
    kept = tmp_path / "head.json"
    kept.write_bytes(out.encode())
    verify = ("audit", "verify-head", str(kept), "--public-key", str(public))
    code, out, err = cli(*verify, url=database_url, cwd=tmp_path, config=config)
    assert code == 0, err
    assert "signature valid: head 5" in out and "the log holds it" in out

    forged = tmp_path / "forged.json"
    forged.write_bytes(orjson.dumps({**statement, "position": 4}))
    code, _out, err = cli("audit", "verify-head", str(forged), "--public-key", str(public),
                          url=database_url, cwd=tmp_path)  # fmt: skip
    assert code == 1 and "does not verify" in err

    _config, other_public = signing_config(tmp_path / "other")
    code, _out, err = cli("audit", "verify-head", str(kept), "--public-key", str(other_public),
                          url=database_url, cwd=tmp_path)  # fmt: skip
    assert code == 1 and "does not verify" in err

    rewrite_tail(store, database_url, tmp_path, keep=3)
    code, out, err = cli(*verify, url=database_url, cwd=tmp_path, config=config)
    assert code == 1 and "signature valid" in out and "does not match" in err


def test_the_api_dashboard_and_feed_publish_the_head(
    database_url: str, store: EventStore, tmp_path: Path
) -> None:
    """``/api/v1/audit/head`` (signed with the configured key), the dashboard footer and the
    Atom feed all name the same head."""
    fill(store)
    config, public = signing_config(tmp_path)
    settings = Settings(
        database_url=database_url,
        catalog=CATALOG,
        sources=tmp_path / "sources.toml",
        audit=AuditSettings(signing_key=config.parent / "head.pem"),
    )
    position, digest = store.head()
    services = build(settings)
    try:
        with TestClient(create_app(services)) as client:
            head = client.get("/api/v1/audit/head")
            page = client.get("/")
            feed = client.get("/api/v1/changes.atom")
    finally:
        services.close()
    assert head.status_code == 200 and head.headers["cache-control"] == "no-store"
    statement = head.json()
    assert (statement["position"], statement["hash"]) == (position, digest)
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(statement["public_key"]))
    key.verify(base64.b64decode(statement["signature"]), message(statement))
    assert public.read_text().strip().startswith("-----BEGIN PUBLIC KEY-----")
    assert f"--expect {position}:{digest}" in page.text
    anchor = ET.fromstring(feed.content).find("{https://github.com/crownlog/crownlog/ns/head}head")
    assert anchor is not None
    assert (anchor.get("position"), anchor.get("hash")) == (str(position), digest)
    assert anchor.get("recorded_at") == statement["recorded_at"]
