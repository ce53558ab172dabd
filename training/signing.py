"""The issuer's signing keys: Ed25519 key pairs kept as files, outside the database.

``training keys create`` writes a new private key (PEM, readable by its owner only) into the
keys folder (``TRAINING_ISSUER_KEYS_DIR``, by default ``instance/keys``). The newest key
signs; every key in the folder is published at ``/.well-known/jwks.json``, so badges signed
with an older key still verify after a rotation. Removing a key's file withdraws it: badges
it signed then fail to verify (do that only for a key that leaked, and re-issue). See
docs/certificates.md.

Signatures are compact JWS (RFC 7515) with the ``EdDSA`` algorithm (RFC 8037), made by
joserfc; the key id is the key's RFC 7638 thumbprint.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey

ALGORITHM = "EdDSA"
SUFFIX = ".pem"


class NoSigningKey(LookupError):
    """No key in the keys folder: run ``training keys create``."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    """The RFC 7638 thumbprint of the public key."""
    path: Path
    created: datetime
    key: OKPKey

    def public_jwk(self) -> dict[str, Any]:
        jwk = dict(self.key.as_dict(private=False))
        jwk.update({"kid": self.kid, "use": "sig", "alg": ALGORITHM})
        return jwk


def _load(path: Path) -> SigningKey:
    key = OKPKey.import_key(path.read_bytes())
    if key.curve_name != "Ed25519" or not key.is_private:
        raise ValueError(f"{path}: not an Ed25519 private key")
    created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return SigningKey(key.thumbprint(), path, created, key)


def keys(folder: str | Path) -> list[SigningKey]:
    """Every key in the folder, newest first (by the time stamp in the file name)."""
    directory = Path(folder)
    if not directory.is_dir():
        return []
    return [_load(p) for p in sorted(directory.glob(f"*{SUFFIX}"), reverse=True)]


def current_key(folder: str | Path) -> SigningKey:
    found = keys(folder)
    if not found:
        raise NoSigningKey(str(folder))
    return found[0]


def create_key(folder: str | Path, now: datetime | None = None) -> SigningKey:
    """A new Ed25519 key in the folder; it signs from now on."""
    directory = Path(folder)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = OKPKey.generate_key("Ed25519")
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{stamp}-{key.thumbprint()[:12]}{SUFFIX}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.as_pem(private=True))
    return _load(path)


def jwks(folder: str | Path) -> dict[str, Any]:
    """The public keys as a JSON Web Key Set (RFC 7517): never a private part."""
    return {"keys": [k.public_jwk() for k in keys(folder)]}


def sign_jwt(claims: dict[str, Any], key: SigningKey, kid_uri: str) -> str:
    """``claims`` as a compact JWS, with ``kid_uri`` (where the key can be fetched) as the
    header's key id, as Open Badges 3.0 asks."""
    header = {"alg": ALGORITHM, "kid": kid_uri, "typ": "JWT"}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    with warnings.catch_warnings():
        # RFC 9864 names the Ed25519 algorithm "Ed25519"; badge verifiers still expect "EdDSA".
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.serialize_compact(header, payload, key.key, algorithms=[ALGORITHM])
