"""Who is calling: API keys (sensors and systems; only a SHA-256 of the secret is stored) and
signed tokens (PyJWT, HS256) with a role; WebSocket tickets (short-lived, single use).

Roles: ``sensor`` (posts measurements for its own sensor ids only), ``operator`` (everything
live), ``analyst`` (archive and history, read only), ``partner`` (alerts and predictions, no
measurements or tracks), ``admin`` (keys, audit, sessions; may post for any sensor).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

import jwt
from sqlalchemy import select

from missilewatch.errors import InputError
from missilewatch.store import Database
from missilewatch.store.models import ApiKey, ServiceState

ROLES = ("sensor", "operator", "analyst", "partner", "admin")
KEY_PREFIX = "mwk"
JWT_ALG = "HS256"
ISSUER = "missilewatch"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: name, role, the sensor ids it may post for (sensor keys)."""

    name: str
    role: str
    sensors: tuple[str, ...] = field(default=())
    via: str = "token"

    def may_post_for(self, sensor_id: str) -> bool:
        return self.role == "admin" or (self.role == "sensor" and sensor_id in self.sensors)


class AuthError(Exception):
    """401: no or bad credentials."""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create_key(db: Database, role: str, name: str, sensors: list[str] | tuple[str, ...] = ()) -> str:
    """A new API key; returns the key text (shown once: only its hash is kept)."""
    if role not in ROLES:
        raise InputError("role", role, f"must be one of {', '.join(ROLES)}")
    if role == "sensor" and not sensors:
        raise InputError("sensors", list(sensors), "a sensor key needs at least one sensor id")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    with db.session() as s:
        s.add(ApiKey(key_id=key_id, secret_sha256=_sha(secret), name=name, role=role, sensors=list(sensors)))
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def signing_secret(db: Database, configured: str | None = None) -> str:
    """The token-signing secret: the configured one, else one kept in the database."""
    if configured:
        return configured
    with db.session() as s:
        row = s.get(ServiceState, "jwt_secret")
        if row is None:
            row = ServiceState(name="jwt_secret", value=secrets.token_urlsafe(48))
            s.add(row)
        return row.value


def make_token(secret: str, subject: str, role: str, ttl_s: float, sensors: tuple[str, ...] = ()) -> str:
    """A signed token for a person or a partner system."""
    if role not in ROLES:
        raise InputError("role", role, f"must be one of {', '.join(ROLES)}")
    if not ttl_s > 0:
        raise InputError("ttl_s", ttl_s, "must be > 0")
    now = int(time.time())
    claims = {"sub": subject, "role": role, "iat": now, "exp": now + int(ttl_s), "iss": ISSUER}
    if sensors:
        claims["sensors"] = list(sensors)
    return jwt.encode(claims, secret, algorithm=JWT_ALG)


class Authenticator:
    """Checks credentials; caches API keys (revocation is seen within ``key_cache_s``)."""

    def __init__(self, db: Database, secret: str, ticket_ttl_s: float, key_cache_s: float = 5.0) -> None:
        self.db, self.secret, self.ticket_ttl_s, self.key_cache_s = db, secret, ticket_ttl_s, key_cache_s
        self._keys: dict[str, tuple[float, Principal | None, str]] = {}
        self._tickets: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def from_credential(self, text: str) -> Principal:
        text = text.strip()
        if not text:
            raise AuthError("empty credential")
        if text.startswith(KEY_PREFIX + "_"):
            return self._key(text)
        try:
            claims = jwt.decode(text, self.secret, algorithms=[JWT_ALG], issuer=ISSUER,
                                options={"require": ["exp", "sub", "role"]})
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"invalid token ({exc})") from exc
        role = claims.get("role")
        if role not in ROLES:
            raise AuthError(f"token role {role!r} unknown")
        return Principal(str(claims["sub"]), role, tuple(claims.get("sensors") or ()), "token")

    def _key(self, text: str) -> Principal:
        parts = text.split("_", 2)
        if len(parts) != 3:
            raise AuthError("malformed API key")
        _, key_id, secret = parts
        now = time.monotonic()
        cached = self._keys.get(key_id)
        if cached is None or now - cached[0] > self.key_cache_s:
            with self.db.session() as s:
                row = s.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
            p = None if row is None or row.revoked_at is not None else \
                Principal(row.name, row.role, tuple(row.sensors or ()), "key")
            cached = (now, p, row.secret_sha256 if row is not None else "")
            self._keys[key_id] = cached
        _, p, digest = cached
        if p is None or not hmac.compare_digest(digest, _sha(secret)):
            raise AuthError("unknown or revoked API key")
        return p

    def issue_ticket(self, p: Principal) -> str:
        ticket = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            self._tickets = {t: v for t, v in self._tickets.items() if v[0] > now}
            self._tickets[ticket] = (now + self.ticket_ttl_s, p)
        return ticket

    def redeem_ticket(self, ticket: str) -> Principal:
        with self._lock:
            entry = self._tickets.pop(ticket, None)
        if entry is None or entry[0] < time.monotonic():
            raise AuthError("unknown, used or expired ticket")
        return entry[1]
