"""Ed25519 signatures over certificate payloads, and the keys that make them.

The signed bytes are the payload's canonical JSON: UTF-8, keys sorted, no insignificant
whitespace, non-ASCII characters written as themselves (`ensure_ascii=False`). For a flat object
of ASCII keys and string values — which a certificate payload always is, and which
`canonical_json` enforces — this is exactly the RFC 8785 (JCS) serialisation, so any JCS library
reproduces the bytes.

Private keys are PEM files (PKCS#8, mode 0600) named `<key_id>.pem` in `settings.signing_key_dir`,
never in the database; the `signing_key` table publishes the public halves by key id. The active
key is the newest non-retired row whose private file is present. Outside production a missing
key is made on first use; in production it is an error, and an operator provisions one with
`firstset rotate-signing-key`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import anyio
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.service import Actor
from api.config import get_settings
from api.errors import ServiceUnavailable
from api.models import SigningKey

ALGORITHM = "Ed25519"
KEY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Serialises key creation and rotation across processes (an arbitrary constant of this module).
_KEY_LOCK = 0x46534B59  # "FSKY"


class SigningKeyUnavailable(ServiceUnavailable):
    code = "signing_key_unavailable"
    title = "Signing key unavailable"


# --- canonical payload and signatures ----------------------------------------------------------


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """The bytes that are signed. Only flat ASCII-keyed objects of strings are accepted: for
    those this equals RFC 8785, and nothing else ever needs signing here."""
    for key, value in payload.items():
        if not isinstance(key, str) or not key.isascii():
            raise ValueError(f"payload keys must be ASCII strings, not {key!r}")
        if not isinstance(value, str):
            raise ValueError(f"payload value of {key!r} must be a string")
    return json.dumps(
        dict(payload), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def sign(private_key: Ed25519PrivateKey, payload: Mapping[str, Any]) -> str:
    return base64.b64encode(private_key.sign(canonical_json(payload))).decode("ascii")


def verify(public_key_b64: str, payload: Mapping[str, Any], signature_b64: str) -> bool:
    """True only for a well-formed key and signature that match the payload's canonical bytes."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        signature = base64.b64decode(signature_b64, validate=True)
        public.verify(signature, canonical_json(payload))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode("ascii")


def signature_fingerprint(signature_b64: str) -> str:
    """A short, readable digest of a signature for the printed certificate."""
    digest = hashlib.sha256(base64.b64decode(signature_b64)).hexdigest()[:16].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


# --- private key files --------------------------------------------------------------------------


def key_dir() -> Path:
    directory = get_settings().signing_key_dir
    assert directory is not None  # set by Settings._normalise
    return directory


def _new_key_id(private_key: Ed25519PrivateKey, on: datetime) -> str:
    raw = base64.b64decode(public_key_b64(private_key))
    return f"ed25519-{on:%Y%m%d}-{hashlib.sha256(raw).hexdigest()[:8]}"


def _write_private_key(directory: Path, key_id: str, private_key: Ed25519PrivateKey) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created 0600 from the start (never readable by others, even briefly), then renamed so the
    # key file appears whole or not at all.
    tmp = directory / f".{key_id}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, directory / f"{key_id}.pem")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@lru_cache(maxsize=32)
def _read_private_key(path: str) -> Ed25519PrivateKey:
    # A key file never changes once written (a new key gets a new id), so caching is safe.
    with open(path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _load_matching(directory: Path, key_id: str, public_b64: str) -> Ed25519PrivateKey | None:
    """The private key of `key_id` if its file exists and matches the published public half."""
    if not KEY_ID_RE.match(key_id):
        return None
    path = directory / f"{key_id}.pem"
    if not path.is_file():
        return None
    try:
        key = _read_private_key(str(path))
    except (OSError, ValueError):
        return None
    return key if public_key_b64(key) == public_b64 else None


def _unlisted_key_files(directory: Path, known: set[str]) -> list[tuple[str, Ed25519PrivateKey]]:
    """Key files of this directory that the database does not know, newest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.pem"), key=lambda p: p.stat().st_mtime, reverse=True):
        if path.stem in known or not KEY_ID_RE.match(path.stem):
            continue
        try:
            found.append((path.stem, _read_private_key(str(path))))
        except (OSError, ValueError):
            continue
    return found


# --- the active key ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActiveKey:
    key_id: str
    private_key: Ed25519PrivateKey


async def _first_usable(session: AsyncSession) -> ActiveKey | None:
    rows = (
        await session.execute(
            select(SigningKey.key_id, SigningKey.public_key)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.created_at.desc(), SigningKey.key_id.desc())
        )
    ).all()
    directory = key_dir()
    for key_id, public_b64 in rows:
        private = await anyio.to_thread.run_sync(_load_matching, directory, key_id, public_b64)
        if private is not None:
            return ActiveKey(key_id, private)
    return None


async def _publish(session: AsyncSession, key_id: str, private: Ed25519PrivateKey) -> None:
    session.add(
        SigningKey(
            key_id=key_id,
            algorithm=ALGORITHM,
            public_key=public_key_b64(private),
            created_at=datetime.now(UTC),
        )
    )
    await session.flush()


async def _create_key(session: AsyncSession) -> ActiveKey:
    private = Ed25519PrivateKey.generate()
    key_id = _new_key_id(private, datetime.now(UTC))
    await anyio.to_thread.run_sync(_write_private_key, key_dir(), key_id, private)
    await _publish(session, key_id, private)
    return ActiveKey(key_id, private)


async def active_key(session: AsyncSession) -> ActiveKey:
    found = await _first_usable(session)
    if found is not None:
        return found
    if get_settings().is_production:
        raise SigningKeyUnavailable(
            f"No usable certificate-signing key: no active key in the database has its private "
            f"file in {key_dir()}. Provision one with `firstset rotate-signing-key`."
        )
    await session.execute(select(func.pg_advisory_xact_lock(_KEY_LOCK)))
    # Another transaction may have made one while this one waited for the lock.
    found = await _first_usable(session)
    if found is not None:
        return found
    # A fresh development database on a machine that already has a key adopts that key rather
    # than leaving one more private key file behind per database.
    known = set(await session.scalars(select(SigningKey.key_id)))
    unlisted = await anyio.to_thread.run_sync(_unlisted_key_files, key_dir(), known)
    if unlisted:
        key_id, private = unlisted[0]
        await _publish(session, key_id, private)
        return ActiveKey(key_id, private)
    return await _create_key(session)


async def rotate_signing_key(session: AsyncSession, actor: Actor | None = None) -> SigningKey:
    """A new key becomes the active one; the others are retired but stay published, so
    certificates they signed still verify."""
    await session.execute(select(func.pg_advisory_xact_lock(_KEY_LOCK)))
    previous = list(
        await session.scalars(select(SigningKey.key_id).where(SigningKey.retired_at.is_(None)))
    )
    new = await _create_key(session)
    now = datetime.now(UTC)
    await session.execute(
        update(SigningKey)
        .where(SigningKey.retired_at.is_(None), SigningKey.key_id != new.key_id)
        .values(retired_at=now)
    )
    await audit.record(
        session,
        actor=actor,
        action="signing_key.rotate",
        object_type="signing_key",
        object_id=new.key_id,
        before={"active": previous},
        after={"active": [new.key_id], "retired": previous},
    )
    row = await session.get(SigningKey, new.key_id, populate_existing=True)
    assert row is not None
    return row


async def published_keys(session: AsyncSession) -> list[SigningKey]:
    return list(
        await session.scalars(
            select(SigningKey).order_by(SigningKey.created_at.desc(), SigningKey.key_id)
        )
    )
