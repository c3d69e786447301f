"""The three-node set-up of the worked example (README) and the tests: Japan, South Korea and
the United States, the catalogue's sensors split by owner, keys, peers files and terms.

Sensors by owner (``scenarios/sensors``'s catalogue): ROK the Green Pine radar at Busan; JPN the
J/FPS-5 radars and the Aegis destroyer in the Sea of Japan; US the two forward-based AN/TPY-2
radars (Shariki, Kyogamisaki) and the two geostationary infrared satellites.

Terms (what each node sends each partner):

========  =========  ==========================================================================
from      to         terms
========  =========  ==========================================================================
ROK       JPN        measurements of busan-greenpine
US        JPN        measurements of ir-geo-east, ir-geo-west, shariki-tpy2, kyogamisaki-tpy2
JPN       US         tracks, inside 24-50 N, 128-155 E (Japan and its seas, not the peninsula)
JPN       ROK        tracks, positions coarsened to 1 km
US        ROK        tracks, 2 s delay
ROK       US         predictions and alerts only
========  =========  ==========================================================================
"""

from __future__ import annotations

from pathlib import Path

from missilewatch.allied.keys import init_node

SENSORS = {
    "ROK": ("busan-greenpine",),
    "JPN": ("shimokoshiki-fps5", "sado-fps5", "ominato-fps5", "yozadake-fps5", "aegis-soj"),
    "US": ("shariki-tpy2", "kyogamisaki-tpy2", "ir-geo-east", "ir-geo-west"),
}
NODES = tuple(SENSORS)
TERMS = {
    ("ROK", "JPN"): 'mode = "measurements"\nsensors = ["busan-greenpine"]\n',
    ("US", "JPN"): 'mode = "measurements"\nsensors = ["ir-geo-east", "ir-geo-west", "shariki-tpy2", '
                   '"kyogamisaki-tpy2"]\n',
    ("JPN", "US"): 'mode = "tracks"\n[area]\nbbox = [24.0, 128.0, 50.0, 155.0]\n',
    ("JPN", "ROK"): 'mode = "tracks"\ncoarsen_km = 1.0\n',
    ("US", "ROK"): 'mode = "tracks"\ndelay_s = 2.0\n',
    ("ROK", "US"): 'mode = "predictions"\n',
}


#: The variant where ROK and the US send JPN tracks only (state and covariance), no measurements.
TRACKS_ONLY = TERMS | {("ROK", "JPN"): 'mode = "tracks"\n', ("US", "JPN"): 'mode = "tracks"\n'}


def write_setup(root: Path, addresses: dict[str, str], nodes: tuple[str, ...] = NODES,
                via: dict[tuple[str, str], str] | None = None,
                terms: dict[tuple[str, str], str] | None = None) -> dict[str, Path]:
    """Keys, terms and a peers file per node under ``root``; ``addresses``: node -> its service
    URL as its partners reach it; ``via``: (node, peer) -> another address by which that node
    reaches that peer; ``terms``: (from, to) -> terms (default :data:`TERMS`). Returns node ->
    its peers file."""
    via = via or {}
    terms = terms or TERMS
    keys = root / "keys"
    for n in nodes:
        if not (keys / f"{n}.key").exists():
            init_node(n, keys)
    out = {}
    for n in nodes:
        d = root / n
        (d / "terms").mkdir(parents=True, exist_ok=True)
        text = f'node = "{n}"\nprivate_key = "../keys/{n}.key"\n'
        for p in nodes:
            if p == n:
                continue
            (d / "terms" / f"{n}-to-{p}.toml").write_text(f'partner = "{p}"\n' + terms[(n, p)])
            sensors = ", ".join(f'"{s}"' for s in SENSORS[p])
            text += (f'\n[[peer]]\nnode = "{p}"\naddress = "{via.get((n, p), addresses[p])}"\n'
                     f'public_key = "../keys/{p}.pub"\nterms = "terms/{n}-to-{p}.toml"\nsensors = [{sensors}]\n')
        (d / "peers.toml").write_text(text)
        out[n] = d / "peers.toml"
    return out
