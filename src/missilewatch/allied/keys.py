"""A node's identity: an Ed25519 key pair (``cryptography``) and the signed tokens (PyJWT,
EdDSA) with which two nodes prove to each other who they are when a link opens.

``init_node`` writes ``<NODE>.key`` (PKCS#8 PEM, private, mode 0600) and ``<NODE>.pub``
(SubjectPublicKeyInfo PEM, handed to the partners). A link token says who signs it (``iss``),
for which node (``aud``), a nonce, and is valid for ``ttl_s`` seconds.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from missilewatch.errors import InputError

NODE_ID = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")
ALG = "EdDSA"
TOKEN_TTL_S = 60.0


def check_node_id(field: str, node: object) -> str:
    """A node id: 2-32 characters, capital letter first, then capitals, digits, '_' or '-'."""
    if not isinstance(node, str) or not NODE_ID.match(node):
        raise InputError(field, node, "must be a node id like JPN (capitals, digits, '_' or '-', 2-32 characters)")
    return node


def init_node(node: str, out: Path, overwrite: bool = False) -> tuple[Path, Path]:
    """Make the node's key pair in ``out``; returns (private key path, public key path)."""
    check_node_id("--node", node)
    out.mkdir(parents=True, exist_ok=True)
    priv_path, pub_path = out / f"{node}.key", out / f"{node}.pub"
    if priv_path.exists() and not overwrite:
        raise InputError("--out", str(priv_path), "a key of this node is already there (refusing to overwrite)")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(priv_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    pub_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
    return priv_path, pub_path


def load_private(path: Path, field: str = "private_key") -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(field, str(path), f"cannot be read as a PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(field, str(path), "must be an Ed25519 key (missilewatch keys init-node)")
    return key


def load_public(path: Path, field: str = "public_key") -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(field, str(path), f"cannot be read as a PEM public key ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(field, str(path), "must be an Ed25519 public key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    """Hex SHA-256 of the raw public key, first 16 characters (for logs and the audit)."""
    import hashlib

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def link_token(key: Ed25519PrivateKey, issuer: str, audience: str, nonce: str | None = None,
               ttl_s: float = TOKEN_TTL_S) -> str:
    """A token by which ``issuer`` proves itself to ``audience``."""
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "iat": now, "exp": now + int(ttl_s),
              "nonce": nonce or secrets.token_urlsafe(16)}
    return jwt.encode(claims, key, algorithm=ALG)


class LinkAuthError(Exception):
    """A link token that does not prove what it claims."""


def unverified_issuer(token: str) -> str:
    try:
        iss = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError as exc:
        raise LinkAuthError(f"malformed token ({exc})") from exc
    if not isinstance(iss, str):
        raise LinkAuthError("token names no issuer")
    return iss


def verify_link_token(token: str, key: Ed25519PublicKey, issuer: str, audience: str,
                      nonce: str | None = None) -> dict[str, Any]:
    """The claims of a token signed by ``issuer``'s key for ``audience``; raises LinkAuthError."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALG], audience=audience, issuer=issuer,
                            options={"require": ["exp", "iat", "iss", "aud", "nonce"]}, leeway=5)
    except jwt.InvalidTokenError as exc:
        raise LinkAuthError(f"token of {issuer!r} refused ({exc})") from exc
    if nonce is not None and claims.get("nonce") != nonce:
        raise LinkAuthError(f"token of {issuer!r} answers another challenge")
    return claims
