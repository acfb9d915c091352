"""Ed25519 signatures over anchored heads (``service.anchor``), with a key from settings.

A signed head says "this log stood at position N with hash H at time T", and who said it: the
holder of the private key named by ``[audit] signing_key``. Anyone with the public key can check
a kept statement (``crownlog audit verify-head``) without trusting the server that served it.
The signed bytes are a fixed prefix and the canonical JSON of the three head fields, so a
signature can never be replayed for any other kind of message.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from service.anchor import Head
from service.chain import canonical_json
from service.errors import ConfigError, IntegrityError
from service.settings import Settings

DOMAIN = b"crownlog signed head v1\n"
FIELDS = ("position", "hash", "recorded_at")


def message(statement: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the prefix and the canonical JSON of the head fields."""
    return DOMAIN + canonical_json({name: statement.get(name) for name in FIELDS})


def raw_public(key: Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes (how statements name it)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in the PEM file at ``path``; ``ConfigError`` otherwise."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise ConfigError(f"[audit] signing_key {path}: cannot read it ({exc.strerror})") from None
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigError(
            f"[audit] signing_key {path}: not an unencrypted PEM key ({exc})"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"[audit] signing_key {path}: an Ed25519 key is needed")
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from PEM text or base64 of the raw 32 bytes; ``ValueError`` otherwise."""
    data = text.strip().encode("ascii", errors="replace")
    try:
        if data.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not an Ed25519 public key")
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(data, validate=True))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not an Ed25519 public key (PEM or base64 of 32 bytes): {exc}") from None


def signed(head: Head, key: Ed25519PrivateKey | None) -> dict[str, Any]:
    """``head`` as published: signed (``signature``, ``public_key``) when there is a key."""
    statement = head.as_dict()
    if key is not None:
        signature = key.sign(message(statement))
        statement["signature"] = base64.b64encode(signature).decode("ascii")
        statement["public_key"] = raw_public(key.public_key())
    return statement


def check_signature(statement: dict[str, Any], key: Ed25519PublicKey) -> None:
    """Raise ``IntegrityError`` unless ``statement`` carries a valid signature by ``key``."""
    encoded = statement.get("signature")
    if not isinstance(encoded, str):
        raise IntegrityError("the head statement carries no signature")
    try:
        key.verify(base64.b64decode(encoded, validate=True), message(statement))
    except (InvalidSignature, ValueError):
        raise IntegrityError(
            f"the signature of head {statement.get('position')} does not verify with public "
            f"key {raw_public(key)}: the statement was altered or signed by another key"
        ) from None


def generate(path: Path) -> Ed25519PrivateKey:
    """A new private key written to ``path`` (PEM, owner read/write only)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.touch(mode=0o600, exist_ok=False)
    path.write_bytes(pem)
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    """The public half of ``key`` as PEM text."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def signing_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The key named by ``[audit] signing_key``, or None when heads are published unsigned."""
    path = settings.audit.signing_key
    return load_signing_key(path) if path is not None else None
