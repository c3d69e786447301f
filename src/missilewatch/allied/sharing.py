"""The one function that decides what leaves this node for a partner: :func:`share`.

It takes one outgoing message (an event of the live picture, or a ``measurement`` message
holding a raw record) with the place it is about, and the partner's :class:`Terms`, and
returns the message as the partner may see it, or None. It is used for the node links and
for a partner's token on the REST API and the events stream, so both obey the same terms.

A ``measurement`` message: ``{"kind": "measurement", "sensor": id, "time_utc": ...,
"line": JSON record, "position": [lat_deg, lon_deg] | None}``. The simulation's ``truth`` of a
record never leaves the node. Coarsening rounds latitude and longitude to a grid of
``coarsen_km / 111.32`` degrees and heights to ``coarsen_km``; the track's position covariance
grows by the rounding's variance (grid^2 / 12 on each axis), footprints' semi-axes by half
the grid's diagonal; free texts with positions are replaced.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from typing import Any

from missilewatch.allied.terms import MEASUREMENT, TRACK_KINDS, Terms
from missilewatch.earth.frames import geodetic2ecef

KM_PER_DEG = 111.32
TEXT_WITH_POSITION = TRACK_KINDS | {"prediction", "launch", "impact"}


def release_time(created: dt.datetime, terms: Terms) -> dt.datetime:
    """When a message made at ``created`` may go to the partner."""
    return created + dt.timedelta(seconds=terms.delay_s)


def place_of(msg: dict) -> tuple[float, float] | None:
    """The place a message itself names (a measurement's or a track's position), if any."""
    if msg.get("kind") == MEASUREMENT:
        p = msg.get("position")
        return (float(p[0]), float(p[1])) if p else None
    data = msg.get("data") or {}
    if msg.get("kind") in TRACK_KINDS and data.get("lat_deg") is not None and data.get("lon_deg") is not None:
        return float(data["lat_deg"]), float(data["lon_deg"])
    return None


def share(msg: dict, terms: Terms, about: tuple[float, float] | None = None) -> dict | None:
    """``msg`` as ``terms`` let the partner see it, or None when the terms withhold it.

    ``about``: the latest position (lat_deg, lon_deg) of the track the message concerns, used
    when the message names no place itself."""
    kind = msg.get("kind")
    if kind not in terms.kinds():
        return None
    if kind == MEASUREMENT and msg.get("sensor") not in terms.sensors:
        return None
    if terms.area is not None:
        where = place_of(msg) or about
        if where is None or not all(math.isfinite(v) for v in where) or not terms.inside(*where):
            return None
    out = copy.deepcopy(msg)
    if kind == MEASUREMENT:
        rec = json.loads(out["line"])
        rec.pop("truth", None)
        out["line"] = json.dumps(rec, separators=(",", ":"))
        return out
    if terms.coarsen_km > 0:
        _coarsen(out, terms.coarsen_km)
    return out


def _grid(v: float | None, step: float) -> float | None:
    if v is None or not math.isfinite(v):
        return v
    return round(round(v / step) * step, 9)


def _coarsen(ev: dict, km: float) -> None:
    g = km / KM_PER_DEG
    kind, data = ev["kind"], ev.get("data") or {}
    if kind in TRACK_KINDS and data.get("lat_deg") is not None:
        data["lat_deg"], data["lon_deg"] = _grid(data["lat_deg"], g), _grid(data["lon_deg"], g)
        data["alt_km"] = _grid(data.get("alt_km"), km)
        if data["alt_km"] is not None:
            data["r_ecef_m"] = [float(v) for v in geodetic2ecef(data["lat_deg"], data["lon_deg"],
                                                                data["alt_km"] * 1e3)]
        var = (km * 1e3) ** 2 / 12.0
        if data.get("P_ecef"):
            P = data["P_ecef"]
            for i in range(3):
                P[i][i] += var
        if data.get("sigma_pos_m") is not None:
            data["sigma_pos_m"] = round(math.sqrt(data["sigma_pos_m"] ** 2 + 3 * var), 1)
    elif kind == "prediction":
        data["impact_lat_deg"] = _grid(data.get("impact_lat_deg"), g)
        data["impact_lon_deg"] = _grid(data.get("impact_lon_deg"), g)
        data["footprint_polygon"] = [[_grid(a, g), _grid(b, g)] for a, b in data.get("footprint_polygon") or []]
        data["ground_track"] = [[p[0], _grid(p[1], g), _grid(p[2], g), _grid(p[3], km)]
                                for p in data.get("ground_track") or []]
        for k in ("semi_major_km", "semi_minor_km"):
            if data.get(k) is not None:
                data[k] = round(data[k] + km / math.sqrt(2.0), 3)
    if kind in TEXT_WITH_POSITION:
        ev["text"] = f"{kind} of {ev.get('track') or 'the session'} (positions coarsened to {km:g} km)"


def note_position(positions: dict[str, tuple[float, float]], ev: dict[str, Any]) -> None:
    """Keep the latest position of the event's track (from its track events)."""
    p = place_of(ev) if ev.get("kind") in TRACK_KINDS else None
    if p is not None and ev.get("track"):
        positions[ev["track"]] = p
