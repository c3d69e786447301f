"""The peers file (TOML): who this node is, its private key, and each partner node: id,
address, public key, the file of the terms this node shares with it under, and the sensors it
owns (the only ones whose measurements it may send here).

```toml
node = "JPN"
private_key = "keys/JPN.key"        # paths are relative to this file

[[peer]]
node = "ROK"
address = "http://127.0.0.1:8401"  # the partner's service (its link is WS /v1/allied/link)
public_key = "keys/ROK.pub"
terms = "terms/JPN-to-ROK.toml"
sensors = ["busan-greenpine"]
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from missilewatch.allied.keys import check_node_id, load_private, load_public
from missilewatch.allied.terms import Terms, load_terms
from missilewatch.errors import InputError

PEER_KEYS = {"node", "address", "public_key", "terms", "sensors"}


@dataclass(frozen=True)
class Peer:
    node: str
    address: str
    public_key: Ed25519PublicKey
    terms: Terms
    sensors: frozenset[str]

    @property
    def link_url(self) -> str:
        u = urlparse(self.address)
        scheme = "wss" if u.scheme == "https" else "ws"
        return f"{scheme}://{u.netloc}/v1/allied/link"


@dataclass(frozen=True)
class Peers:
    node: str
    private_key: Ed25519PrivateKey
    peers: dict[str, Peer]


def _path(base: Path, value: object) -> Path:
    p = Path(str(value))
    return p if p.is_absolute() else base / p


def load_peers(path: Path, node: str | None = None) -> Peers:
    """Read and validate the peers file; one InputError names every bad field."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("--peers", str(path), f"cannot be read ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError("--peers", str(path), f"is not valid TOML ({exc})") from exc
    base, problems = path.parent, [f"{k}: unknown field" for k in sorted(set(raw) - {"node", "private_key", "peer"})]
    me = raw.get("node")
    try:
        check_node_id("node", me)
    except InputError as exc:
        problems.append(str(exc))
    if node is not None and me != node:
        problems.append(f"node: the file is node {me!r}'s, not {node!r}'s")
    key = None
    if "private_key" not in raw:
        problems.append("private_key: missing (the node's key, from missilewatch keys init-node)")
    else:
        try:
            key = load_private(_path(base, raw["private_key"]))
        except InputError as exc:
            problems.append(str(exc))
    entries = raw.get("peer", [])
    if not isinstance(entries, list) or not entries:
        problems.append("peer: at least one [[peer]] table is needed")
        entries = []
    peers: dict[str, Peer] = {}
    for i, e in enumerate(entries):
        at = f"peer[{i}]"
        if not isinstance(e, dict):
            problems.append(f"{at}: must be a table")
            continue
        problems += [f"{at}.{k}: unknown field" for k in sorted(set(e) - PEER_KEYS)]
        problems += [f"{at}.{k}: missing" for k in ("node", "address", "public_key", "terms") if k not in e]
        pid = e.get("node")
        try:
            check_node_id(f"{at}.node", pid)
        except InputError as exc:
            problems.append(str(exc))
            pid = None
        if pid is not None and (pid == me or pid in peers):
            problems.append(f"{at}.node: {pid!r} is " + ("this node" if pid == me else "named twice"))
        addr = e.get("address")
        u = urlparse(str(addr)) if isinstance(addr, str) else None
        if "address" in e and (u is None or u.scheme not in ("http", "https") or not u.hostname or u.port is None):
            problems.append(f"{at}.address: must be http(s)://host:port (got {addr!r})")
        sensors = e.get("sensors", [])
        if not isinstance(sensors, list) or not all(isinstance(s, str) and s for s in sensors):
            problems.append(f"{at}.sensors: must be a list of sensor ids (got {sensors!r})")
            sensors = []
        pub = terms = None
        if "public_key" in e:
            try:
                pub = load_public(_path(base, e["public_key"]), f"{at}.public_key")
            except InputError as exc:
                problems.append(str(exc))
        if "terms" in e:
            try:
                terms = load_terms(_path(base, e["terms"]), pid)
            except InputError as exc:
                problems.append(f"{at}.terms: {exc}")
        if pid and pub is not None and terms is not None and isinstance(addr, str) and not problems:
            peers[pid] = Peer(pid, addr.rstrip("/"), pub, terms, frozenset(sensors))
    if problems:
        raise InputError(f"--peers {path}", "file", "; ".join(problems))
    assert key is not None and isinstance(me, str)
    return Peers(me, key, peers)
