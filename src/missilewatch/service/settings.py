"""Settings of one service process (limits in records, bytes and seconds)."""

from __future__ import annotations

from dataclasses import dataclass

from missilewatch.errors import InputError


@dataclass(frozen=True)
class ServiceSettings:
    """What ``missilewatch serve`` runs with.

    ``max_body_bytes`` / ``max_records``: per request (413 past them); ``sensor_rate_per_s`` and
    ``sensor_burst``: a token bucket of records per sensor id (429 past it). ``stale_factor`` x
    a sensor's usual interval between reports (at least ``stale_min_s``) of silence marks it
    stale. ``session_gap_s``: measurement-time silence with no live track after which the next
    measurement opens a new watch session. ``history_events``: events a late joiner gets with
    its snapshot.
    """

    db_url: str
    policy_path: str | None = None
    jwt_secret: str | None = None
    max_body_bytes: int = 8 * 1024 * 1024
    max_records: int = 10_000
    sensor_rate_per_s: float = 5_000.0
    sensor_burst: float = 20_000.0
    stale_factor: float = 5.0
    stale_min_s: float = 10.0
    session_gap_s: float = 3600.0
    history_events: int = 200
    ticket_ttl_s: float = 30.0
    token_ttl_s: float = 8 * 3600.0
    keepalive_s: float = 15.0
    client_queue: int = 20_000
    node_id: str | None = None  # allied node: this node's id (with peers_path)
    peers_path: str | None = None  # allied node: the peers file
    cot_port: int | None = None  # allied node: Cursor-on-Target over TCP on 127.0.0.1 (0: a free port)
    cot_udp: tuple[str, int] | None = None  # allied node: Cursor-on-Target datagrams to (host, port)

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_records", "sensor_rate_per_s", "sensor_burst", "stale_factor",
                     "stale_min_s", "session_gap_s", "ticket_ttl_s", "keepalive_s", "client_queue"):
            if not getattr(self, name) > 0:
                raise InputError(name, getattr(self, name), "must be > 0")
